"""Use cases of one agency return: start or resume, save a page, nil return, submit, reopen.

A return's answers are seen and changed only by its current contact; every call checks the
acting user against the stored return, never against what the payload claims (DESIGN §5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

from bot.services import amend, notify, pack_cache, packs, reminders
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed, ReturnClosed, StaleSection, TryAgain
from bot.slack.blocks import cards
from bot.slack.blocks.delegation import passed_on_refusal
from bot.slack.blocks.text import escape_mrkdwn
from forms import engine
from forms.engine import Page
from forms.loader import load_question_set_text
from forms.model import PrefillSource, QuestionSet, RepeatQuestion
from forms.parsing import JSONValue, RawValue, parse_answer
from forms.records import (
    RECEIVED_STATES,
    AgencyReturn,
    Answers,
    Delegation,
    ReturnState,
    Review,
    ReviewStatus,
    SectionSaveResult,
)
from storage.errors import SectionConflict, StorageBusy
from storage.ports import UnitOfWork

RISK_QUESTION = "E2"
EDIT_OPENED = "return.edit_opened"  # not "return.reopened": that restarted reminders
NIL_GATE = ("A1", "no_involvement")


@lru_cache(maxsize=32)
def _form(text: str) -> QuestionSet:
    return load_question_set_text(text, "the question set stored with the review")


def form_of(review: Review) -> QuestionSet:
    """The question set the review was opened with (its stored snapshot)."""
    return _form(review.form_content)


@dataclass(frozen=True)
class ReturnView:
    """What is needed to show a return: where it stands and which page comes next.
    `page` None means every page is done: show the review page."""

    review: Review
    ret: AgencyReturn
    form: QuestionSet
    answers: Answers
    revisions: dict[str, int]
    page: Page | None

    def revision(self, section_id: str) -> int:
        return self.revisions.get(section_id, 0)


class DeliveredTwice(Exception):
    """A copy of this delivery of a page claimed it first (DESIGN §6): its answer is the one to
    give. Not a ServiceError: nothing is wrong with the request."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class PassedOn(NotAllowed):
    """A former contact acting on a return they passed on; the message is mrkdwn (it
    mentions who has it now)."""


class ClosedForEdits(ReturnClosed):
    """The review is locked or closed; the message is mrkdwn (it names the owner)."""


MRKDWN_ERRORS = (PassedOn, ClosedForEdits)
"""Errors whose message is mrkdwn: a modal shows them as mrkdwn, not plain text."""


def entering_on_behalf(ctx: Context, ret: AgencyReturn, actor: str) -> bool:
    """Whether ``actor`` is a coordinator (as configured now) and the return is being entered
    on the agency's behalf (DESIGN §5: its contact could not be reached in Slack)."""
    return ret.entered_by is not None and ctx.is_coordinator(actor)


def _behalf(ret: AgencyReturn, actor: str) -> dict[str, JSONValue]:
    """Audit details of a change made by a coordinator entering the return on its behalf."""
    behalf = ret.entered_by is not None and actor != ret.contact_user_id
    return {"on_behalf": True} if behalf else {}


def _check_access(
    ctx: Context,
    review: Review | None,
    ret: AgencyReturn | None,
    team_id: str,
    actor: str,
    passed: list[Delegation] | None = None,
) -> tuple[Review, AgencyReturn]:
    if ret is None or review is None or review.team_id != team_id:
        raise NotAllowed("This request isn't yours, or no longer exists.")
    if ret.contact_user_id != actor and not entering_on_behalf(ctx, ret, actor):
        mine = [d for d in passed or [] if d.from_user == actor]
        if mine:  # a former contact: say where it went, not a generic refusal
            last = mine[-1]
            raise PassedOn(passed_on_refusal(last.to_user, last.at, ret.contact_user_id, ctx.zone))
        raise NotAllowed(
            f"This return is answered by {ret.agency_name}'s nominated contact, not by you."
        )
    if review.status is not ReviewStatus.OPEN:
        raise ClosedForEdits(
            f"Review {escape_mrkdwn(review.reference)} is {review.status.value}: returns can't "
            f"be changed any more. Ask <@{review.owner}>, the review's coordinator, if "
            "something must be added or corrected."
        )
    if ret.state is ReturnState.WITHDRAWN:
        raise ReturnClosed(
            f"{ret.agency_name}'s return for {review.reference} was withdrawn by the "
            "coordinator — no return needed."
        )
    return review, ret


