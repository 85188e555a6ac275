"""Reminder services with an injected clock, a recording messenger and a real SQLite file:
planning, the sweep (window, time zones, downtime, retries, leases), ``/rrm remind``, and a
review's whole reminder transcript across Christmas and New Year 2026/27. Nothing sleeps."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack
from bot.messenger import Blocks, DeliveryFailed, MessageRef, SlackMessenger
from bot.services import packs, reminders, reviews
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import NotAllowed, NotFound
from bot.slack.client import make_web_client
from bot.slack.grammar import CommandError, RemindCommand, parse_command, usage_text
from bot.slack.listeners import commands
from bot.throttle import unthrottled
from forms.records import ReturnState
from forms.reminders import Kind, ReminderState
from tests.fakes import DM, POST, UPLOAD, RecordingMessenger
from tests.unit.conftest import MakeContext
from tests.unit.conftest import clock as _clock
from tests.unit.conftest import messenger as _m

TEAM, COORD, CHAIR, CHANNEL = "T0TEAM", "U0COORD", "U0CHAIR", "C0COORDS"
POLICE, HEALTH, CSC = "U0POLICE1", "U0HEALTH1", "U0CSC0001"
POLLEAD, CSCHEAD = "U0POLLEAD", "U0CSCHEAD"
LONDON = ZoneInfo("Europe/London")
REF = "RR-2026-031"


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(at(12, 14, 10), COORD)


def _open(ctx: Context) -> dict[str, int]:
    """Notified Mon 14 Dec 2026, returns due Wed 23 Dec, meeting Mon 4 Jan 2027 10:00.
    Returns the return ids by contact."""
    reviews.open_review(
        ctx,
        team_id=TEAM,
        actor=COORD,
        channel_id="C0CASES",
        req=reviews.OpenRequest(
            reference=REF,
            pseudonym="Child C",
            notification_date=date(2026, 12, 14),
            meeting_at=datetime(2027, 1, 4, 10, 0, tzinfo=LONDON),
            due_date=date(2026, 12, 23),
            chair=CHAIR,
            contacts={"police": POLICE, "health": HEALTH, "csc": CSC},
        ),
    )
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(TEAM, REF)
        assert review is not None
        return {r.contact_user_id or "": r.id for r in uow.returns.list_for_review(review.id)}


def _sweep(ctx: Context, when: datetime) -> reminders.SweepReport:
    _clock(ctx).set(when)
    return reminders.sweep(ctx, throttle=unthrottled())


def _who(report: reminders.SweepReport, result: str = "sent") -> list[tuple[str, str]]:
    return sorted((o.recipient, o.reminder.kind.value) for o in report.of(result))


def _page(ctx: Context, contact: str, rid: int, section: str, raw: dict[str, object]) -> None:
    who = {"team_id": TEAM, "actor": contact, "return_id": rid}
    base = rs.load(ctx, **who).revision(section)
    saved = rs.save_page(ctx, section_id=section, base_revision=base, raw=raw, mode="next", **who)  # type: ignore[arg-type]
    assert not saved.errors, saved.errors


def _nil(ctx: Context, contact: str, rid: int, signed_off: bool = True) -> None:
    _page(ctx, contact, rid, "A", {"A1": "no_involvement", "A1a": "Checked the index"})
    k = {"K1": "yes", "K1.role": "Lead", "K1.date": "2026-12-18"} if signed_off else {"K1": "no"}
    _page(ctx, contact, rid, "K", {**k, "K2": "yes"})
    rs.submit(ctx, team_id=TEAM, actor=contact, return_id=rid)


def _provisional(ctx: Context, contact: str, rid: int, promised: str) -> None:
    _page(
        ctx,
        contact,
        rid,
        "A",
        {"A1": "not_yet_able", "A1b": "Records archived", "A1b.date": promised},
    )
    _page(
        ctx,
        contact,
        rid,
        "K",
        {"K1": "yes", "K1.role": "Lead", "K1.date": "2026-12-18", "K2": "yes"},
    )
    rs.submit(ctx, team_id=TEAM, actor=contact, return_id=rid)


def _states(ctx: Context, rid: int) -> list[tuple[str, str, str]]:
    with ctx.uow as uow:
        ret = uow.returns.get(rid)
        assert ret
        items = uow.reminders.list_for_review(ret.review_id)
    return [
        (f"{i.due_at.astimezone(LONDON):%d %b}", i.kind.value, i.state.value)
        for i in items
        if i.return_id == rid and i.kind is not Kind.ESCALATION
    ]


def test_opening_a_review_plans_its_whole_timeline(ctx: Context) -> None:
    _open(ctx)
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(TEAM, REF)
        assert review
        items = uow.reminders.list_for_review(review.id)
    assert items and all(i.state is ReminderState.PENDING for i in items)
    assert items[0].due_at == at(12, 21)  # the first: 2 working days before the due date
    assert [e.target for e in _m(ctx).of_kind(DM)] == [POLICE, HEALTH, CSC]  # invitations


def test_nothing_at_night_at_weekends_or_twice(ctx: Context) -> None:
    rid = _open(ctx)
    assert _sweep(ctx, at(12, 19, 10)).outcomes == []  # Saturday
    assert _sweep(ctx, at(12, 21, 8, 59)).outcomes == []
    first = _sweep(ctx, at(12, 21, 9, 0))
    assert _who(first) == [(CSC, "due_soon"), (HEALTH, "due_soon"), (POLICE, "due_soon")]
    assert _sweep(ctx, at(12, 21, 9, 1)).outcomes == []
    dm = _m(ctx).of_kind(DM, POLICE)[-1]
    assert dm.text.startswith("📅 Reminder: RR-2026-031 (Child C) — Northshire Police's")
    body = json.dumps(dm.blocks)
    assert "Wednesday 23 December 2026" in body and "2 working days left" in body
    button = dm.blocks[2]["elements"][0]  # type: ignore[index]
    assert (button["action_id"], json.loads(button["value"])) == (
        "return_start",
        {"r": rid[POLICE]},
    )
    assert button["text"]["text"] == "Continue"
    # Thursday's overdue reminders, found after the window closed, wait for Tuesday 29th
    # (Christmas Day, the weekend and Monday 28th, Boxing Day's substitute, are closed).
    late = _sweep(ctx, at(12, 24, 18, 0))
    assert {o.result for o in late.outcomes} == {"deferred"}
    assert "until 2026-12-29 09:00 GMT" in late.outcomes[0].detail
    assert _sweep(ctx, at(12, 28, 10)).outcomes == []
    tuesday = _sweep(ctx, at(12, 29, 9))  # one each: Thursday's held ones are superseded
    assert [w for w in _who(tuesday) if w[1] == "overdue"] == [
        (CSC, "overdue"),
        (HEALTH, "overdue"),
        (POLICE, "overdue"),
    ]
    assert tuesday.superseded >= 3


def test_a_recipients_own_time_zone_and_a_missing_one(ctx: Context) -> None:
    _m(ctx).add_user(POLICE, tz="America/New_York")
    _m(ctx).add_user(HEALTH, tz=None)  # no zone in Slack: the partnership's
    _open(ctx)
    report = _sweep(ctx, at(12, 21, 9))
    assert _who(report) == [(CSC, "due_soon"), (HEALTH, "due_soon")]
    assert _who(report, "deferred") == [(POLICE, "due_soon")]
    assert _sweep(ctx, at(12, 21, 13, 59)).outcomes == []  # 08:59 in New York
    assert _who(_sweep(ctx, at(12, 21, 14))) == [(POLICE, "due_soon")]


def test_submitting_stops_reminders_and_editing_afterwards_does_not_restart_them(
    ctx: Context,
) -> None:
    rid = _open(ctx)
    _clock(ctx).set(at(12, 21, 11))
    _nil(ctx, POLICE, rid[POLICE])
    assert ("22 Dec", "due_soon", "cancelled") in _states(ctx, rid[POLICE])
    assert POLICE not in [r for r, _ in _who(_sweep(ctx, at(12, 22, 9)))]
    _clock(ctx).set(at(12, 22, 10))
    rs.reopen(ctx, team_id=TEAM, actor=POLICE, return_id=rid[POLICE])  # Edit
    _page(ctx, POLICE, rid[POLICE], "A", {"A1": "no_involvement", "A1a": "Checked twice"})
    assert [s for s in _states(ctx, rid[POLICE]) if s[2] == "pending"] == []
    assert POLICE not in [r for r, _ in _who(_sweep(ctx, at(12, 23, 9)))]
    with ctx.uow as uow:
        ret = uow.returns.get(rid[POLICE])
    assert ret and ret.state is ReturnState.NIL and ret.amended_at == at(12, 22, 10)


def _contacts(report: reminders.SweepReport) -> list[tuple[str, str]]:
    return [w for w in _who(report) if w[0] in (POLICE, HEALTH, CSC)]


def test_provisional_returns_and_returns_awaiting_sign_off(ctx: Context) -> None:
    rid = _open(ctx)
    _clock(ctx).set(at(12, 17, 12))
    _provisional(ctx, HEALTH, rid[HEALTH], "2026-12-30")
    _nil(ctx, CSC, rid[CSC], signed_off=False)
    assert _contacts(_sweep(ctx, at(12, 18, 9))) == [(CSC, "sign_off")]
    assert _contacts(_sweep(ctx, at(12, 29, 9))) == [(CSC, "sign_off"), (POLICE, "overdue")]
    assert _contacts(_sweep(ctx, at(12, 30, 9))) == [
        (CSC, "sign_off"),
        (HEALTH, "provisional"),
        (POLICE, "overdue"),
    ]
    body = json.dumps(_m(ctx).of_kind(DM, HEALTH)[-1].blocks)
    assert "Wednesday 30 December 2026" in body and "Your provisional return" in body
    assert "awaiting approval" in json.dumps(_m(ctx).of_kind(DM, CSC)[-1].blocks)


def test_after_downtime_only_the_latest_missed_reminder_goes(ctx: Context) -> None:
    rid = _open(ctx)
    report = _sweep(ctx, at(12, 23, 11))  # Monday's and Tuesday's were missed
    assert _who(report) == [(CSC, "due_today"), (HEALTH, "due_today"), (POLICE, "due_today")]
    assert report.superseded == 6
    assert [s for s in _states(ctx, rid[POLICE]) if s[0] in ("21 Dec", "22 Dec", "23 Dec")] == [
        ("21 Dec", "due_soon", "superseded"),
        ("22 Dec", "due_soon", "superseded"),
        ("23 Dec", "due_today", "sent"),
    ]
    assert len(_m(ctx).of_kind(DM, POLICE)) == 2  # the invitation and one reminder


def test_slack_answering_429_then_200_sends_once(ctx: Context) -> None:
    _open(ctx)
    _m(ctx).fail_next(DM, "Slack kept rate-limiting the bot (429) after 5 tries")
    first = _sweep(ctx, at(12, 21, 9))
    (retry,) = first.of("retry")
    assert len(first.sent) == 2
    who = retry.recipient
    assert _sweep(ctx, at(12, 21, 9, 0) + timedelta(seconds=30)).outcomes == []  # backing off
    again = _sweep(ctx, at(12, 21, 9, 1))
    assert _who(again) == [(who, "due_soon")]
    assert len(_m(ctx).of_kind(DM, who)) == 2  # the invitation and the reminder, once
    assert _sweep(ctx, at(12, 21, 9, 5)).outcomes == []
    sent = [o.reminder for o in again.sent]
    with ctx.uow as uow:
        stored = uow.reminders.get(sent[0].id)
    assert stored and stored.state is ReminderState.SENT and stored.attempts == 1


@dataclass
class FlakyMessenger(RecordingMessenger):
    """Slack keeps answering 5xx for DMs to the people in ``flaky``."""

    flaky: set[str] = field(default_factory=set)

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        if user_id in self.flaky:
            raise DeliveryFailed(user_id, "Slack kept failing (500) after 5 tries", transient=True)
        return super().dm(user_id, text, blocks)


def test_slack_itself_answering_429_then_200_through_the_web_client(ctx: Context) -> None:
    """The real messenger over the local Slack stand-in, its client told not to retry: the
    429 comes back to the sweep, which tries again a minute later; one message arrives."""
    _open(ctx)
    with FakeSlack() as slack:
        for user in (POLICE, HEALTH, CSC):
            slack.add_user(user)
        client = make_web_client(slack.bot_token, slack.api_url, retries=0)
        real = replace(ctx, messenger=SlackMessenger(client))
        slack.fail_next("chat.postMessage", status=429, retry_after=0)
        _clock(real).set(at(12, 21, 9))
        first = reminders.sweep(real, throttle=unthrottled())
        assert [o.result for o in first.outcomes].count("retry") == 1
        assert "429" in first.of("retry")[0].detail
        _clock(real).set(at(12, 21, 9, 1))
        second = reminders.sweep(real, throttle=unthrottled())
        assert len(second.sent) == 1
        for user in (POLICE, HEALTH, CSC):
            assert len(slack.dm_messages(user)) == 1, user


def test_a_refusal_is_reported_to_the_owner_at_once(ctx: Context) -> None:
    _open(ctx)
    _m(ctx).make_undeliverable(POLICE, "the account is deactivated")
    report = _sweep(ctx, at(12, 21, 9))
    assert _who(report, "failed") == [(POLICE, "due_soon")]
    note = "RR-2026-031 (Child C): Northshire Police — reminder not delivered to <@U0POLICE1>"
    assert _m(ctx).dms_to(COORD)[-1] == f"{note}: the account is deactivated"
    assert _m(ctx).of_kind(POST, CHANNEL)[-1].text.startswith(note)


def test_repeated_failures_back_off_then_are_reported(ctx: Context) -> None:
    messenger = FlakyMessenger(flaky={HEALTH})
    ctx = replace(ctx, messenger=messenger)
    _open(ctx)
    when, results = at(12, 21, 9), []
    for wait in (0, 1, 2, 4, 8):  # minutes: each retry waits twice as long as the last
        when += timedelta(minutes=wait)
        early = _sweep(ctx, when - timedelta(seconds=1))  # not yet
        assert [o for o in early.outcomes if o.recipient == HEALTH] == []
        results += [o.result for o in _sweep(ctx, when).outcomes if o.recipient == HEALTH]
    assert results == ["retry", "retry", "retry", "retry", "failed"]
    assert (
        "reminder not delivered to <@U0HEALTH1>: Slack kept failing" in messenger.dms_to(COORD)[-1]
    )


def test_a_claim_older_than_the_lease_is_taken_back(ctx: Context) -> None:
    _open(ctx)
    _clock(ctx).set(at(12, 21, 9))
    with ctx.uow as uow:
        claimed, _ = uow.reminders.claim_due(at(12, 21, 9), "a-sweep-that-died", 10)
        uow.commit()
    assert len(claimed) == 3
    assert _sweep(ctx, at(12, 21, 9, 5)).outcomes == []
    report = _sweep(ctx, at(12, 21, 9, 11))
    assert report.reclaimed == 3 and len(report.sent) == 3


def test_the_coordinator_digest_the_escalation_and_the_deadline(ctx: Context) -> None:
    rid = _open(ctx)
    _clock(ctx).set(at(12, 22, 12))
    _nil(ctx, HEALTH, rid[HEALTH])
    report = _sweep(ctx, at(12, 24, 9))
    assert _who(report) == [
        (CHANNEL, "digest"),
        (COORD, "digest"),
        (CSC, "overdue"),
        (CSCHEAD, "escalation"),
        (POLICE, "overdue"),
        (POLLEAD, "escalation"),
    ]
    digest = _m(ctx).dms_to(COORD)[-1]
    assert digest == (
        "RR-2026-031 (Child C): overdue returns — Northshire Police (1 working day), "
        "Northshire Children's Social Care (1 working day)"
    )
    assert _m(ctx).of_kind(POST, CHANNEL)[-1].text == digest
    assert "1 working day overdue" in _m(ctx).dms_to(POLLEAD)[-1]
    assert (COORD, "digest") not in _who(_sweep(ctx, at(12, 24, 15)))  # one a day
    deadline = _sweep(ctx, at(1, 4, 9, year=2027))
    assert (COORD, "deadline") in _who(deadline)
    assert any("due with the Panel on Thursday 7 January 2027" in t for t in _m(ctx).dms_to(COORD))


def test_remind_nudges_outstanding_contacts_at_most_hourly(ctx: Context) -> None:
    rid = _open(ctx)
    with pytest.raises(NotAllowed):
        reminders.remind(ctx, team_id=TEAM, actor=POLICE, reference=REF)
    with pytest.raises(NotFound):
        reminders.remind(ctx, team_id=TEAM, actor=COORD, reference="RR-1999-001")
    _clock(ctx).set(at(12, 15, 22))  # at night: a coordinator's nudge goes at once
    done = reminders.remind(
        ctx, team_id=TEAM, actor=COORD, reference=REF.lower(), throttle=unthrottled()
    )
    assert sorted(done.nudged) == sorted(
        [
            ("Northshire Police", POLICE),
            ("Northshire Health NHS Trust", HEALTH),
            ("Northshire Children's Social Care", CSC),
        ]
    )
    assert "Nudged: Northshire Police (<@U0POLICE1>)" in done.text
    assert "A nudge from the coordinator" in _m(ctx).dms_to(POLICE)[-1]
    _clock(ctx).set(at(12, 15, 22, 40))
    again = reminders.remind(ctx, team_id=TEAM, actor=COORD, reference=REF, throttle=unthrottled())
    assert again.nudged == [] and len(again.skipped) == 3
    assert "nudged less than an hour ago (22:00)" in again.text
    _clock(ctx).set(at(12, 16, 9, 30))
    _nil(ctx, POLICE, rid[POLICE])
    _clock(ctx).set(at(12, 16, 10))
    later = reminders.remind(ctx, team_id=TEAM, actor=COORD, reference=REF, throttle=unthrottled())
    assert sorted(u for _, u in later.nudged) == [CSC, HEALTH]
    review = reviews.get_review(ctx, TEAM, REF)
    with ctx.uow as uow:
        audit = uow.audit.list_for_review(review.id)
    assert [e.actor for e in audit if e.action == "return.reminded"] == [COORD] * 5
    _sweep(ctx, at(12, 21, 9))
    assert reminders.sent_by_agency(ctx, review.id) == {
        "Northshire Police": 1,
        "Northshire Health NHS Trust": 3,
        "Northshire Children's Social Care": 3,
    }


def test_the_pack_items_call_the_pack_services(ctx: Context) -> None:
    _open(ctx)
    _sweep(ctx, at(12, 30, 9))
    assert [e.kind for e in _m(ctx).of_kind(UPLOAD, COORD)] == [UPLOAD]  # the draft
    chair = _sweep(ctx, at(12, 31, 9))  # not released: the owner is told
    assert [o.result for o in chair.outcomes if o.reminder.kind is Kind.PACK_CHAIR] == ["cancelled"]
    assert _m(ctx).of_kind(UPLOAD, CHAIR) == []
    assert any("was not sent to the chair" in t for t in _m(ctx).dms_to(COORD))


def _gist(text: str) -> str:
    """A message's first words: the heading of a reminder, the event of a note."""
    head, _, rest = text.partition(": ")
    return " ".join(rest.split()[:4]) if head.startswith("RR-") else head


