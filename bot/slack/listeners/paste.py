"""Paste from a spreadsheet: the button on a repeat question, the paste modal, its check and
its confirmation. The page underneath is saved (as a draft) when the button is pressed, as for
a row modal, and shown again when the paste modal closes or the rows are added. Every request
is checked by the services against the stored return; the pasted text is never logged."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services import paste as pasting
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, ServiceError, StaleSection, TryAgain
from bot.slack import render
from bot.slack.blocks.limits import ERROR_MESSAGE_MAX
from bot.slack.blocks.paste import (
    PASTE_ACTION_ID,
    PASTE_CALLBACK_ID,
    box_id,
    confirm_view,
    paste_errors,
    paste_view,
    read_boxes,
)
from bot.slack.blocks.text import excerpt
from bot.slack.listeners import payload as p
from bot.slack.middleware import answer_view
from bot.slack.view_state import raw_from_state
from forms.parsing import RawRow
from forms.paste import PastedRow, parse_paste
from storage.errors import StorageBusy

log = logging.getLogger(__name__)
Response = dict[str, Any]


def _message_view(text: str) -> Response:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Agency return"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text[:2900]}}],
    }


def digest(question_id: str, rows: list[PastedRow] | tuple[PastedRow, ...]) -> str:
    """What the contact was shown, in 16 hex digits: the same rows give the same digest."""
    shown = json.dumps([question_id, [(r.number, r.values) for r in rows]], sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


def register(app: App, ctx: Context) -> None:
    route = ctx.config.partnership.referral_route

    def who(body: dict[str, Any]) -> dict[str, Any]:
        return {"team_id": p.team(body), "actor": p.actor(body)}

    def update_parent(client: WebClient, meta: dict[str, Any], shown: rs.ReturnView) -> None:
        parent = meta.get("pv")
        if isinstance(parent, str) and shown.page is not None:
            client.views_update(
                view_id=parent, view=render.return_view(shown, referral_route=route)
            )

    @app.action(PASTE_ACTION_ID)
    def open_paste(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        try:
            meta = p.view_meta(body)
            question_id = str(p.json_value(p.action_value(body)).get("q"))
            rid, section = p.int_of(meta, "r"), p.str_of(meta, "s")
            current = rs.load(ctx, return_id=rid, section_id=section, **who(body))
            question = pasting.pastable(current, section, question_id)
            if current.page is not None:  # keep what was typed on the page: save it first
                raw = raw_from_state(p.state_values(body), current.page.section)
                base = p.int_of(meta, "v")
                rs.save_page(
                    ctx,
                    return_id=rid,
                    section_id=section,
                    base_revision=base,
                    raw=raw,
                    mode="draft",
                    **who(body),
                )
                current = rs.load(ctx, return_id=rid, section_id=section, **who(body))
            client.views_push(
                trigger_id=body["trigger_id"],
                view=paste_view(
                    question=question,
                    context=render.context_of(current),
                    meta={
                        "r": rid,
                        "s": section,
                        "v": current.revision(section),
                        "q": question.id,
                        "pv": view.get("id"),
                    },
                    reference=current.review.reference,
                ),
            )
        except ServiceError as exc:
            if view.get("id"):
                client.views_update(view_id=view["id"], view=_message_view(exc.message))
        except p.BadPayload:
            log.warning("malformed paste button ignored")

    @app.view(PASTE_CALLBACK_ID)
    def submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        after: Callable[[], None] | None = None
        try:
            response, after = _submitted(body, client)
        except p.BadPayload:
            response = {"response_action": "clear"}
        except StorageBusy:
            message = (
                "Couldn't check the rows just now — press the button again; your text is kept."
            )
            response = {"response_action": "errors", "errors": {box_id(0): message}}
        answer_view(ack, ctx.uow, body, response)
        if after is not None:
            after()

    def _submitted(
        body: dict[str, Any], client: WebClient
    ) -> tuple[Response | None, Callable[[], None] | None]:
        meta = p.view_meta(body)
        rid, section, qid = p.int_of(meta, "r"), p.str_of(meta, "s"), p.str_of(meta, "q")
        base = p.int_of(meta, "v")
        try:
            current = rs.load(ctx, return_id=rid, section_id=section, **who(body))
            question = pasting.pastable(current, section, qid)
        except ServiceError as exc:
            return {"response_action": "update", "view": _message_view(exc.message)}, None
        parts = read_boxes(p.state_values(body))
        result = parse_paste(question, parts)
        if result.problems:
            return {"response_action": "errors", "errors": paste_errors(result.problems)}, None
        shown = digest(question.id, result.rows)
        kept = {"r": rid, "s": section, "v": base, "q": qid, "pv": meta.get("pv")}

        def confirm(notice: str | None = None, revision: int = base) -> Response:
            nonce = meta.get("n") if meta.get("c") == shown else None
            fresh = {**kept, "v": revision, "c": shown, "n": nonce or uuid.uuid4().hex[:8]}
            view = confirm_view(
                question=question,
                context=render.context_of(current),
                meta=fresh,
                rows=result.rows,
                parts=parts,
                notice=notice,
            )
            return {"response_action": "update", "view": view}

        if meta.get("c") != shown or not isinstance(meta.get("n"), str):
            return confirm(), None
        nonce = p.str_of(meta, "n")
        rows: list[RawRow] = [
            {"row_id": f"{nonce}{row.number:04d}", "values": row.raw} for row in result.rows
        ]
        try:
            pasted = pasting.add_rows(
                ctx,
                return_id=rid,
                section_id=section,
                question_id=qid,
                base_revision=base,
                rows=rows,
                **who(body),
            )
        except StaleSection as exc:
            fresh = rs.load(ctx, return_id=rid, section_id=section, **who(body))
            return confirm(exc.message, fresh.revision(section)), None
        except (InvalidRequest, TryAgain) as exc:
            found = exc.fields.values() if isinstance(exc, InvalidRequest) else [exc.message]
            message = excerpt(" ".join(found), ERROR_MESSAGE_MAX * 2)
            return {"response_action": "errors", "errors": {box_id(0): message}}, None
        except ServiceError as exc:
            return {"response_action": "update", "view": _message_view(exc.message)}, None
        log.info("rows pasted: %d added to return %d", pasted.added, rid)
        return None, lambda: update_parent(client, meta, pasted.view)

    @app.view_closed(PASTE_CALLBACK_ID)
    def closed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Nothing is added. The page underneath was saved when the paste window opened: show
        it again with that save's revision, so Next there still works."""
        ack()
        try:
            meta = p.view_meta(body)
            shown = rs.load(
                ctx, return_id=p.int_of(meta, "r"), section_id=p.str_of(meta, "s"), **who(body)
            )
        except (ServiceError, p.BadPayload):
            return
        update_parent(client, meta, shown)