def load(
    ctx: Context, *, team_id: str, actor: str, return_id: int, section_id: str | None = None
) -> ReturnView:
    """The return for its contact, at `section_id` or where they left off (resume)."""
    with ctx.uow as uow:
        ret = uow.returns.get(return_id)
        review = uow.reviews.get(ret.review_id) if ret else None
        passed = uow.returns.delegations(return_id) if ret and ret.contact_user_id != actor else []
        review, ret = _check_access(ctx, review, ret, team_id, actor, passed)
        answers = uow.answers.get(return_id)
        revisions = uow.answers.revisions(return_id)
    form = form_of(review)
    stored, answers = answers, _with_prefill(ctx, form, review, ret, answers)
    if section_id is not None:
        page = engine.page_for(form, answers, section_id)
    else:  # where the person left off: from what they saved, not from what was pre-filled
        left_off = engine.first_unfinished_page(form, stored)
        page = left_off and engine.page_for(form, answers, left_off.section_id)
    return ReturnView(review, ret, form, answers, revisions, page)


def _with_prefill(
    ctx: Context, form: QuestionSet, review: Review, ret: AgencyReturn, answers: Answers
) -> Answers:
    """Blank questions that declare a prefill get it from the review (never overwriting an
    answer); they are saved with their page like anything typed."""
    sources: dict[PrefillSource, str | None] = {
        "agency": ret.agency_name,
        "partnership": ctx.config.partnership.name,
        "child_pseudonym": review.pseudonym,
        "incident_date": review.incident_date.isoformat() if review.incident_date else None,
        "review_period_from": review.period_from.isoformat(),
        "review_period_to": review.period_to.isoformat(),
        "due_date": ret.due_date.isoformat(),
        "child_under_one": "yes" if review.under_1 else "no",
    }
    filled, _ = engine.prefill(form, answers, sources)
    return filled


def start(ctx: Context, *, team_id: str, actor: str, return_id: int) -> ReturnView:
    """Start or resume: the first unfinished page (or the review page when all are done)."""
    view = load(ctx, team_id=team_id, actor=actor, return_id=return_id)
    if view.page is None and view.ret.state not in RECEIVED_STATES:
        return view
    if view.page is None:  # a received return being looked at again starts at the top
        first = engine.next_page(view.form, view.answers)
        return ReturnView(view.review, view.ret, view.form, view.answers, view.revisions, first)
    return view


def start_nil(ctx: Context, *, team_id: str, actor: str, return_id: int) -> ReturnView:
    """ "No involvement": record A1 = No involvement and show the short nil-return page."""
    view = load(ctx, team_id=team_id, actor=actor, return_id=return_id)
    gate_q, gate_value = NIL_GATE
    section = next(s for s in view.form.sections if view.form.question(gate_q) in s.questions)
    if view.answers.get(gate_q) != gate_value:
        save_page(
            ctx,
            team_id=team_id,
            actor=actor,
            return_id=return_id,
            section_id=section.id,
            base_revision=view.revision(section.id),
            raw={gate_q: gate_value},
            mode="draft",
        )
    return load(ctx, team_id=team_id, actor=actor, return_id=return_id, section_id=section.id)


@dataclass(frozen=True)
class Saved:
    """A page was saved. `next_page` None: show the review page. `errors` is set when Next
    found problems (nothing saved then)."""

    view: ReturnView
    next_page: Page | None
    errors: dict[str, str]
    risk_reported: bool = False


