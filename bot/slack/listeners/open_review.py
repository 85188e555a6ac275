"""The open-review modal: agencies chosen (re-render with a contact picker per agency) and
submission (validate, create, answer, then announce)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services import reviews
from bot.services.context import Context
from bot.services.errors import InvalidRequest, ServiceError
from bot.slack import open_flow
from bot.slack.listeners import payload as p
from bot.slack.middleware import answer_view
from bot.slack.open_state import (
    WARNED_KEY,
    draft_from_state,
    field_block,
    pseudonym_check,
    request_from_state,
    service_errors,
)


def register(app: App, ctx: Context) -> None:
    @app.action({"block_id": "o|agencies", "action_id": "v"})
    def agencies_changed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        try:
            meta = p.view_meta(body)
            reviews.require_coordinator(ctx, p.actor(body))
        except p.BadPayload:
            return
        except ServiceError as exc:  # say why, where the person clicked
            if view.get("id"):
                client.views_update(view_id=view["id"], view=_refusal(exc.message))
            return
        values = draft_from_state(p.state_values(body))
        client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=open_flow.modal(
                ctx,
                team_id=p.team(body),
                channel=p.str_of(meta, "c"),
                values=values,
                extra_meta={k: v for k, v in meta.items() if k != "c"},
            ),
        )

    @app.view("open_review")
    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        response, created = _submit(body)
        answer_view(ack, ctx.uow, body, response)
        if created is not None:
            opened = reviews.announce(ctx, created, actor=p.actor(body))
            ctx.messenger.ephemeral(
                created.review.channel_id, p.actor(body), open_flow.opened_text(opened)
            )

    def _submit(body: dict[str, Any]) -> tuple[dict[str, Any] | None, reviews.Opened | None]:
        try:
            meta = p.view_meta(body)
            actor, team, channel = p.actor(body), p.team(body), p.str_of(meta, "c")
        except p.BadPayload:
            return {"response_action": "clear"}, None
        state = p.state_values(body)
        req = request_from_state(state, partnership=ctx.config.partnership, tz=ctx.zone)
        if isinstance(req, dict):
            return {"response_action": "errors", "errors": req}, None
        warning = pseudonym_check(req.pseudonym, meta)
        if warning:
            view = open_flow.modal(
                ctx,
                team_id=team,
                channel=channel,
                values=draft_from_state(state),
                notice=warning,
                extra_meta={WARNED_KEY: req.pseudonym},
            )
            return {"response_action": "update", "view": view}, None
        try:
            created = reviews.create_review(
                ctx, team_id=team, actor=actor, channel_id=channel, req=req
            )
        except InvalidRequest as exc:
            return {"response_action": "errors", "errors": service_errors(exc.fields)}, None
        except ServiceError as exc:
            return {
                "response_action": "errors",
                "errors": {field_block("reference"): exc.message[:150]},
            }, None
        return None, created


def _refusal(message: str) -> dict[str, Any]:
    """The modal replaced by why nothing happened (plain text: never mrkdwn)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Open a review"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": message[:2900]}}],
    }