def _transcript(ctx: Context, start: datetime, end: datetime) -> list[str]:
    """Sweep every 30 minutes; each line: local time, what, to whom. On the way, health sends
    a provisional return promising Tue 29 Dec, csc a nil return, and the owner releases the
    pack after the draft came."""
    lines: list[str] = []
    when = start
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(TEAM, REF)
        assert review
        rid = {r.contact_user_id: r.id for r in uow.returns.list_for_review(review.id)}
    while when <= end:
        seen = len(_m(ctx).events)
        if when == at(12, 17, 15):
            _provisional(ctx, HEALTH, rid[HEALTH], "2026-12-29")
        if when == at(12, 22, 11):
            _nil(ctx, CSC, rid[CSC])
        if when == at(12, 30, 11):
            packs.release(ctx, actor=COORD, review_id=review.id)
        _sweep(ctx, when)
        for event in _m(ctx).events[seen:]:
            if event.kind in (DM, POST, UPLOAD):
                gist = "meeting pack" if event.kind == UPLOAD else _gist(event.text)
                lines.append(f"{when:%a %d %b %H:%M} {event.kind} {event.target}: {gist}")
        when = (when + timedelta(minutes=30)).astimezone(LONDON)
    return lines


CHRISTMAS = """
Mon 21 Dec 09:00 dm U0CSC0001: 📅 Reminder
Mon 21 Dec 09:00 dm U0POLICE1: 📅 Reminder
Tue 22 Dec 09:00 dm U0CSC0001: ⏰ Due soon
Tue 22 Dec 09:00 dm U0POLICE1: ⏰ Due soon
Wed 23 Dec 09:00 dm U0POLICE1: ⚠️ Due today
Thu 24 Dec 09:00 post C0COORDS: overdue returns — Northshire
Thu 24 Dec 09:00 dm U0COORD: overdue returns — Northshire
Thu 24 Dec 09:00 dm U0POLLEAD: Northshire Police's agency return
Thu 24 Dec 09:00 dm U0POLICE1: 🔴 Overdue
Tue 29 Dec 09:00 post C0COORDS: overdue returns — Northshire
Tue 29 Dec 09:00 dm U0COORD: overdue returns — Northshire
Tue 29 Dec 09:00 dm U0POLICE1: 🔴 Overdue
Tue 29 Dec 09:00 dm U0HEALTH1: 📌 Your provisional return
Wed 30 Dec 09:00 post C0COORDS: overdue returns — Northshire
Wed 30 Dec 09:00 dm U0COORD: overdue returns — Northshire
Wed 30 Dec 09:00 dm U0POLICE1: 🔴 Overdue
Wed 30 Dec 09:00 upload U0COORD: meeting pack
Wed 30 Dec 09:00 dm U0COORD: Draft meeting pack v1 for RR-2026-031
Wed 30 Dec 09:00 dm U0HEALTH1: 📌 Your provisional return
Thu 31 Dec 09:00 post C0COORDS: overdue returns — Northshire
Thu 31 Dec 09:00 dm U0COORD: overdue returns — Northshire
Thu 31 Dec 09:00 dm U0POLICE1: 🔴 Overdue
Thu 31 Dec 09:00 upload U0CHAIR: meeting pack
Thu 31 Dec 09:00 dm U0HEALTH1: 📌 Your provisional return
Mon 04 Jan 09:00 post C0COORDS: the rapid review is
Mon 04 Jan 09:00 dm U0COORD: the rapid review is
Mon 04 Jan 09:00 post C0COORDS: overdue returns — Northshire
Mon 04 Jan 09:00 dm U0COORD: overdue returns — Northshire
Mon 04 Jan 09:00 dm U0POLICE1: 🔴 Overdue
Mon 04 Jan 09:00 dm U0HEALTH1: 📌 Your provisional return
"""