Mode = Literal["next", "draft"]


def save_page(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    return_id: int,
    section_id: str,
    base_revision: int,
    raw: Mapping[str, RawValue],
    mode: Mode,
    loaded: ReturnView | None = None,
    claim: str | None = None,
) -> Saved:
    """Validate and commit one page. "next" checks required answers and refuses the page on
    any error; "draft" (Back, a closed window) saves whatever can be read. ``loaded`` is this
    return as the caller has just loaded it for ``actor`` (then it is not loaded again).
    ``claim``: the delivery's de-duplication key, claimed in the save's own transaction
    (DeliveredTwice if a copy of the delivery claimed it first; nothing is saved then)."""
    view = loaded or load(ctx, team_id=team_id, actor=actor, return_id=return_id)
    form, before = view.form, view.answers
    new, errors = engine.apply_page(form, before, section_id, raw, check_required=mode == "next")
    if mode == "next" and errors:
        return Saved(view, None, errors)
    section = form.section(section_id)
    if section is None:
        raise InvalidRequest({"section": f"There is no section {section_id}."})
    ids = {a for q in section.questions for a in (q.id, f"{q.id}.other")}
    changes = {k: new.get(k) for k in ids if k in new or k in before}
    now = ctx.now()
    risk = _risk_raised(form, before, new)
    try:
        with ctx.uow as uow:
            if claim is not None and not uow.requests.claim(claim):
                raise DeliveredTwice(claim)
            result = uow.answers.save_section(
                return_id, section_id, base_revision, changes, actor, now
            )
            recorded = record_save(uow, view, actor, section_id, result, now)
            if risk and result.changed:
                uow.audit.add(
                    team_id,
                    actor,
                    "risk.alerted",
                    now,
                    review_id=view.review.id,
                    return_id=return_id,
                    details={"question": RISK_QUESTION, **_behalf(view.ret, actor)},
                )
            uow.commit()
    except SectionConflict:
        raise StaleSection(
            "This section was changed in another window after you opened it. Your text is "
            "still here: check it and press Next again to save it."
        ) from None
    except StorageBusy:
        raise TryAgain(
            "Couldn't save just now — press Next again; your text is still here."
        ) from None
    # The return as this save left it, without reading it all back: other sections are as they
    # were loaded (a change made meanwhile in another window shows as a conflict when saved).
    revisions = {**view.revisions, section_id: result.revision}
    saved = ReturnView(
        view.review, recorded.ret, form, new, revisions, engine.page_for(form, new, section_id)
    )
    after_save(ctx, view, saved, section_id, amended=recorded.amended)
    if risk and result.changed:
        ctx.later(lambda: notify.risk_alert(ctx, saved.review, saved.ret))
    following = engine.next_page(form, saved.answers, after=section_id)
    return Saved(saved, following, {}, risk_reported=risk and result.changed)


@dataclass(frozen=True)
class Recorded:
    """What :func:`record_save` recorded: the return as the save left it, and whether the save
    was an amendment."""

    ret: AgencyReturn
    amended: bool


def record_save(
    uow: UnitOfWork,
    view: ReturnView,
    actor: str,
    section_id: str,
    result: SectionSaveResult,
    at: datetime,
    **details: JSONValue,
) -> Recorded:
    """Inside a save's transaction (a page, a row, pasted rows): the return is in progress
    from its first save, a change is audited (``details`` added: ids and counts only) and, on a
    return already received, recorded as an amendment."""
    ret = view.ret
    if ret.state is ReturnState.INVITED:
        ret = uow.returns.set_state(ret.id, ReturnState.IN_PROGRESS, at)
    if not result.changed:
        return Recorded(ret, amended=False)
    uow.audit.add(
        view.review.team_id,
        actor,
        "page.saved",
        at,
        review_id=view.review.id,
        return_id=ret.id,
        details={
            "section": section_id,
            "revision": result.revision,
            **details,
            **_behalf(ret, actor),
        },
    )
    if not amend.is_amendment(ret):
        return Recorded(ret, amended=False)
    ret = amend.record(
        uow, team_id=view.review.team_id, actor=actor, ret=ret, section_id=section_id, at=at
    )
    return Recorded(ret, amended=True)


