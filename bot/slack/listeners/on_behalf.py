"""**Enter on behalf**: the button in the owner's DM and the received-date modal. The button
opens the modal; its submission records who enters the return and when it was received, then
turns into the return's own first page (the same modals the contact uses from there on)."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import on_behalf as ob
from bot.services.context import Context
from bot.services.errors import InvalidRequest, ServiceError
from bot.slack import render
from bot.slack.blocks import on_behalf as blocks
from bot.slack.listeners import payload as p
from bot.slack.middleware import answer_view


def _picked(body: dict[str, Any]) -> date | None:
    """The date chosen in the modal (None when none, or not a date)."""
    block = p.state_values(body).get(blocks.DATE_BLOCK) or {}
    element = block.get("v") if isinstance(block, dict) else None
    raw = element.get("selected_date") if isinstance(element, dict) else None
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def register(app: App, ctx: Context) -> None:
    route = ctx.config.partnership.referral_route

    def enter(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        try:
            rid = p.return_id_of(p.action_value(body))
            offered = ob.offer(ctx, team_id=p.team(body), actor=p.actor(body), return_id=rid)
        except ServiceError as exc:
            respond(text=exc.message, response_type="ephemeral", replace_original=False)
            return
        except p.BadPayload:
            respond(text="That button can't be used any more.", response_type="ephemeral",
                    replace_original=False)  # fmt: skip
            return
        modal = blocks.received_modal(offered.review, offered.ret, offered.received_on, ctx.today())
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    def received(ack: Ack, body: dict[str, Any]) -> None:
        response: dict[str, Any]
        try:
            rid = p.int_of(p.view_meta(body), "r")
            who = {"team_id": p.team(body), "actor": p.actor(body)}
            view = ob.begin(ctx, return_id=rid, received_on=_picked(body), **who)
        except InvalidRequest as exc:
            message = exc.fields.get("received") or exc.message
            response = {"response_action": "errors", "errors": {blocks.DATE_BLOCK: message}}
        except ServiceError as exc:
            response = {"response_action": "update", "view": blocks.message_modal(exc.message)}
        except p.BadPayload:
            response = {"response_action": "clear"}
        else:
            response = {
                "response_action": "update",
                "view": render.return_view(view, referral_route=route),
            }
        answer_view(ack, ctx.uow, body, response)

    app.action(blocks.ACTION)(enter)
    app.view(blocks.CALLBACK)(received)
