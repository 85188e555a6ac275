"""A contact away (services, a recording messenger, a real SQLite file, the clock moved): the
checks, the owner told, audited; reminders to the deputy, or held until the first working day
after the absence and then only the latest; a nudge to the deputy or not at all; the absence
ending by itself or with "back"; and the ``/rrm away`` / ``/rrm back`` grammar."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.services import away, reminders
from bot.services.context import Context
from bot.services.errors import InvalidRequest
from bot.slack.grammar import CommandError, parse_command
from bot.slack.grammar_away import AwayCommand, BackCommand
from bot.throttle import unthrottled
from tests.fakes import DM, POST, RecordingMessenger
from tests.unit.conftest import MakeContext
from tests.unit.conftest import messenger as _m
from tests.unit.test_home_services import _open

TEAM, COORD, CHAIR, COORDS = "T0TEAM", "U0COORD", "U0CHAIR", "C0COORDS"
POLICE, HEALTH, DEPUTY, BOT = "U0POLICE1", "U0HEALTH1", "U0DEPUTY1", "U0BOT"
LONDON = ZoneInfo("Europe/London")
REF = "RR-2026-014"  # what ``_open`` opens: returns due Wednesday 2 December 2026, so
# reminders on 30 Nov, 1 and 2 Dec, then daily


def at(month: int, day: int, hour: int = 9, minute: int = 5) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    messenger = RecordingMessenger()
    messenger.add_user(BOT, is_bot=True)
    messenger.add_user("U0GONE", deleted=True)
    messenger.add_user("U0ELSEWHERE", team_id="T0OTHER")
    messenger.remove_user("U0NOSUCH")
    return make_ctx(at(11, 25, 12, 0), COORD, messenger=messenger)


def _sweep(ctx: Context, when: datetime) -> list[tuple[str, str, str]]:
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.set(when)
    report = reminders.sweep(ctx, throttle=unthrottled())
    return sorted(
        (o.result, o.recipient, o.reminder.kind.value)
        for o in report.outcomes
        if o.reminder.role.value == "contact"
    )


def _away(ctx: Context, user: str, until: date, deputy: str | None = None) -> None:
    away.set_away(ctx, team_id=TEAM, actor=user, until=until, deputy=deputy)


@pytest.mark.parametrize(
    ("until", "deputy", "problems"),
    [
        (None, None, {"until": "Give your last day away, e.g. until=2026-12-11."}),
        (date(2026, 11, 25), None, {"until": "That day is not in the future: give your last day away."}),
        (date(2027, 12, 1), None, {"until": "Give a day within the next year."}),
        (date(2026, 12, 4), POLICE, {"deputy": "Your deputy must be someone else."}),
        (date(2026, 12, 4), BOT, {"deputy": "A bot can't be a deputy: name a person."}),
        (date(2026, 12, 4), "U0GONE", {"deputy": "That account is deactivated: name someone else."}),
        (date(2026, 12, 4), "U0ELSEWHERE", {"deputy": "Your deputy must be in this workspace."}),
        (date(2026, 12, 4), "U0NOSUCH",
         {"deputy": "Slack knows no such person: pick your deputy from the list."}),
    ],
)  # fmt: skip
def test_what_is_refused(
    ctx: Context, until: date | None, deputy: str | None, problems: dict[str, str]
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        away.set_away(ctx, team_id=TEAM, actor=POLICE, until=until, deputy=deputy)
    assert refused.value.fields == problems
    assert away.current(ctx, team_id=TEAM, user_id=POLICE) is None


def test_the_owner_is_told_and_it_is_audited(ctx: Context) -> None:
    review_id = _open(ctx)
    _m(ctx).events.clear()

    absence, told = away.set_away(
        ctx, team_id=TEAM, actor=POLICE, until=date(2026, 12, 4), deputy=DEPUTY
    )

    assert told == 1 and absence.deputy == DEPUTY
    note = (
        "RR-2026-014 (Child A): Northshire Police — the contact is away until Friday 4 December "
        f"2026; reminders go to their deputy <@{DEPUTY}>"
    )
    assert _m(ctx).dms_to(COORD) == [note]
    assert [e.text for e in _m(ctx).of_kind(POST, COORDS)] == [note]
    with ctx.uow as uow:
        audit = [a for a in uow.audit.list_for_review(review_id) if a.action == "contact.away"]
    assert [(a.actor, a.return_id is not None, dict(a.details)) for a in audit] == [
        (POLICE, True, {"until": "2026-12-04", "deputy": DEPUTY, "agency": "police"})
    ]


def test_reminders_go_to_the_deputy_while_the_contact_is_away(ctx: Context) -> None:
    _open(ctx)
    _away(ctx, POLICE, date(2026, 12, 1), DEPUTY)

    assert _sweep(ctx, at(11, 30)) == [("sent", DEPUTY, "due_soon"), ("sent", HEALTH, "due_soon")]
    (sent,) = [e for e in _m(ctx).of_kind(DM, DEPUTY)]
    assert sent.text.startswith(f"As deputy for <@{POLICE}> (away until Tuesday 1 December 2026)")
    blocks = json.dumps(sent.blocks)
    assert "ask <@U0POLICE1> or the coordinator (<@U0COORD>) to pass the request on" in blocks
    assert "return_start" not in blocks and "Northshire Police" in blocks
    assert _sweep(ctx, at(12, 2)) == [("sent", HEALTH, "due_today"), ("sent", POLICE, "due_today")]


def test_without_a_deputy_reminders_wait_and_then_only_the_latest_goes(ctx: Context) -> None:
    _open(ctx)
    _away(ctx, POLICE, date(2026, 12, 1))

    assert ("deferred", POLICE, "due_soon") in _sweep(ctx, at(11, 30))
    assert ("deferred", POLICE, "due_soon") in _sweep(ctx, at(12, 1))
    assert _m(ctx).of_kind(DM, POLICE)[1:] == []  # the request card only

    assert _sweep(ctx, at(12, 2)) == [("sent", HEALTH, "due_today"), ("sent", POLICE, "due_today")]
    assert len(_m(ctx).of_kind(DM, POLICE)) == 2
    assert _sweep(ctx, at(12, 2, 15)) == []


def test_away_over_a_weekend_holds_until_monday(ctx: Context) -> None:
    _open(ctx)
    _away(ctx, HEALTH, date(2026, 11, 28))  # a Saturday: back on Monday 30th

    assert ("sent", HEALTH, "due_soon") in _sweep(ctx, at(11, 30))


def test_back_early_and_the_absence_ending_by_itself(ctx: Context) -> None:
    review_id = _open(ctx)
    _away(ctx, POLICE, date(2026, 12, 10))
    _away(ctx, HEALTH, date(2026, 11, 30), DEPUTY)
    _m(ctx).events.clear()

    assert away.set_back(ctx, team_id=TEAM, actor=POLICE) is True
    assert away.set_back(ctx, team_id=TEAM, actor=POLICE) is False

    assert _m(ctx).dms_to(COORD) == [
        "RR-2026-014 (Child A): Northshire Police — the contact is back; reminders go to them again"
    ]
    # POLICE is back; HEALTH is still away on the 30th, their last day away
    assert _sweep(ctx, at(11, 30)) == [("sent", DEPUTY, "due_soon"), ("sent", POLICE, "due_soon")]
    assert ("sent", HEALTH, "due_soon") in _sweep(ctx, at(12, 1))  # the day after: over
    assert away.current(ctx, team_id=TEAM, user_id=HEALTH) is None
    with ctx.uow as uow:
        actions = [a.action for a in uow.audit.list_for_review(review_id)]
    assert actions.count("contact.back") == 1 and actions.count("contact.away") == 2


def test_a_nudge_goes_to_the_deputy_or_is_not_sent(ctx: Context) -> None:
    _open(ctx)
    _away(ctx, POLICE, date(2026, 12, 4), DEPUTY)
    _away(ctx, HEALTH, date(2026, 12, 4))

    done = reminders.remind(ctx, team_id=TEAM, actor=COORD, reference=REF)

    assert done.nudged == [("Northshire Police", DEPUTY)]
    assert done.skipped == [
        ("Northshire Health NHS Trust", "away until 04 Dec 2026, with no deputy")
    ]


def test_someone_who_holds_no_request_may_say_they_are_away(ctx: Context) -> None:
    absence, told = away.set_away(ctx, team_id=TEAM, actor="U0SOMEONE", until=date(2026, 12, 4),
                                  deputy=None)  # fmt: skip

    assert told == 0 and absence.until == date(2026, 12, 4)
    assert _m(ctx).of_kind(DM) == []


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("away until=2026-12-11", AwayCommand(date(2026, 12, 11))),
        ("away until=11/12/2026 deputy=<@U0SAM|sam>", AwayCommand(date(2026, 12, 11), "U0SAM")),
        ("AWAY deputy=<@U0SAM> until=2026-12-11", AwayCommand(date(2026, 12, 11), "U0SAM")),
        ("back", BackCommand()),
    ],
)
def test_the_grammar(text: str, parsed: object) -> None:
    assert parse_command(text) == parsed


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("away", "Say until when: /rrm away until=2026-12-11 deputy=@sam"),
        ("away until=someday", "`until=someday`: "),
        ("away until=2026-12-11 deputy=sam", "`deputy=sam`: that is not a Slack user"),
        ("away until=2026-12-11 until=2026-12-12", "`until=` is given twice"),
        ("away until=2026-12-11 for=holiday", "unknown key `for=`"),
        ("away tomorrow", "unexpected `tomorrow`"),
        ("back now", "`/rrm back` takes nothing more."),
    ],
)
def test_the_grammar_refuses(text: str, problem: str) -> None:
    refused = parse_command(text)
    assert isinstance(refused, CommandError) and problem in refused.text