def after_save(
    ctx: Context, before: ReturnView, saved: ReturnView, section_id: str, *, amended: bool
) -> None:
    """After a save committed: a pack already sent learns of the change, the reminders are
    planned again, and the cards show a return that started or was amended."""
    ctx.later(lambda: packs.note_change_after_pack(ctx, saved.review, saved.ret, section_id))
    ctx.later(lambda: reminders.replan_after_save(ctx, before.ret))
    if before.ret.state is ReturnState.INVITED or amended:
        ctx.later(lambda: _after_state_change(ctx, saved.review.id, saved.ret.id))
    if amended:
        ctx.later(lambda: pack_cache.schedule_warm(ctx, saved.review.id))


def _risk_raised(form: QuestionSet, before: Answers, after: Answers) -> bool:
    """E2 became Yes with this save (again after No counts)."""

    def yes(answers: Answers) -> bool:
        shown = engine.visible_answers(form, answers)
        return shown.get(RISK_QUESTION) == "yes"

    return form.question(RISK_QUESTION) is not None and yes(after) and not yes(before)


def submit(ctx: Context, *, team_id: str, actor: str, return_id: int) -> AgencyReturn:
    """Record the return as submitted (or nil / provisional, as its gate says)."""
    view = load(ctx, team_id=team_id, actor=actor, return_id=return_id)
    done = engine.completeness(view.form, view.answers)
    if not done.ready:
        raise InvalidRequest(done.problems, "Some answers are still needed before you can submit.")
    outcome = engine.gate_outcome(view.form, view.answers)
    state = {"nil": ReturnState.NIL, "provisional": ReturnState.PROVISIONAL}.get(
        outcome or "", ReturnState.SUBMITTED
    )
    now = ctx.now()
    again = view.ret.state in RECEIVED_STATES
    with ctx.uow as uow:
        ret = uow.returns.set_state(return_id, state, now)
        if not again or view.ret.submitted_at is None:
            ret = uow.returns.set_submitted_at(return_id, now, now)
        elif state is not view.ret.state:  # sent again as another kind (nil → full return)
            ret = uow.returns.set_amended(return_id, now, now)
        action = "return.resubmitted" if again else "return.submitted"
        uow.audit.add(
            team_id,
            actor,
            action,
            now,
            review_id=view.review.id,
            return_id=return_id,
            details={"state": state.value, **_behalf(view.ret, actor)},
        )
        uow.commit()
    ctx.later(lambda: _after_state_change(ctx, view.review.id, return_id))
    ctx.later(lambda: reminders.replan(ctx, view.review.id))
    ctx.later(lambda: pack_cache.schedule_warm(ctx, view.review.id))
    return ret


def reopen(ctx: Context, *, team_id: str, actor: str, return_id: int) -> ReturnView:
    """Edit after submitting: show the return from its first page. It stays received (still
    counted, no reminders restart); each page then saved with a change is an amendment."""
    view = load(ctx, team_id=team_id, actor=actor, return_id=return_id)
    with ctx.uow as uow:
        uow.audit.add(
            team_id,
            actor,
            EDIT_OPENED,
            ctx.now(),
            review_id=view.review.id,
            return_id=return_id,
            details=_behalf(view.ret, actor) or None,
        )
        uow.commit()
    first = engine.next_page(view.form, view.answers)
    return ReturnView(view.review, view.ret, view.form, view.answers, view.revisions, first)


def _after_state_change(ctx: Context, review_id: int, return_id: int) -> None:
    with ctx.uow as uow:
        review = uow.reviews.get(review_id)
        ret = uow.returns.get(return_id)
    if review and ret:
        notify.update_request_card(ctx, review, ret)
        notify.refresh_status_card(ctx, review_id)