def test_the_christmas_transcript(ctx: Context) -> None:
    """What a coordinator reading the transcript must find: nothing on a weekend or a bank
    holiday, nothing at night, nothing twice, and the chair's pack at 09:00 the working day
    before the meeting (Monday 4 January 2027, 10:00)."""
    _open(ctx)
    lines = _transcript(ctx, at(12, 14, 10, 30), at(1, 4, 18, year=2027))
    assert lines == CHRISTMAS.strip().splitlines()
    for line in lines:
        day, hhmm = line[:10], line[11:16]
        assert day[:3] not in ("Sat", "Sun") and day[4:] not in ("25 Dec", "28 Dec", "01 Jan")
        assert "09:00" <= hhmm < "17:30", line
    assert len(set(lines)) == len(lines)


def test_remind_and_status_in_the_slash_command(ctx: Context) -> None:
    assert parse_command("remind rr-2026-031") == RemindCommand("RR-2026-031")
    missing = parse_command("remind")
    assert isinstance(missing, CommandError)
    assert missing.problems == ("`/rrm remind` needs a reference, e.g. /rrm remind RR-2026-014",)
    assert "`/rrm remind RR-2026-014` — nudge every contact" in usage_text()
    _open(ctx)
    _sweep(ctx, at(12, 21, 9))
    said: list[dict[str, object]] = []
    commands._status(ctx, lambda **kw: said.append(kw), TEAM, COORD, REF)  # type: ignore[arg-type]
    text = json.dumps(said[-1]["blocks"])
    assert (
        "Northshire Police* \\u2014 <@U0POLICE1> \\u2014 not started \\u2014 reminders sent: 1"
        in text
    )
    commands._remind(ctx, lambda **kw: said.append(kw), TEAM, CHAIR, REF)  # type: ignore[arg-type]
    assert said[-1]["text"] == "Only partnership coordinators can nudge contacts."


