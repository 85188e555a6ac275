"""Not me — pass it on: the request card's "Not me" opens the modal; its submission passes the
return to the colleague named (``bot.services.delegation``). Each acks first (the submission
answers with its response), then makes one service call."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import delegation as ds
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, ServiceError
from bot.slack.blocks import delegation as blocks
from bot.slack.listeners import payload as p
from bot.slack.middleware import answer_view

log = logging.getLogger(__name__)
FIELDS = {ds.TO: blocks.TO_BLOCK, ds.REASON: blocks.REASON_BLOCK}


def message_view(exc: ServiceError) -> dict[str, Any]:
    """A modal saying why nothing happened (mrkdwn only for messages built as mrkdwn)."""
    kind = "mrkdwn" if isinstance(exc, rs.MRKDWN_ERRORS) else "plain_text"
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Pass it on"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": kind, "text": exc.message[:2900]}}],
    }


def _selected(body: dict[str, Any], block_id: str, key: str) -> str | None:
    element = (p.state_values(body).get(block_id) or {}).get("v") or {}
    value = element.get(key) if isinstance(element, dict) else None
    return value if isinstance(value, str) else None


def register(app: App, ctx: Context) -> None:
    def who(body: dict[str, Any]) -> dict[str, Any]:
        return {"team_id": p.team(body), "actor": p.actor(body)}

    @app.action("return_not_me")
    def not_me(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        try:
            rid = p.return_id_of(p.action_value(body))
            view = ds.prepare(ctx, return_id=rid, **who(body))
            client.views_open(
                trigger_id=body["trigger_id"], view=blocks.pass_on_modal(view.review, view.ret)
            )
        except ServiceError as exc:
            respond(text=exc.message, response_type="ephemeral", replace_original=False)
        except (p.BadPayload, KeyError):
            respond(
                text="That button can't be used any more.",
                response_type="ephemeral",
                replace_original=False,
            )

    @app.view(blocks.CALLBACK)
    def pass_on(ack: Ack, body: dict[str, Any]) -> None:
        response: dict[str, Any]
        try:
            done = ds.delegate(
                ctx,
                return_id=p.int_of(p.view_meta(body), "r"),
                to_user=_selected(body, blocks.TO_BLOCK, "selected_user"),
                reason=_selected(body, blocks.REASON_BLOCK, "value"),
                **who(body),
            )
            response = {
                "response_action": "update",
                "view": blocks.passed_modal(done.record.to_user),
            }
        except InvalidRequest as exc:
            errors = {FIELDS[k]: v for k, v in exc.fields.items() if k in FIELDS}
            response = (
                {"response_action": "errors", "errors": errors}
                if errors
                else {"response_action": "update", "view": message_view(exc)}
            )
        except ServiceError as exc:
            response = {"response_action": "update", "view": message_view(exc)}
        except p.BadPayload:
            response = {"response_action": "clear"}
        answer_view(ack, ctx.uow, body, response)