def save_row(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    return_id: int,
    section_id: str,
    question_id: str,
    row_id: str,
    raw: Mapping[str, RawValue],
    base_revision: int,
) -> tuple[ReturnView, dict[str, str]]:
    """Add or change one repeat row (its id minted when the row was first shown, so saving it
    twice is one row). Returns the return as it stands and any errors (nothing saved then)."""
    view = load(ctx, team_id=team_id, actor=actor, return_id=return_id)
    question = view.form.question(question_id)
    if not isinstance(question, RepeatQuestion) or view.form.section(section_id) is None:
        raise InvalidRequest({"row": f"{question_id} is not a repeating question."})
    parsed = parse_answer(question, [{"row_id": row_id, "values": dict(raw)}])
    if parsed.errors:
        return view, dict(parsed.errors)
    rows = parsed.value if isinstance(parsed.value, list) else []
    existing = view.answers.get(question_id)
    count = len(existing) if isinstance(existing, list) else 0
    is_new = not any(
        isinstance(r, dict) and r.get("row_id") == row_id
        for r in (existing if isinstance(existing, list) else [])
    )
    if is_new and question.max_rows is not None and count >= question.max_rows:
        return view, {question_id: f"At most {question.max_rows} rows can be given here."}
    first = rows[0] if rows and isinstance(rows[0], dict) else {}
    row_values = first.get("values")
    values: dict[str, JSONValue] = dict(row_values) if isinstance(row_values, dict) else {}
    now = ctx.now()
    try:
        with ctx.uow as uow:
            if values:
                result = uow.answers.upsert_row(
                    return_id, section_id, question_id, row_id, values, base_revision, actor, now
                )
            else:
                result = uow.answers.delete_row(
                    return_id, section_id, question_id, row_id, base_revision, actor, now
                )
            row = "saved" if values else "removed"
            amended = record_save(uow, view, actor, section_id, result, now, row=row).amended
            uow.commit()
    except SectionConflict:
        raise StaleSection(
            "This section was changed in another window; close this row, "
            "check the list and try again."
        ) from None
    except StorageBusy:
        raise TryAgain("Couldn't save just now — press Save again.") from None
    saved = load(ctx, team_id=team_id, actor=actor, return_id=return_id, section_id=section_id)
    if result.changed:
        after_save(ctx, view, saved, section_id, amended=amended)
    return saved, {}


def remove_row(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    return_id: int,
    section_id: str,
    question_id: str,
    row_id: str,
    base_revision: int,
) -> ReturnView:
    """Remove one repeat row."""
    view, _ = save_row(
        ctx,
        team_id=team_id,
        actor=actor,
        return_id=return_id,
        section_id=section_id,
        question_id=question_id,
        row_id=row_id,
        raw={},
        base_revision=base_revision,
    )
    return view


def ask_coordinator(ctx: Context, *, team_id: str, actor: str, return_id: int) -> AgencyReturn:
    """The contact wants to talk to the coordinator: tell the owner "<agency> asks about RR-…"."""
    return _tell_coordinator(
        ctx, team_id, actor, return_id, "return.question", f"<@{actor}> asks about this review"
    )


def _tell_coordinator(
    ctx: Context, team_id: str, actor: str, return_id: int, action: str, event: str
) -> AgencyReturn:
    """Audit what the contact asked for and tell the coordinator (reference, agency, event)."""
    view = load(ctx, team_id=team_id, actor=actor, return_id=return_id)
    with ctx.uow as uow:
        uow.audit.add(
            team_id, actor, action, ctx.now(), review_id=view.review.id, return_id=return_id
        )
        uow.commit()
    note = cards.coordinator_note(view.review, view.ret.agency_name, event)
    notify.tell_owner(ctx, view.review, note)
    return view.ret