def test_a_batch_all_superseded_does_not_end_the_sweep(ctx: Context) -> None:
    _open(ctx)
    _clock(ctx).set(at(12, 24, 10))
    report = reminders.sweep(ctx, throttle=unthrottled(), settings=reminders.SweepSettings(batch=2))
    assert len(report.sent) == 3 + 2 + 2  # overdue ×3, digest ×2, escalation ×2
    assert report.superseded == 9


@dataclass
class StoppingMessenger(RecordingMessenger):
    """Sets ``stop`` (the process is shutting down) once it has sent one DM."""

    stop: threading.Event = field(default_factory=threading.Event)

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        sent = super().dm(user_id, text, blocks)
        self.stop.set()
        return sent


def test_a_sweep_stopped_at_shutdown_hands_back_what_it_has_not_sent(ctx: Context) -> None:
    messenger = StoppingMessenger()
    _open(replace(ctx, messenger=RecordingMessenger()))
    stopping = replace(ctx, messenger=messenger)
    _clock(ctx).set(at(12, 21, 9))
    first = reminders.sweep(stopping, throttle=unthrottled(), stop=messenger.stop)
    assert len(first.sent) == 1 and first.claimed == 3
    review = reviews.get_review(ctx, TEAM, REF)
    with ctx.uow as uow:
        items = uow.reminders.list_for_review(review.id)
    waiting = [r for r in items if r.due_at == at(12, 21, 9)]
    assert sorted(r.state.value for r in waiting) == ["pending", "pending", "sent"]
    assert all(r.claimed_by is None for r in waiting if r.state is ReminderState.PENDING)
    second = _sweep(ctx, at(12, 21, 9))  # another process, at once: no lease to wait for
    assert len(second.sent) == 2


