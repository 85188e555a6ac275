"""The ``/rrm`` command grammar: slash-command text in, a command value or the problems out.

Pure: no Slack client and no database. ``parse_command`` never raises; every problem it reports
names the argument and the fix, and is safe to show in mrkdwn (the person's text is escaped).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, TypeAlias

from bot.slack.command_values import OPEN_FIELDS, apply_field, people, reason
from bot.slack.grammar_away import PARSERS as ABSENCE_PARSERS
from bot.slack.grammar_away import USAGE as ABSENCE_USAGE
from bot.slack.grammar_away import AbsenceCommand
from bot.slack.grammar_changes import PARSERS as CHANGE_PARSERS
from bot.slack.grammar_changes import USAGE as CHANGE_USAGE
from bot.slack.grammar_changes import ChangeCommand
from bot.slack.mentions import Word, shown, split_words, unescape_slack

REFERENCE_MAX = 40
REQUIRED_TO_CREATE = ("reference", "child", "notified", "meeting", "due", "chair", "agencies")
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_TIME = re.compile(r"\d{1,2}:\d{2}")


@dataclass(frozen=True)
class HelpCommand:
    """``/rrm`` or ``/rrm help``: show the usage."""


@dataclass(frozen=True)
class StatusCommand:
    """``/rrm status [REF]``: the reference, upper case, or None for every open review."""

    reference: str | None = None


@dataclass(frozen=True)
class OpenArgs:
    """``/rrm open``: what was given, each None when absent. ``meeting`` is the date and
    ``meeting_time`` the time when one was typed (None means the partnership's default)."""

    reference: str | None = None
    child: str | None = None
    notified: date | None = None
    meeting: date | None = None
    meeting_time: time | None = None
    due: date | None = None
    chair: str | None = None
    agencies: tuple[str, ...] | None = None
    incident: date | None = None
    under1: bool | None = None
    period: tuple[date, date] | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        """The arguments still needed to create the review at once (else the modal opens)."""
        return tuple(name for name in REQUIRED_TO_CREATE if getattr(self, name) is None)

    def meeting_at(self, default_time: time) -> datetime | None:
        """The meeting as a naive local datetime, ``default_time`` when no time was typed."""
        if self.meeting is None:
            return None
        return datetime.combine(self.meeting, self.meeting_time or default_time)


@dataclass(frozen=True)
class PackCommand:
    """``/rrm pack REF [to=@a,@b]``: the reference, upper case, and the people named (None:
    the pack goes to whoever asked)."""

    reference: str
    to: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SummaryCommand:
    """``/rrm summary REF``: edit the case summary and attendees of the review's pack."""

    reference: str


@dataclass(frozen=True)
class LockCommand:
    """``/rrm lock REF``: no more returns or changes to them."""

    reference: str


@dataclass(frozen=True)
class CloseCommand:
    """``/rrm close REF``: close the review (a modal asks the outcome and the Panel date)."""

    reference: str


@dataclass(frozen=True)
class HoldCommand:
    """``/rrm hold REF reason=…`` keeps the review's answers past the retention period;
    ``reason`` None (``/rrm hold REF off``) lifts the hold."""

    reference: str
    reason: str | None


@dataclass(frozen=True)
class RemindCommand:
    """``/rrm remind REF``: nudge every contact whose return is still outstanding, now."""

    reference: str


@dataclass(frozen=True)
class TemplateCommand:
    """``/rrm template REF``: the chronology columns as a CSV file, in a DM."""

    reference: str


Command: TypeAlias = (
    HelpCommand
    | StatusCommand
    | OpenArgs
    | PackCommand
    | SummaryCommand
    | LockCommand
    | CloseCommand
    | HoldCommand
    | RemindCommand
    | TemplateCommand
    | ChangeCommand
    | AbsenceCommand
)


@dataclass(frozen=True)
class CommandError:
    """What was wrong (one sentence per problem) and the correct form, all in mrkdwn."""

    problems: tuple[str, ...]
    usage: str

    @property
    def text(self) -> str:
        """The ephemeral reply: the problems as a list, then the correct form."""
        if len(self.problems) == 1:
            return f"{self.problems[0]}\n\n{self.usage}"
        listed = "\n".join(f"• {problem}" for problem in self.problems)
        return f"There are {len(self.problems)} problems:\n{listed}\n\n{self.usage}"


_OPEN_EXAMPLE = (
    '/rrm open RR-2026-014 child="Child A" notified=2026-11-20 meeting=2026-12-09T10:00 '
    "due=2026-12-02 chair=@chair agencies=police,health,csc"
)
_USAGE = {
    "open": (
        "• `/rrm open` — open a review with a form.\n"
        f"• `{_OPEN_EXAMPLE}` — open it at once; optional: `incident=DATE`, `under1=yes|no`, "
        "`period=FROM..TO`. Dates as 2026-11-20 or 20/11/2026; a meeting date without a time "
        "means the usual meeting time."
    ),
    "status": "• `/rrm status RR-2026-014` — returns received and overdue (without a reference: "
    "every open review).",
    "pack": "• `/rrm pack RR-2026-014` — the meeting pack (PDF and HTML) in your direct messages "
    "(the chair and coordinators); coordinators: `/rrm pack RR-2026-014 to=@alex,@sam` sends it "
    "to the people named.",
    "summary": "• `/rrm summary RR-2026-014` — edit the case summary and the attendees shown in "
    "the pack (coordinators).",
    "lock": "• `/rrm lock RR-2026-014` — no more returns or changes to them (coordinators).",
    "close": "• `/rrm close RR-2026-014` — close the review with its outcome and the date it was "
    "sent to the Panel (coordinators).",
    "hold": "• `/rrm hold RR-2026-014 reason=LCSPR commissioned` — keep its answers past the "
    "retention period (a local review, an inquest, a criminal case); `/rrm hold RR-2026-014 off` "
    "lifts the hold (coordinators).",
    "remind": "• `/rrm remind RR-2026-014` — nudge every contact whose return is outstanding, "
    "now (at most once an hour each; coordinators).",
    **CHANGE_USAGE,
    "template": "• `/rrm template RR-2026-014` — the chronology columns as a CSV file in your "
    "direct messages, to paste rows from a spreadsheet (the review's contacts, coordinators).",
    **ABSENCE_USAGE,
    "help": "• `/rrm help` — this list.",
}


def usage_text() -> str:
    """The reply to ``/rrm help``: each subcommand with an example, in mrkdwn."""
    return "*How to use /rrm*\n" + "\n".join(_USAGE.values())


def parse_command(text: str) -> Command | CommandError:
    """Parse the text after ``/rrm`` as Slack sends it (escaped, mentions as ``<@U…|name>``).

    Never raises: anything unusable comes back as a ``CommandError`` naming each problem.
    """
    words, unclosed = split_words(text)
    if not words:
        return CommandError((unclosed,), usage_text()) if unclosed else HelpCommand()
    first = words[0]
    name = first.value.casefold() if first.key is None else ""
    parser = _PARSERS.get(name)
    if parser is None:
        return CommandError((f"Unknown command `/rrm {shown(first.raw, 30)}`.",), usage_text())
    command, problems = parser(words[1:])
    problems += [unclosed] if unclosed else []
    usage = f"*How to use /rrm {name}*\n{_USAGE[name]}"
    return CommandError(tuple(problems), usage) if problems else command


def _help(words: list[Word]) -> tuple[Command, list[str]]:
    return HelpCommand(), []


def _status(words: list[Word]) -> tuple[Command, list[str]]:
    if not words:
        return StatusCommand(), []
    if len(words) > 1 or words[0].key is not None:
        return StatusCommand(), ["`/rrm status` takes one reference, e.g. /rrm status RR-2026-014"]
    reference, problem = _reference(words[0].value)
    return StatusCommand(reference), [problem] if problem else []


def _one_reference(name: str, words: list[Word]) -> tuple[str, list[str]]:
    """The reference that must come first (``""`` with the problem when it is missing)."""
    if not words or words[0].key is not None:
        return "", [f"`/rrm {name}` needs a reference, e.g. /rrm {name} RR-2026-014"]
    reference, problem = _reference(words[0].value)
    return reference or "", [problem] if problem else []


def _pack(words: list[Word]) -> tuple[Command, list[str]]:
    reference, problems = _one_reference("pack", words)
    given: Word | None = None
    for word in words[1:]:
        if word.key is None and given is not None:  # ``to=@alex, @sam``: the list goes on
            given = Word(f"{given.raw} {word.raw}", "to", f"{given.value} {word.value}")
        elif word.key == "to" and given is None:
            given = word
        elif word.key == "to":
            problems.append("`to=` is given twice — name everyone in one, e.g. to=@alex,@sam")
        elif word.key is None:
            problems.append(f"unexpected `{shown(word.raw)}` — name the people as to=@alex,@sam")
        else:
            problems.append(
                f"unknown key `{shown(word.key, 30)}=` — `/rrm pack` takes only to=@alex,@sam"
            )
    to: tuple[str, ...] | None = None
    if given is not None:
        parsed, problem = people(unescape_slack(given.value).strip())
        to = parsed.get("to")
        problems += [problem] if problem else []
    return PackCommand(reference, to), problems


def _summary(words: list[Word]) -> tuple[Command, list[str]]:
    reference, problems = _one_reference("summary", words)
    if len(words) > 1:
        problems.append("`/rrm summary` takes one reference, e.g. /rrm summary RR-2026-014")
    return SummaryCommand(reference), problems


def _lock(words: list[Word]) -> tuple[Command, list[str]]:
    reference, problems = _one_reference("lock", words)
    if len(words) > 1:
        problems.append("`/rrm lock` takes one reference, e.g. /rrm lock RR-2026-014")
    return LockCommand(reference), problems


def _close(words: list[Word]) -> tuple[Command, list[str]]:
    reference, problems = _one_reference("close", words)
    if len(words) > 1:
        problems.append("`/rrm close` takes one reference, e.g. /rrm close RR-2026-014")
    return CloseCommand(reference), problems


def _hold(words: list[Word]) -> tuple[Command, list[str]]:
    """``reason=`` takes the rest of the line (free text); ``off`` lifts the hold."""
    reference, problems = _one_reference("hold", words)
    rest = words[1:]
    example = f"/rrm hold {reference or 'RR-2026-014'}"
    if len(rest) == 1 and rest[0].key is None and rest[0].value.casefold() == "off":
        return HoldCommand(reference, None), problems
    if not rest:
        return HoldCommand(reference, None), [
            *problems,
            f"Say why: `{example} reason=…` (or `{example} off` to lift a hold)",
        ]
    first = rest[0]
    if first.key != "reason":
        echo = f"unknown key `{shown(first.key, 30)}=`" if first.key else f"`{shown(first.raw)}`"
        return HoldCommand(reference, None), [
            *problems,
            f"{echo} — give the reason as `{example} reason=…`, or `off`",
        ]
    typed = " ".join([first.value, *(w.raw for w in rest[1:])])
    parsed, problem = reason(unescape_slack(typed).strip())
    problems += [problem] if problem else []
    return HoldCommand(reference, parsed.get("reason")), problems


def _remind(words: list[Word]) -> tuple[Command, list[str]]:
    reference, problems = _one_reference("remind", words)
    if len(words) > 1:
        problems.append("`/rrm remind` takes one reference, e.g. /rrm remind RR-2026-014")
    return RemindCommand(reference), problems


def _template(words: list[Word]) -> tuple[Command, list[str]]:
    reference, problems = _one_reference("template", words)
    if len(words) > 1:
        problems.append("`/rrm template` takes one reference, e.g. /rrm template RR-2026-014")
    return TemplateCommand(reference), problems


def _open(words: list[Word]) -> tuple[Command, list[str]]:
    found: dict[str, Any] = {}
    given: dict[str, str] = {}
    problems: list[str] = []
    if words and words[0].key is None:
        found["reference"], problem = _reference(words[0].value)
        problems += [problem] if problem else []
        words = words[1:]
    for word in _join_continuations(words):
        key, echo = word.key, shown(word.raw)
        if key is None:
            problems.append(
                f"unexpected `{echo}` — after the reference give key=value "
                "arguments, e.g. due=2026-12-02"
            )
        elif key not in OPEN_FIELDS:
            problems.append(_unknown_key(key))
        elif key in given:
            problems.append(
                f"`{key}=` is given twice (`{shown(given[key])}` and `{echo}`) — give it once"
            )
        else:
            given[key] = word.raw
            problems += apply_field(key, word, found)
    return replace(OpenArgs(), **found), problems


def _join_continuations(words: list[Word]) -> list[Word]:
    """``child=Child A``, ``meeting=2026-12-09 10:00``, ``agencies=police, health`` and
    ``due= 2026-12-02`` without quotes: the plain words that follow belong to the value."""
    joined: list[Word] = []
    for word in words:
        last = joined[-1] if joined else None
        if last is None or word.key is not None or not _continues(last, word):
            joined.append(word)
        elif not last.value and not last.quoted:
            joined[-1] = Word(f"{last.raw} {word.raw}", last.key, word.value, word.quoted)
        else:
            glue = "" if last.key in ("agencies", "period") else " "
            joined[-1] = Word(last.raw + glue + word.raw, last.key, last.value + glue + word.raw)
    return joined


def _continues(last: Word, word: Word) -> bool:
    if last.key is None or last.quoted:
        return False
    if not last.value or last.key == "child":
        return True
    if last.key == "meeting":
        return bool(_TIME.fullmatch(word.raw)) and " " not in last.value
    if last.key == "agencies":
        return last.value.endswith(",") or word.raw.startswith(",")
    return last.key == "period" and (last.value.endswith("..") or word.raw.startswith(".."))


def _reference(raw: str) -> tuple[str | None, str | None]:
    echo = shown(raw)
    if len(raw) > REFERENCE_MAX:
        return None, f"reference `{echo}` is {len(raw)} characters long; use at most 40"
    if not _REFERENCE.fullmatch(raw):
        return None, f"reference `{echo}`: use letters, digits and dashes only, e.g. RR-2026-014"
    return raw.upper(), None


def _unknown_key(key: str) -> str:
    echo = shown(key, 30)
    if key in ("ref", "reference"):
        return (
            f"unknown key `{echo}=` — the reference goes first without a key, "
            'e.g. /rrm open RR-2026-014 child="Child A" …'
        )
    match = difflib.get_close_matches(key, list(OPEN_FIELDS), n=1, cutoff=0.6)
    if match:
        return f"unknown key `{echo}=` — did you mean `{match[0]}=`?"
    return f"unknown key `{echo}=` — the keys are {', '.join(OPEN_FIELDS)}"


_PARSERS: dict[str, Callable[[list[Word]], tuple[Command, list[str]]]] = {
    "help": _help,
    "open": _open,
    "pack": _pack,
    "status": _status,
    "summary": _summary,
    "lock": _lock,
    "close": _close,
    "hold": _hold,
    "remind": _remind,
    "template": _template,
    **CHANGE_PARSERS,
    **ABSENCE_PARSERS,
}
SUBCOMMANDS: tuple[str, ...] = tuple(_PARSERS)
"""Every ``/rrm`` subcommand (the access-matrix test covers each one)."""
