"""Lock, close, hold, purge, export and the audit log (DESIGN §5), through the service layer with
a recording messenger, a fixed clock and a real SQLite file."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.config_check import load_configuration
from bot.services import export, lifecycle, packs, retention, reviews
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed, NotFound, ReturnClosed
from bot.settings import Settings
from bot.slack.grammar import CloseCommand, CommandError, HoldCommand, LockCommand, parse_command
from forms.records import NewPack, PackKind, ReturnState, Review, ReviewOutcome, ReviewStatus
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.fakes import UPDATE, RecordingMessenger
from tests.unit.conftest import MakeContext, clock, messenger

TEAM, COORD, CHAIR, POLICE, HEALTH = "T0TEAM", "U0COORD", "U0CHAIR", "U0POLICE1", "U0HEALTH1"
REF = "RR-2026-014"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ROLE = "Detective sergeant Zanzibar"
NARRATIVE = "Known to the public protection unit since the Quokka incident."
DAYS = 365


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(NOW, COORD)


def open_review(ctx: Context, reference: str = REF) -> Review:
    req = reviews.OpenRequest(
        reference=reference, pseudonym="Child A", notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC), due_date=date(2026, 12, 2),
        chair=CHAIR, contacts={"police": POLICE, "health": HEALTH},
        incident_description="Found at the foot of the stairs.",
    )  # fmt: skip
    return reviews.open_review(ctx, team_id=TEAM, actor=COORD, channel_id="C0CASES", req=req).review


def return_id(ctx: Context, review: Review, agency: str = "police") -> int:
    with ctx.uow as uow:
        return next(r.id for r in uow.returns.list_for_review(review.id) if r.agency_key == agency)


def save(ctx: Context, rid: int, section: str, raw: dict[str, object]) -> rs.Saved:
    current = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    return rs.save_page(ctx, team_id=TEAM, actor=POLICE, return_id=rid, section_id=section,
                        base_revision=current.revision(section), raw=raw, mode="draft")  # type: ignore[arg-type]  # fmt: skip


def answer(ctx: Context, review: Review) -> int:
    rid = return_id(ctx, review)
    save(ctx, rid, "0", {"0.2": ROLE})
    save(ctx, rid, "A", {"A1": "yes_child", "A4": NARRATIVE})
    return rid


def submit_police(ctx: Context, review: Review) -> int:
    rid = answer(ctx, review)
    save(ctx, rid, "J", {"J1": "no", "J1b": "Single-agency learning only"})
    save(ctx, rid, "K", {"K1": "yes", "K1.role": "DI", "K1.date": "2026-11-23", "K2": "yes"})
    rs.submit(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    return rid


def record_pack(ctx: Context, review: Review, files: tuple[str, ...]) -> None:
    with ctx.uow as uow:
        version = uow.packs.next_version(review.id)
        pack = uow.packs.add(NewPack(review.id, version, PackKind.REQUESTED, ctx.now(), CHAIR,
                                     (CHAIR,), "0" * 64, None))  # fmt: skip
        uow.packs.add_files(pack.id, files)
        uow.commit()


def actions(ctx: Context, review: Review) -> list[str]:
    with ctx.uow as uow:
        return [e.action for e in uow.audit.list_for_review(review.id)]


def current(ctx: Context, review: Review) -> Review:
    with ctx.uow as uow:
        found = uow.reviews.get(review.id)
    assert found is not None
    return found


def close(ctx: Context, review: Review, **over: object) -> Review:
    values: dict[str, object] = {"outcome": "local_review", "panel_sent_date": date(2026, 11, 23)}
    values.update(over)
    return lifecycle.close(ctx, team_id=TEAM, actor=COORD, review=review.reference, **values)  # type: ignore[arg-type]


# -- lock, close, hold --------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [CHAIR, POLICE, "U0NOBODY"])
def test_only_coordinators_lock_close_and_hold(ctx: Context, actor: str) -> None:
    review = open_review(ctx)
    before = actions(ctx, review)
    for act in (
        lambda: lifecycle.lock(ctx, team_id=TEAM, actor=actor, reference=REF),
        lambda: lifecycle.closing(ctx, team_id=TEAM, actor=actor, reference=REF),
        lambda: lifecycle.close(ctx, team_id=TEAM, actor=actor, review=review.id,
                                outcome="none", panel_sent_date=date(2026, 11, 23)),
        lambda: lifecycle.hold(ctx, team_id=TEAM, actor=actor, reference=REF, reason="LCSPR"),
    ):  # fmt: skip
        with pytest.raises(NotAllowed, match="Only partnership coordinators"):
            act()
    assert current(ctx, review).status is ReviewStatus.OPEN
    assert current(ctx, review).hold_reason is None
    assert actions(ctx, review) == before


def test_a_review_of_another_team_is_not_found(ctx: Context) -> None:
    review = open_review(ctx)
    with pytest.raises(NotFound):
        lifecycle.lock(ctx, team_id="T0OTHER", actor=COORD, reference=REF)
    with pytest.raises(NotFound):
        lifecycle.close(ctx, team_id="T0OTHER", actor=COORD, review=review.id,
                        outcome="none", panel_sent_date=date(2026, 11, 23))  # fmt: skip
    assert current(ctx, review).status is ReviewStatus.OPEN


def test_lock_stops_every_change_and_finalises_the_cards(ctx: Context) -> None:
    review = open_review(ctx)
    rid = answer(ctx, review)
    messenger(ctx).events.clear()

    locked = lifecycle.lock(ctx, team_id=TEAM, actor=COORD, reference=REF.lower())

    assert locked.status is ReviewStatus.LOCKED
    with pytest.raises(ReturnClosed, match="is locked"):
        save(ctx, rid, "0", {"0.2": "Changed"})
    with pytest.raises(ReturnClosed):
        rs.start(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    updates = messenger(ctx).of_kind(UPDATE)
    card = next(e for e in updates if e.target == "C0CASES")
    assert "*Locked* — returns can no longer be changed" in json.dumps(
        card.blocks, ensure_ascii=False
    )
    police_card = next(e for e in updates if e.target.startswith("D"))
    assert "is *locked*" in json.dumps(police_card.blocks)
    assert all(b.get("type") != "actions" for b in police_card.blocks or [])
    assert actions(ctx, review)[-1] == lifecycle.LOCKED
    with pytest.raises(InvalidRequest, match="already locked"):
        lifecycle.lock(ctx, team_id=TEAM, actor=COORD, reference=REF)


@pytest.mark.parametrize(
    ("over", "field", "problem"),
    [
        ({"outcome": None}, "outcome", "Choose the outcome"),
        ({"outcome": "maybe"}, "outcome", "Choose the outcome"),
        ({"panel_sent_date": None}, "panel_sent_date", "Give the date"),
        ({"panel_sent_date": date(2026, 11, 19)}, "panel_sent_date", "before the notification"),
        ({"panel_sent_date": date(2026, 11, 24)}, "panel_sent_date", "still to come"),
    ],
)
def test_close_needs_an_outcome_and_a_possible_date(
    ctx: Context, over: dict[str, object], field: str, problem: str
) -> None:
    review = open_review(ctx)
    with pytest.raises(InvalidRequest) as info:
        close(ctx, review, **over)
    assert list(info.value.fields) == [field] and problem in info.value.fields[field]
    assert current(ctx, review).status is ReviewStatus.OPEN


def test_close_records_the_outcome_stops_changes_and_finalises_the_status_card(
    ctx: Context,
) -> None:
    review = open_review(ctx)
    rid = submit_police(ctx, review)
    messenger(ctx).events.clear()

    closed = close(ctx, review)

    assert closed.status is ReviewStatus.CLOSED and closed.closed_at == NOW
    assert closed.outcome is ReviewOutcome.LOCAL_REVIEW
    assert closed.panel_sent_date == date(2026, 11, 23)
    for act in (rs.start, rs.reopen, rs.submit):
        with pytest.raises(ReturnClosed, match="is closed"):
            act(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    card = next(e for e in messenger(ctx).of_kind(UPDATE) if e.target == "C0CASES")
    assert ("*Closed* — outcome: local review · sent to the Panel on Monday 23 November 2026"
            in json.dumps(card.blocks, ensure_ascii=False))  # fmt: skip
    cards = {e.target: json.dumps(e.blocks) for e in messenger(ctx).of_kind(UPDATE)}
    assert "Your return was received" in cards["D0POLICE1"]
    assert "No return was received from you" in cards["D0HEALTH1"]
    with ctx.uow as uow:
        entry = uow.audit.list_for_review(review.id)[-1]
    assert (entry.actor, entry.action, entry.at) == (COORD, lifecycle.CLOSED, NOW)
    assert entry.details == {"outcome": "local_review", "panel_sent_date": "2026-11-23"}
    with pytest.raises(InvalidRequest, match="already closed"):
        lifecycle.closing(ctx, team_id=TEAM, actor=COORD, reference=REF)


def test_closing_stops_every_reminder_the_15_day_warning_included(ctx: Context) -> None:
    review = open_review(ctx)

    def pending() -> set[str]:
        with ctx.uow as uow:
            items = uow.reminders.list_for_review(review.id)
        return {r.kind.value for r in items if r.state.value == "pending"}

    assert {"deadline", "due_soon"} <= pending()
    close(ctx, review)
    assert pending() == set()


def test_hold_keeps_its_reason_encrypted_and_out_of_the_audit_log(ctx: Context) -> None:
    review = open_review(ctx)
    with pytest.raises(InvalidRequest, match="Say why"):
        lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference=REF, reason="  \x00 ")
    with pytest.raises(InvalidRequest, match="500 characters"):
        lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference=REF, reason="x" * 501)
    with pytest.raises(InvalidRequest, match="not on hold"):
        lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference=REF, reason=None)

    held = lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference=REF,
                          reason="Inquest listed for March\u202e")  # fmt: skip

    assert held.hold_reason == "Inquest listed for March"
    with ctx.uow as uow:
        entry = uow.audit.list_for_review(review.id)[-1]
    assert (entry.action, entry.details) == (lifecycle.HELD, {"reason_characters": 24})
    lifted = lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference=REF, reason=None)
    assert lifted.hold_reason is None and actions(ctx, review)[-1] == lifecycle.HOLD_LIFTED


# -- purge --------------------------------------------------------------------------------------


def test_purge_waits_for_the_retention_period_then_keeps_a_minimal_record(ctx: Context) -> None:
    review = open_review(ctx)
    rid = submit_police(ctx, review)
    packs.set_summary(ctx, team_id=TEAM, actor=COORD, reference=REF,
                      summary="Summary naming Child A", attendees="DI Smith")  # fmt: skip
    record_pack(ctx, review, ("F0PACKPDF", "F0PACKHTML"))
    close(ctx, review)
    audit_before = actions(ctx, review)

    clock(ctx).set(NOW + timedelta(days=DAYS) - timedelta(seconds=1))
    early = retention.purge_due(ctx, retention_days=DAYS)
    assert early.purged == () and messenger(ctx).deleted_files == []
    with ctx.uow as uow:
        assert uow.answers.get(rid)["0.2"] == ROLE

    clock(ctx).set(NOW + timedelta(days=DAYS))
    report = retention.purge_due(ctx, retention_days=DAYS)

    assert [(p.reference, p.files_deleted, p.files_left) for p in report.purged] == [(REF, 2, 0)]
    assert report.purged[0].answers >= 8
    assert messenger(ctx).deleted_files == ["F0PACKPDF", "F0PACKHTML"]
    kept = current(ctx, review)
    assert (kept.pseudonym, kept.incident_description, kept.case_summary, kept.attendees) == (
        "", None, None, ())  # fmt: skip
    assert (kept.reference, kept.outcome, kept.status) == (
        REF, ReviewOutcome.LOCAL_REVIEW, ReviewStatus.CLOSED)  # fmt: skip
    assert kept.notification_date == date(2026, 11, 20) and kept.purged_at == ctx.now()
    with ctx.uow as uow:
        assert [uow.answers.get(r.id) for r in uow.returns.list_for_review(review.id)] == [{}, {}]
        states = [r.state for r in uow.returns.list_for_review(review.id)]
        assert [p.file_ids for p in uow.packs.list_for_review(review.id)] == [()]
        purged = uow.audit.list_for_review(review.id)[-1]
    assert states == [ReturnState.SUBMITTED, ReturnState.INVITED]
    assert actions(ctx, review) == [*audit_before, retention.PURGED]
    assert purged.actor == "system" and purged.details["files_deleted"] == 2
    assert set(purged.details["fields"]) == {  # type: ignore[arg-type]
        "pseudonym", "incident_description", "case_summary", "attendees"}  # fmt: skip
    again = retention.purge_due(ctx, retention_days=DAYS)
    assert again.purged == () and actions(ctx, review)[-1] == retention.PURGED


def test_a_held_review_is_kept_and_reported_until_the_hold_is_lifted(ctx: Context) -> None:
    kept, gone = open_review(ctx), open_review(ctx, "RR-2026-015")
    answer(ctx, kept)
    close(ctx, kept)
    close(ctx, gone)
    lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference=REF, reason="Criminal case")
    clock(ctx).set(NOW + timedelta(days=DAYS + 30))

    report = retention.purge_due(ctx, retention_days=DAYS)

    assert [p.reference for p in report.purged] == ["RR-2026-015"]
    assert [(h.reference, h.reason, h.purge_from) for h in report.held] == [
        (REF, "Criminal case", NOW + timedelta(days=DAYS))]  # fmt: skip
    assert "held RR-2026-014 (due for purge since Tuesday 23 November 2027): Criminal case" in (
        report.lines())  # fmt: skip
    rid = return_id(ctx, kept)
    with ctx.uow as uow:
        assert uow.answers.get(rid)["0.2"] == ROLE
    with pytest.raises(InvalidRequest, match="purged already"):
        lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference="RR-2026-015", reason="Late")

    lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference=REF, reason=None)
    assert [p.reference for p in retention.purge_due(ctx, retention_days=DAYS).purged] == [REF]


def test_a_slack_copy_that_cannot_be_deleted_is_tried_again_next_time(ctx: Context) -> None:
    review = open_review(ctx)
    answer(ctx, review)
    record_pack(ctx, review, ("F0ONE", "F0TWO"))
    close(ctx, review)
    clock(ctx).set(NOW + timedelta(days=DAYS))
    messenger(ctx).fail_next("delete_file", "Slack kept failing (500) after 5 tries")

    first = retention.purge_due(ctx, retention_days=DAYS)

    assert [(p.files_deleted, p.files_left) for p in first.purged] == [(1, 1)]
    assert "1 copies still to delete (Slack kept failing (500) after 5 tries)" in (
        first.purged[0].line())  # fmt: skip
    assert current(ctx, review).purged_at is None
    rid = return_id(ctx, review)
    with ctx.uow as uow:
        assert uow.answers.get(rid) == {}  # the answers went at once
        assert uow.retention.pack_files(review.id) == ["F0ONE"]
    second = retention.purge_due(ctx, retention_days=DAYS)
    assert [(p.files_deleted, p.files_left) for p in second.purged] == [(1, 0)]
    assert messenger(ctx).deleted_files == ["F0TWO", "F0ONE"]
    assert current(ctx, review).purged_at is not None


def test_the_purge_forgets_stored_request_responses_after_a_day(ctx: Context) -> None:
    with ctx.uow as uow:
        for key, at in (("view:old", NOW - timedelta(days=2)), ("view:new", NOW)):
            uow.requests.claim(key, at)
            uow.requests.store_response(key, {"response_action": "update", "view": ROLE})
        uow.commit()

    assert retention.purge_due(ctx, retention_days=DAYS).responses_forgotten == 1

    with ctx.uow as uow:
        assert uow.requests.get_response("view:old") is None
        assert uow.requests.get_response("view:new") is not None
        assert not uow.requests.claim("view:old")  # the claim itself stays


# -- export and the audit log -------------------------------------------------------------------


def test_export_writes_the_pack_each_return_the_record_and_the_audit_log(
    ctx: Context, tmp_path: Path
) -> None:
    review = open_review(ctx)
    submit_police(ctx, review)
    close(ctx, review)
    out = tmp_path / "records" / REF

    done = export.export_review(ctx, team_id=TEAM, reference=REF, out=out, actor="cli")

    names = sorted(str(p.relative_to(out)) for p in done.files)
    assert names == ["RR-2026-014-v1.html", "RR-2026-014-v1.pdf", "audit-log.json",
                     "audit-log.txt", "returns/health.json", "returns/police.json",
                     "review.json"]  # fmt: skip
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in done.files)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert (out / "RR-2026-014-v1.pdf").read_bytes().startswith(b"%PDF")
    assert NARRATIVE in (out / "RR-2026-014-v1.html").read_text()
    police = json.loads((out / "returns" / "police.json").read_text())
    ids = [a["question"] for a in police["answers"]]
    assert ids.index("0.2") < ids.index("A1") < ids.index("A4") < ids.index("K1")
    assert police["state"] == "submitted"
    a1 = police["answers"][ids.index("A1")]
    assert a1["as_words"].startswith("Yes") and a1["value"] == "yes_child" and a1["shown"]
    record = json.loads((out / "review.json").read_text())
    assert record["outcome"] == "local_review" and record["panel_sent_date"] == "2026-11-23"
    assert [r["state"] for r in record["returns"]] == ["submitted", "invited"]
    log = (out / "audit-log.txt").read_text()
    assert "U0COORD  review.opened" in log and log.rstrip().endswith("pack_version=1 returns=2")
    assert ROLE not in log and NARRATIVE not in log
    assert json.loads((out / "audit-log.json").read_text())[-1]["action"] == export.EXPORTED


def test_a_purged_review_exports_its_record_and_audit_log_only(
    ctx: Context, tmp_path: Path
) -> None:
    review = open_review(ctx)
    answer(ctx, review)
    close(ctx, review)
    clock(ctx).set(NOW + timedelta(days=DAYS))
    retention.purge_due(ctx, retention_days=DAYS)

    done = export.export_review(ctx, team_id=TEAM, reference=REF, out=tmp_path, actor="cli")

    assert sorted(p.name for p in done.files) == ["audit-log.json", "audit-log.txt", "review.json"]
    assert done.pack_version is None
    assert json.loads((tmp_path / "review.json").read_text())["pseudonym"] is None


def test_audit_lines_say_who_what_when_and_which_agency(ctx: Context) -> None:
    review = open_review(ctx)
    answer(ctx, review)

    lines = export.audit_log(ctx, team_id=TEAM, reference=REF)

    assert (
        lines[0]
        == "2026-11-23 10:00:00Z  U0COORD  review.opened  agencies=police,health chair=U0CHAIR"
    )
    assert "2026-11-23 10:00:00Z  U0POLICE1  page.saved  [police]  revision=1 section=A" in lines


def test_every_event_is_audited_with_who_what_when_and_never_answer_text(
    ctx: Context,
) -> None:
    review = open_review(ctx)  # open, invite
    rid = submit_police(ctx, review)  # page saves, submission
    rs.reopen(ctx, team_id=TEAM, actor=POLICE, return_id=rid)  # edit
    save(ctx, rid, "0", {"0.2": ROLE + " (acting)"})
    rs.submit(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    packs.request_pack(ctx, team_id=TEAM, actor=CHAIR, reference=REF)  # compile, deliver
    packs.hold(ctx, actor=COORD, review_id=review.id)
    packs.release(ctx, actor=COORD, review_id=review.id)
    lifecycle.lock(ctx, team_id=TEAM, actor=COORD, reference=REF)
    close(ctx, review)
    lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference=REF, reason="LCSPR")
    lifecycle.hold(ctx, team_id=TEAM, actor=COORD, reference=REF, reason=None)
    clock(ctx).set(NOW + timedelta(days=DAYS))
    retention.purge_due(ctx, retention_days=DAYS)

    with ctx.uow as uow:
        entries = uow.audit.list_for_review(review.id)
    recorded = {e.action for e in entries}
    assert {
        "review.opened", "return.invited", "page.saved", "return.submitted",
        "return.edit_opened", "return.amended", "return.resubmitted", "pack.compiled",
        "pack.delivered", "pack.held", "pack.released",
        "review.locked", "review.closed", "retention.held", "retention.hold_lifted",
        "review.purged",
    } <= recorded  # fmt: skip
    assert all(e.actor and e.at and e.team_id == TEAM for e in entries)
    text = json.dumps([e.details for e in entries])
    for secret in (ROLE, NARRATIVE, "Child A", "Found at the foot", "Single-agency", "LCSPR"):
        assert secret not in text


# -- the commands -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("lock rr-2026-014", LockCommand("RR-2026-014")),
        ("close RR-2026-014", CloseCommand("RR-2026-014")),
        (
            "hold RR-2026-014 reason=LCSPR commissioned",
            HoldCommand("RR-2026-014", "LCSPR commissioned"),
        ),
        (
            'hold RR-2026-014 reason="Inquest &amp; police"',
            HoldCommand("RR-2026-014", "Inquest & police"),
        ),
        ("hold RR-2026-014 off", HoldCommand("RR-2026-014", None)),
    ],
)
def test_lifecycle_commands_parse(text: str, parsed: object) -> None:
    assert parse_command(text) == parsed


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("lock", "`/rrm lock` needs a reference"),
        ("close RR-1 now", "`/rrm close` takes one reference"),
        ("hold RR-1", "Say why: `/rrm hold RR-1 reason=…`"),
        ("hold RR-1 reason=", "`reason=` needs a value"),
        ("hold RR-1 because=x", "unknown key `because=`"),
        ("hold RR-1 reason=" + "x" * 501, "the reason is 501 characters long"),
    ],
)
def test_lifecycle_commands_say_what_is_wrong(text: str, problem: str) -> None:
    error = parse_command(text)
    assert isinstance(error, CommandError)
    assert problem in error.text


# -- rrm purge, rrm export, rrm audit -----------------------------------------------------------


@pytest.fixture
def cli_ctx(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    """A database as ``rrm`` finds it from the settings (encrypted with the configured key)."""
    from cryptography.fernet import Fernet

    from bot.keys import load_keys, verify_or_record

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{clean_env / 'rrm.db'}")
    monkeypatch.setenv("RRM_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("RRM_RETENTION_DAYS", "1")
    settings = Settings(_env_file=None)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    keys = load_keys(settings)
    verify_or_record(engine, keys)
    yield Context(
        uow=SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher()),
        messenger=RecordingMessenger(),
        clock=FixedClock(NOW),
        config=load_configuration(settings),
        coordinators=frozenset({COORD}),
    )
    engine.dispose()


def test_rrm_audit_prints_the_log_and_names_an_unknown_review(
    cli_ctx: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    answer(cli_ctx, open_review(cli_ctx))

    assert main(["audit", "rr-2026-014"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2026-11-23 10:00:00Z  U0COORD  review.opened")
    assert "page.saved  [police]" in out and ROLE not in out
    assert main(["audit", "RR-2099-001"]) == 1
    assert "rrm audit: there is no review RR-2099-001 in the database" in capsys.readouterr().err


def test_rrm_purge_without_a_token_purges_and_says_the_copies_are_left(
    cli_ctx: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    review = open_review(cli_ctx)
    rid = answer(cli_ctx, review)
    record_pack(cli_ctx, review, ("F0PDF",))
    close(cli_ctx, review)
    lifecycle.hold(cli_ctx, team_id=TEAM, actor=COORD, reference=REF, reason="Inquest")
    assert main(["purge"]) == 0  # held: kept, and reported
    assert "held RR-2026-014 (due for purge since" in capsys.readouterr().out
    lifecycle.hold(cli_ctx, team_id=TEAM, actor=COORD, reference=REF, reason=None)

    assert main(["purge"]) == 1
    out = capsys.readouterr().out
    assert "Retention: answers are purged 1 day after a review is closed." in out
    assert "1 copies still to delete (SLACK_BOT_TOKEN is not set): run it again" in out
    with cli_ctx.uow as uow:
        assert uow.answers.get(rid) == {}
        assert uow.retention.pack_files(review.id) == ["F0PDF"]
        assert uow.audit.list_for_review(review.id)[-1].actor == "cli"


def test_rrm_export_writes_the_records_folder(
    cli_ctx: Context, clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    submit_police(cli_ctx, open_review(cli_ctx))

    assert main(["export", REF, "--out", str(clean_env / "out")]) == 0

    out = capsys.readouterr().out
    assert f"Wrote {clean_env / 'out' / 'returns' / 'police.json'}" in out
    assert "OFFICIAL-SENSITIVE" in out
    police = json.loads((clean_env / "out" / "returns" / "police.json").read_text())
    assert police["answers"][0]["question"] == "0.1" and police["state"] == "submitted"
    with pytest.raises(SystemExit, match="2"):
        main(["export", REF])  # --out is required
    assert "the following arguments are required: --out" in capsys.readouterr().err