def test_approving_a_return_awaiting_sign_off_stops_its_reminders(ctx: Context) -> None:
    rid = _open(ctx)
    _clock(ctx).set(at(12, 17, 12))
    _nil(ctx, CSC, rid[CSC], signed_off=False)
    assert ("18 Dec", "sign_off", "pending") in _states(ctx, rid[CSC])
    _clock(ctx).set(at(12, 17, 16))
    rs.reopen(ctx, team_id=TEAM, actor=CSC, return_id=rid[CSC])
    _page(
        ctx,
        CSC,
        rid[CSC],
        "K",
        {"K1": "yes", "K1.role": "Lead", "K1.date": "2026-12-17", "K2": "yes"},
    )
    assert ("18 Dec", "sign_off", "cancelled") in _states(ctx, rid[CSC])
    _clock(ctx).set(at(12, 17, 16, 5))
    rs.submit(ctx, team_id=TEAM, actor=CSC, return_id=rid[CSC])
    assert [s for s in _states(ctx, rid[CSC]) if s[2] == "pending"] == []


def test_the_morning_window_follows_the_clock_change(ctx: Context) -> None:
    """The last Sunday of October 2026: 09:00 is 08:00 UTC on the Friday before, 09:00 UTC
    on the Monday after."""
    _clock(ctx).set(at(10, 19, 10))
    reviews.open_review(
        ctx,
        team_id=TEAM,
        actor=COORD,
        channel_id="C0CASES",
        req=reviews.OpenRequest(
            reference="RR-2026-050",
            pseudonym="Child E",
            notification_date=date(2026, 10, 16),
            meeting_at=datetime(2026, 11, 3, 10, 0, tzinfo=LONDON),
            due_date=date(2026, 10, 27),
            chair=CHAIR,
            contacts={"police": POLICE},
        ),
    )
    utc = ZoneInfo("UTC")
    assert _sweep(ctx, datetime(2026, 10, 23, 7, 59, tzinfo=utc)).outcomes == []
    assert _who(_sweep(ctx, datetime(2026, 10, 23, 8, 0, tzinfo=utc))) == [(POLICE, "due_soon")]
    assert _sweep(ctx, datetime(2026, 10, 26, 8, 30, tzinfo=utc)).outcomes == []  # 08:30 GMT
    assert _who(_sweep(ctx, datetime(2026, 10, 26, 9, 0, tzinfo=utc))) == [(POLICE, "due_soon")]
