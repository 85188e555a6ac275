"""The meeting pack's use cases with a recording messenger, a fixed clock and a real SQLite file:
who gets the pack, what is recorded (hashes, file ids, never content), the changed-since notes,
release and hold. PDFs are slow: only a few tests render one."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.services import pack_history as history
from bot.services import packs, reviews
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed, NotFound
from forms.records import AuditEntry, PackKind, PackRelease, Review
from tests.fakes import DM, UPLOAD, Event
from tests.unit.conftest import MakeContext, clock, messenger

TEAM, COORD, CHAIR, OTHER_COORD = "T0TEAM", "U0COORD", "U0CHAIR", "U0COORD2"
POLICE, HEALTH, ALEX, SAM = "U0POLICE1", "U0HEALTH1", "U0ALEX", "U0SAM"
REF = "RR-2026-014"
LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=LONDON)  # the meeting is Wednesday 9 December 10:00


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), COORD, OTHER_COORD)


def open_review(ctx: Context) -> Review:
    req = reviews.OpenRequest(
        reference=REF, pseudonym="Child A", notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=LONDON), due_date=date(2026, 12, 2),
        chair=CHAIR, contacts={"police": POLICE, "health": HEALTH},
    )  # fmt: skip
    opened = reviews.open_review(ctx, team_id=TEAM, actor=COORD, channel_id="C0CASES", req=req)
    messenger(ctx).events.clear()
    return opened.review


def return_id(ctx: Context, review: Review, agency: str) -> int:
    with ctx.uow as uow:
        return next(r.id for r in uow.returns.list_for_review(review.id) if r.agency_key == agency)


def save(ctx: Context, user: str, rid: int, section: str, raw: dict[str, object]) -> None:
    current = rs.load(ctx, team_id=TEAM, actor=user, return_id=rid)
    rs.save_page(ctx, team_id=TEAM, actor=user, return_id=rid, section_id=section,
                 base_revision=current.revision(section), raw=raw, mode="draft")  # type: ignore[arg-type]  # fmt: skip


def nil_return(ctx: Context, review: Review) -> int:
    """Police send a nil return (submitted, so it is in the pack)."""
    rid = return_id(ctx, review, "police")
    rs.start_nil(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    save(ctx, POLICE, rid, "A", {"A1": "no_involvement", "A1a": "Searched the force systems."})
    save(
        ctx, POLICE, rid, "K", {"K1": "yes", "K1.role": "DI", "K1.date": "2026-11-23", "K2": "yes"}
    )
    rs.submit(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    return rid


def audit(ctx: Context, review: Review, action: str | None = None) -> list[AuditEntry]:
    with ctx.uow as uow:
        entries = uow.audit.list_for_review(review.id)
    return [e for e in entries if action in (None, e.action)]


def uploads(ctx: Context, user: str | None = None) -> list[Event]:
    return messenger(ctx).of_kind(UPLOAD, user)


def html_of(upload: Event) -> str:
    return next(f.content for f in upload.files if f.filename.endswith(".html")).decode()


# -- who gets the pack (nothing compiled) --------------------------------------------------------


def test_only_the_chair_and_coordinators_may_ask_and_only_coordinators_name_others(
    ctx: Context,
) -> None:
    open_review(ctx)
    m = messenger(ctx)
    m.deactivate("U0GONE")
    m.add_user("U0ELSEWHERE", team_id="T0OTHER")

    def plan(actor: str, to: tuple[str, ...] | None = None, ref: str = REF) -> packs.PackRequest:
        return packs.plan_request(ctx, team_id=TEAM, actor=actor, reference=ref, to=to)

    with pytest.raises(NotAllowed, match=f"Only the chair of {REF} and partnership coordinators"):
        plan(POLICE)
    with pytest.raises(NotAllowed, match="Only partnership coordinators can send"):
        plan(CHAIR, (ALEX,))
    with pytest.raises(NotFound, match="There is no review RR-2026-999"):
        plan(COORD, ref="RR-2026-999")
    with pytest.raises(NotFound):
        packs.plan_request(ctx, team_id="T0OTHER", actor=COORD, reference=REF)
    for person, why in (("U0GONE", "deactivated"), ("U0ELSEWHERE", "another workspace")):
        with pytest.raises(InvalidRequest, match=why):
            plan(COORD, (person,))
    with pytest.raises(InvalidRequest, match="at most 20"):
        plan(COORD, tuple(f"U0P{n:03d}" for n in range(21)))

    chair, own, named = plan(CHAIR), plan(OTHER_COORD), plan(COORD, (ALEX, SAM, ALEX))
    assert (chair.kind, chair.recipients) == (PackKind.REQUESTED, (CHAIR,))
    assert (own.kind, own.recipients) == (PackKind.REQUESTED, (OTHER_COORD,))
    assert (named.kind, named.recipients) == (PackKind.NAMED, (ALEX, SAM))
    assert m.events == [] and audit(ctx, chair.review, history.COMPILED) == []


# -- delivery ------------------------------------------------------------------------------------


def test_the_chairs_pack_arrives_whole_and_only_its_hashes_are_kept(
    ctx: Context, tmp_path: Path
) -> None:
    review = open_review(ctx)
    nil_return(ctx, review)

    sent = packs.request_pack(ctx, team_id=TEAM, actor=CHAIR, reference="rr-2026-014")

    assert (sent.version, sent.delivered, sent.failed) == (1, (CHAIR,), {})
    (upload,) = uploads(ctx)
    assert upload.target == CHAIR
    assert upload.text == "Meeting pack v1 for RR-2026-014 (Child A) — OFFICIAL-SENSITIVE"
    pdf, html = upload.files
    assert (pdf.filename, html.filename) == ("RR-2026-014-v1.pdf", "RR-2026-014-v1.html")
    assert pdf.content.startswith(b"%PDF") and b"OFFICIAL-SENSITIVE" in html.content
    with ctx.uow as uow:
        (pack,) = uow.packs.list_for_review(review.id)
    assert pack.pdf_sha256 == hashlib.sha256(pdf.content).hexdigest()
    assert pack.html_sha256 == hashlib.sha256(html.content).hexdigest()
    assert (pack.kind, pack.recipients, pack.created_by) == (PackKind.REQUESTED, (CHAIR,), CHAIR)
    assert pack.file_ids == upload.file_ids and len(pack.file_ids) == 2
    (compiled,) = audit(ctx, review, history.COMPILED)
    (delivered,) = audit(ctx, review, history.DELIVERED)
    assert compiled.details["pdf_sha256"] == pack.pdf_sha256 and compiled.actor == CHAIR
    assert delivered.details == {"version": 1, "recipient": CHAIR, "files": list(pack.file_ids)}

    # Nothing of the pack's content is in the database: only hashes, ids and names.
    with sqlite3.connect(tmp_path / "rrm.db") as db:
        dump = "\n".join(db.iterdump())
    assert "This pack contains the returns marked as received" in html.content.decode()
    assert "This pack contains the returns" not in dump and "Flags for the chair" not in dump
    assert b"%PDF" not in dump.encode()


def test_named_people_are_on_the_cover_and_an_unreachable_one_is_reported(ctx: Context) -> None:
    review = open_review(ctx)
    plan = packs.plan_request(ctx, team_id=TEAM, actor=COORD, reference=REF, to=[ALEX, SAM])
    messenger(ctx).make_undeliverable(SAM, "the account is deactivated")

    sent = packs.fulfil(ctx, plan)

    assert sent.delivered == (ALEX,) and sent.failed == {SAM: "the account is deactivated"}
    (upload,) = uploads(ctx)
    cover = html_of(upload).split('id="flags"')[0]
    assert "<li>U0ALEX</li>" in cover and "<li>U0SAM</li>" in cover
    assert uploads(ctx, COORD) == []  # the coordinator who named them does not get it
    assert messenger(ctx).dms_to(COORD) == [
        "RR-2026-014 (Child A): meeting pack v1 not delivered to <@U0SAM>: the account is "
        "deactivated"
    ]
    (compiled,) = audit(ctx, review, history.COMPILED)
    assert compiled.actor == COORD
    assert (compiled.details["kind"], compiled.details["recipients"]) == ("named", [ALEX, SAM])
    (missed,) = audit(ctx, review, history.UNDELIVERED)
    assert missed.details["recipient"] == SAM


def test_a_change_after_a_pack_is_told_once_shown_next_time_and_old_copies_go(
    ctx: Context,
) -> None:
    review = open_review(ctx)
    police = nil_return(ctx, review)
    health = return_id(ctx, review, "health")
    first = packs.request_pack(ctx, team_id=TEAM, actor=CHAIR, reference=REF)
    with ctx.uow as uow:
        police_return = uow.returns.get(police)
        health_return = uow.returns.get(health)
    assert police_return is not None and health_return is not None
    m = messenger(ctx)

    save(ctx, POLICE, police, "A", {"A1": "no_involvement", "A1a": "Searched PNC as well."})
    save(ctx, HEALTH, health, "0", {"0.2": "Named nurse"})  # in progress: never in a pack
    told = [
        packs.note_change_after_pack(ctx, review, police_return, "A"),
        packs.note_change_after_pack(ctx, review, police_return, "A"),
        packs.note_change_after_pack(ctx, review, health_return, "0"),
    ]
    save(ctx, POLICE, police, "K", {"K1": "yes", "K1.role": "DCI", "K1.date": "2026-11-24",
                                    "K2": "yes"})  # fmt: skip
    told.append(packs.note_change_after_pack(ctx, review, police_return, "K"))

    # save_page itself noted the change (once); asking again never tells twice
    assert told == [False, False, False, False]
    assert m.dms_to(COORD) == [
        "RR-2026-014 (Child A): Northshire Police changed section A since pack v1"
    ]
    (noted,) = audit(ctx, review, history.CHANGE_NOTED)
    assert (noted.return_id, noted.details) == (police, {"version": 1, "section": "A"})

    second = packs.request_pack(ctx, team_id=TEAM, actor=CHAIR, reference=REF)

    cover = html_of(uploads(ctx, CHAIR)[-1])
    assert "Northshire Police: section A changed since pack v1" in cover
    assert "Northshire Police: section K changed since pack v1" in cover
    assert "Northshire Health NHS Trust: section" not in cover
    assert second.version == 2 and m.deleted_files == list(uploads(ctx, CHAIR)[0].file_ids)
    assert first.version == 1
    (deleted,) = audit(ctx, review, history.COPIES_DELETED)
    assert deleted.details == {"version": 1, "recipient": CHAIR, "files": 2, "superseded_by": 2}


# -- the owner's draft, release and hold ---------------------------------------------------------


def test_draft_then_hold_then_release_then_the_chairs_copy(ctx: Context) -> None:
    review = open_review(ctx)
    clock(ctx).set(MONDAY)
    m = messenger(ctx)
    assert packs.draft_delivery_at(ctx, review) == MONDAY
    assert packs.chair_delivery_at(ctx, review) == datetime(2026, 12, 8, 9, 0, tzinfo=LONDON)

    draft = packs.send_draft_to_owner(ctx, review.id)

    (upload,) = uploads(ctx, COORD)
    assert draft.delivered == (COORD,) and upload.files[0].filename == "RR-2026-014-v1-draft.pdf"
    assert upload.text.startswith("Draft meeting pack v1 for RR-2026-014 (Child A)")
    assert "DRAFT for the coordinator" in html_of(upload)
    (message,) = m.of_kind(DM, COORD)
    buttons = message.blocks[1]["elements"] if message.blocks else []
    assert [(b["action_id"], json.loads(b["value"])) for b in buttons] == [
        ("pack_release", {"r": review.id}), ("pack_hold", {"r": review.id})]  # fmt: skip
    assert "Tuesday 8 December 2026 at 09:00 if you release it" in json.dumps(message.blocks)

    with pytest.raises(NotAllowed):
        packs.release(ctx, actor=CHAIR, review_id=review.id)
    with pytest.raises(NotAllowed):
        packs.hold(ctx, actor=COORD, review_id=review.id, team_id="T0OTHER")
    assert packs.hold(ctx, actor=OTHER_COORD, review_id=review.id).pack_release is PackRelease.HELD
    with pytest.raises(NotAllowed, match="is held"):
        packs.deliver_to_chair(ctx, review.id)

    early = packs.release(ctx, actor=COORD, review_id=review.id)  # Monday: the sweep sends it

    assert early.delivery is None and early.review.pack_release is PackRelease.RELEASED
    assert uploads(ctx, CHAIR) == []
    clock(ctx).set(datetime(2026, 12, 8, 9, 0, tzinfo=LONDON))
    swept = packs.deliver_to_chair(ctx, review.id)
    assert swept is not None and swept.delivered == (CHAIR,)
    assert packs.deliver_to_chair(ctx, review.id) is None  # the chair has it already
    assert "DRAFT" not in html_of(uploads(ctx, CHAIR)[0])

    packs.hold(ctx, actor=COORD, review_id=review.id)
    late = packs.release(ctx, actor=COORD, review_id=review.id)  # within a working day: at once

    assert late.delivery is not None and late.delivery.version == 3
    assert [e.details["recipient"] for e in audit(ctx, review, history.DELIVERED)] == [
        COORD, CHAIR, CHAIR]  # fmt: skip
    assert [(e.action, e.actor) for e in audit(ctx, review) if e.action in (
        history.RELEASED, history.HELD)] == [
        ("pack.held", OTHER_COORD), ("pack.released", COORD), ("pack.held", COORD),
        ("pack.released", COORD)]  # fmt: skip


def test_auto_release_counts_as_released(ctx: Context) -> None:
    review = open_review(ctx)
    with pytest.raises(NotAllowed, match="not released yet"):
        packs.deliver_to_chair(ctx, review.id)
    config = ctx.config
    auto = dataclasses.replace(
        config, partnership=config.partnership.model_copy(update={"pack_auto_release": True})
    )
    auto_ctx = dataclasses.replace(ctx, config=auto)
    packs.hold(auto_ctx, actor=COORD, review_id=review.id)

    sent = packs.deliver_to_chair(auto_ctx, review.id)

    assert sent is not None and sent.delivered == (CHAIR,)


# -- the case summary ----------------------------------------------------------------------------


def test_the_case_summary_is_kept_for_the_pack_by_coordinators_only(ctx: Context) -> None:
    review = open_review(ctx)
    text = "Child A was taken to hospital with a <b>fracture</b>.\r\nThree agencies knew them."

    with pytest.raises(NotAllowed):
        packs.set_summary(ctx, team_id=TEAM, actor=CHAIR, reference=REF, summary=text,
                          attendees="")  # fmt: skip
    with pytest.raises(InvalidRequest) as refused:
        packs.set_summary(ctx, team_id=TEAM, actor=COORD, reference=REF, summary="x" * 3001,
                          attendees="\n".join(["y" * 201, "Jo"]))  # fmt: skip
    assert set(refused.value.fields) == {"summary", "attendees"}
    saved = packs.set_summary(ctx, team_id=TEAM, actor=COORD, reference=REF, summary=text,
                              attendees="  DI Jo Bloggs, Police\n\n Dr A Patel, GP \n")  # fmt: skip

    assert saved.case_summary == text.replace("\r\n", "\n")
    assert saved.attendees == ("DI Jo Bloggs, Police", "Dr A Patel, GP")
    assert packs.summary_of(ctx, team_id=TEAM, actor=COORD, reference=REF) == saved
    (edited,) = audit(ctx, review, history.SUMMARY_EDITED)
    assert edited.details == {"summary_characters": len(saved.case_summary or ""), "attendees": 2}
    compiled = packs.compile_pack(ctx, team_id=TEAM, actor=COORD, reference_or_id=REF,
                                  kind=PackKind.REQUESTED, recipients=[COORD], pdf=False)  # fmt: skip
    assert compiled.pdf is None and compiled.pdf_sha256 is None
    assert "&lt;b&gt;fracture&lt;/b&gt;" in compiled.html and "Dr A Patel, GP" in compiled.html
    with pytest.raises(ValueError, match="PDF"):
        packs.deliver(ctx, compiled, [COORD])
