"""The ``/rrm`` subcommands of a contact's absence (issue 8): ``away until=DATE [deputy=@user]``
and ``back``. Pure, like ``bot.slack.grammar`` (which dispatches here): each parser takes the
words after the subcommand and answers the command value and the problems, each naming the
argument and the fix, safe to show in mrkdwn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from bot.slack.command_values import date_value
from bot.slack.mentions import Word, parse_user, shown, unescape_slack

_EXAMPLE = "/rrm away until=2026-12-11 deputy=@sam"


@dataclass(frozen=True)
class AwayCommand:
    """``/rrm away until=DATE [deputy=@user]``: away until DATE (the last day away)."""

    until: date | None
    deputy: str | None = None


@dataclass(frozen=True)
class BackCommand:
    """``/rrm back``: the absence ends now."""


AbsenceCommand: TypeAlias = AwayCommand | BackCommand
USAGE = {
    "away": f"• `{_EXAMPLE}` — you are away until that day (your last day away): your "
    "reminders go to your deputy, or without one wait until you are back; the coordinators of "
    "your requests are told. Also from the bot's Home tab.",
    "back": "• `/rrm back` — you are back before the day you gave.",
}


def _away(words: list[Word]) -> tuple[AbsenceCommand, list[str]]:
    found: dict[str, Any] = {}
    problems: list[str] = []
    for word in words:
        key, value = word.key, unescape_slack(word.value).strip()
        if key is None:
            problems.append(f"unexpected `{shown(word.raw)}` — e.g. {_EXAMPLE}")
        elif key not in ("until", "deputy"):
            problems.append(
                f"unknown key `{shown(key, 30)}=` — `/rrm away` takes until= and deputy="
            )
        elif key in found:
            problems.append(f"`{key}=` is given twice — give it once")
        elif not value:
            problems.append(f"`{key}=` needs a value, e.g. {_EXAMPLE}")
        elif key == "until":
            parsed, problem = date_value("until")(value)
            found["until"] = parsed.get("until")
            problems += [f"`{shown(word.raw)}`: {problem}"] if problem else []
        else:
            user, problem = parse_user(value)
            found["deputy"] = user
            problems += [f"`{shown(word.raw)}`: {problem}"] if problem else []
    if "until" not in found:
        problems.append(f"Say until when: {_EXAMPLE}")
    return AwayCommand(found.get("until"), found.get("deputy")), problems


def _back(words: list[Word]) -> tuple[AbsenceCommand, list[str]]:
    problems = [] if not words else ["`/rrm back` takes nothing more."]
    return BackCommand(), problems


PARSERS: dict[str, Callable[[list[Word]], tuple[AbsenceCommand, list[str]]]] = {
    "away": _away,
    "back": _back,
}
