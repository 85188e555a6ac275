"""View submissions and closings of the return's modals. A submission validates and commits the
page inside the request and only then answers (DESIGN §6); the answer is remembered so that a
duplicate delivery gets the same response."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.faults import AFTER_COMMIT, BEFORE_COMMIT, kill_point
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, ServiceError, StaleSection, TryAgain
from bot.slack import render
from bot.slack.ack_first import PENDING_CLAIM
from bot.slack.blocks import errors_for_slack, row_errors_for_slack
from bot.slack.deadline import input_block_ids
from bot.slack.listeners import payload as p
from bot.slack.middleware import answer_view, awaited_response
from bot.slack.view_state import raw_from_state, raw_row_from_state
from forms.model import RepeatQuestion
from storage.errors import StorageBusy

log = logging.getLogger(__name__)
TRY_AGAIN = "Couldn't save just now — press Next again; your text is still here."


def _message_view(text: str, mrkdwn: bool = False) -> dict[str, Any]:
    kind = "mrkdwn" if mrkdwn else "plain_text"  # mrkdwn: messages built as mrkdwn (mentions)
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Agency return"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": kind, "text": text[:2900]}}],
    }


def _rich(exc: ServiceError) -> bool:
    return isinstance(exc, rs.MRKDWN_ERRORS)


def register(app: App, ctx: Context) -> None:
    route = ctx.config.partnership.referral_route

    def answer(ack: Ack, body: dict[str, Any], response: dict[str, Any] | None) -> None:
        answer_view(ack, ctx.uow, body, response)

    def who(body: dict[str, Any]) -> dict[str, Any]:
        return {"team_id": p.team(body), "actor": p.actor(body)}

    @app.view("return_page")
    def next_page(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        claim = context.get(PENDING_CLAIM)  # to claim with the save (CLAIMED_WITH_THE_SAVE)
        try:
            response, saved = _save_page(body, claim)
        except rs.DeliveredTwice as twice:
            # A copy of this delivery claimed it first: give its answer; if none comes in time
            # the copy died on the way, so work the page out as it would have.
            first = awaited_response(ctx.uow, twice.key)
            if isinstance(first, dict):
                given: dict[str, Any] = first
                ack(**given)
                return
            (response, saved), claim = _save_page(body, None), None
        if claim is None or saved:
            answer(ack, body, response)  # the delivery is claimed: keep its answer
        else:
            ack(**response)  # nothing saved, so nothing claimed: a copy is worked out anew

    def _save_page(body: dict[str, Any], claim: str | None) -> tuple[dict[str, Any], bool]:
        """The page's answer, and whether the page was saved (and ``claim``, if given, made)."""
        try:
            return _save_read_page(body, claim)
        except p.BadPayload:
            unreadable = (
                "This form can't be read any more. Close it and press Continue in the request."
            )
            return {"response_action": "update", "view": _message_view(unreadable)}, False
        except StorageBusy:  # the database was busy or down before the page could be saved
            first = next(iter(input_block_ids(body)), None)
            if first is None:
                return {"response_action": "update", "view": _message_view(TRY_AGAIN)}, False
            return {"response_action": "errors", "errors": {first: TRY_AGAIN}}, False

    def _save_read_page(body: dict[str, Any], claim: str | None) -> tuple[dict[str, Any], bool]:
        meta = p.view_meta(body)
        rid, section, base = p.int_of(meta, "r"), p.str_of(meta, "s"), p.int_of(meta, "v")
        try:
            current = rs.load(ctx, return_id=rid, section_id=section, **who(body))
        except ServiceError as exc:
            return {
                "response_action": "update",
                "view": _message_view(exc.message, _rich(exc)),
            }, False
        if current.page is None:
            return {
                "response_action": "update",
                "view": render.return_view(
                    rs.load(ctx, return_id=rid, **who(body)), referral_route=route
                ),
            }, False
        raw = raw_from_state(p.state_values(body), current.page.section)
        kill_point(BEFORE_COMMIT)
        try:
            saved = rs.save_page(
                ctx,
                return_id=rid,
                section_id=section,
                base_revision=base,
                raw=raw,
                mode="next",
                loaded=current,
                claim=claim,
                **who(body),
            )
        except StaleSection as exc:
            fresh = rs.load(ctx, return_id=rid, section_id=section, **who(body))
            return {
                "response_action": "update",
                "view": render.return_view(
                    fresh, referral_route=route, draft=raw, notice=exc.message
                ),
            }, False
        except TryAgain as exc:
            first = next(iter(input_block_ids(body)), None)
            if first is None:
                return {
                    "response_action": "update",
                    "view": render.return_view(
                        current, referral_route=route, draft=raw, notice=exc.message
                    ),
                }, False
            return {"response_action": "errors", "errors": {first: exc.message}}, False
        except ServiceError as exc:
            return {
                "response_action": "update",
                "view": _message_view(exc.message, _rich(exc)),
            }, False
        if saved.errors:
            mapped = errors_for_slack(saved.errors, current.page, current.form, current.answers)
            if mapped.errors:
                return {"response_action": "errors", "errors": mapped.errors}, False
            return {
                "response_action": "update",
                "view": render.return_view(
                    current, referral_route=route, draft=raw, notice=mapped.notice
                ),
            }, False
        kill_point(AFTER_COMMIT)
        view = saved.view
        shown = rs.ReturnView(
            view.review, view.ret, view.form, view.answers, view.revisions, saved.next_page
        )
        notice = None
        if saved.risk_reported:
            notice = (
                "You reported a current risk to another child. The review's owner and "
                f"chair have been alerted. If a child is at immediate risk: {route}"
            )
        return {
            "response_action": "update",
            "view": render.return_view(shown, referral_route=route, notice=notice),
        }, True

    @app.view_closed("return_page")
    def closed(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        try:
            meta = p.view_meta(body)
            rid, section = p.int_of(meta, "r"), p.str_of(meta, "s")
            current = rs.load(ctx, return_id=rid, section_id=section, **who(body))
            if current.page is None:
                return
            raw = raw_from_state(p.state_values(body), current.page.section)
            rs.save_page(
                ctx,
                return_id=rid,
                section_id=section,
                base_revision=p.int_of(meta, "v"),
                raw=raw,
                mode="draft",
                **who(body),
            )
        except (ServiceError, p.BadPayload) as exc:
            log.info("a closed page was not saved: %s", type(exc).__name__)

    @app.view("repeat_row")
    def save_row(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        try:
            meta = p.view_meta(body)
            rid, section = p.int_of(meta, "r"), p.str_of(meta, "s")
            qid, row = p.str_of(meta, "q"), p.str_of(meta, "row")
            current = rs.load(ctx, return_id=rid, section_id=section, **who(body))
            question = current.form.question(qid)
            if not isinstance(question, RepeatQuestion):
                raise p.BadPayload("not a repeat")
            raw = raw_row_from_state(p.state_values(body), question, row)["values"]
            shown, errors = rs.save_row(
                ctx,
                return_id=rid,
                section_id=section,
                question_id=qid,
                row_id=row,
                raw=raw,
                base_revision=p.int_of(meta, "v"),
                **who(body),
            )
        except ServiceError as exc:
            refusal = _message_view(exc.message, _rich(exc))
            answer(ack, body, {"response_action": "update", "view": refusal})
            return
        except p.BadPayload:
            answer(ack, body, {"response_action": "clear"})
            return
        if errors:
            mapped = row_errors_for_slack(errors, question, row)
            if mapped:
                answer(ack, body, {"response_action": "errors", "errors": mapped})
                return
        answer(ack, body, None)
        parent = meta.get("pv")
        if isinstance(parent, str) and shown.page is not None:
            client.views_update(
                view_id=parent, view=render.return_view(shown, referral_route=route)
            )

    @app.view_closed("repeat_row")
    def row_closed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A row not saved is simply not added. The page underneath was saved when the row's
        window opened: show it again with that save's revision, so Next there still works."""
        ack()
        try:
            meta = p.view_meta(body)
            shown = rs.load(
                ctx, return_id=p.int_of(meta, "r"), section_id=p.str_of(meta, "s"), **who(body)
            )
        except (ServiceError, p.BadPayload):
            return
        parent = meta.get("pv")
        if isinstance(parent, str) and shown.page is not None:
            client.views_update(
                view_id=parent, view=render.return_view(shown, referral_route=route)
            )

    @app.view_closed("return_review")
    def review_closed(ack: Ack) -> None:
        ack()

    @app.view("return_review")
    def submit(ack: Ack, body: dict[str, Any]) -> None:
        try:
            rid = p.int_of(p.view_meta(body), "r")
            sent = rs.submit(ctx, return_id=rid, **who(body))
        except InvalidRequest:
            current = rs.load(ctx, return_id=rid, **who(body))
            whole = rs.ReturnView(
                current.review, current.ret, current.form, current.answers, current.revisions, None
            )
            answer(
                ack,
                body,
                {
                    "response_action": "update",
                    "view": render.return_view(whole, referral_route=route),
                },
            )
            return
        except ServiceError as exc:
            refusal = _message_view(exc.message, _rich(exc))
            answer(ack, body, {"response_action": "update", "view": refusal})
            return
        except p.BadPayload:
            answer(ack, body, {"response_action": "clear"})
            return
        where = (
            "with Enter on behalf in the note about it in your DMs"
            if sent.entered_by == p.actor(body)
            else "from the request message"
        )
        thanks = (
            f"Thank you — the return has been received. You can still edit it {where} until "
            "the review is locked or closed."
        )
        answer(ack, body, {"response_action": "update", "view": _message_view(thanks)})
