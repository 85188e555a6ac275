"""The meeting pack in Slack: ``/rrm pack`` and ``/rrm summary`` (dispatched here by the command
listener), the draft message's Release to chair / Hold buttons, and the case summary modal.

Commands and buttons ack first and work afterwards (compiling a pack takes seconds); the modal's
submission saves inside the request and then answers. Roles are checked by the services against
the stored review, never taken from the payload.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import packs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, ServiceError
from bot.slack.blocks import pack_cards
from bot.slack.grammar import PackCommand, SummaryCommand
from bot.slack.listeners import payload as p
from bot.slack.middleware import answer_view
from forms.records import PackRelease

log = logging.getLogger(__name__)
_BLOCK_OF = {"summary": pack_cards.SUMMARY_BLOCK, "attendees": pack_cards.ATTENDEES_BLOCK}


def _problems(exc: ServiceError) -> str:
    return "\n".join(exc.fields.values()) if isinstance(exc, InvalidRequest) else exc.message


def pack_command(ctx: Context, respond: Respond, body: dict[str, Any], cmd: PackCommand) -> None:
    """``/rrm pack REF [to=@a,@b]``, after the ack: check, say it is coming, compile, deliver,
    then say what went to whom."""
    who = {"team_id": body["team_id"], "actor": body["user_id"]}
    try:
        request = packs.plan_request(ctx, reference=cmd.reference, to=cmd.to, **who)
        respond(text=pack_cards.compiling_text(request.review), response_type="ephemeral")
        sent = packs.fulfil(ctx, request)
    except ServiceError as exc:
        respond(text=_problems(exc), response_type="ephemeral")
        return
    reply = pack_cards.request_reply(sent.review, sent.version, sent.delivered, sent.failed)
    respond(text=reply, response_type="ephemeral")


def summary_command(
    ctx: Context, respond: Respond, client: WebClient, body: dict[str, Any], cmd: SummaryCommand
) -> None:
    """``/rrm summary REF`` (coordinators): open the case summary modal, pre-filled."""
    try:
        review = packs.summary_of(
            ctx, team_id=body["team_id"], actor=body["user_id"], reference=cmd.reference
        )
    except ServiceError as exc:
        respond(text=exc.message, response_type="ephemeral")
        return
    client.views_open(trigger_id=body["trigger_id"], view=pack_cards.summary_modal(review))


def _review_id(body: dict[str, Any]) -> int:
    value = p.json_value(p.action_value(body)).get("r")
    if not isinstance(value, int) or isinstance(value, bool):
        raise p.BadPayload("no review id")
    return value


def _text(values: dict[str, Any], block_id: str) -> str:
    element = (values.get(block_id) or {}).get(pack_cards.INPUT_ACTION) or {}
    value = element.get("value") if isinstance(element, dict) else None
    return value if isinstance(value, str) else ""


def register(app: App, ctx: Context) -> None:
    """The Release to chair / Hold buttons and the case summary modal."""

    def decide(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        action = str(((body.get("actions") or [{}])[0] or {}).get("action_id"))
        try:
            actor, team, review_id = p.actor(body), p.team(body), _review_id(body)
            if action == pack_cards.RELEASE_ACTION:
                outcome = packs.release(ctx, actor=actor, review_id=review_id, team_id=team)
                review, sent = outcome.review, outcome.delivery
                state = PackRelease.RELEASED
            else:
                review = packs.hold(ctx, actor=actor, review_id=review_id, team_id=team)
                sent, state = None, PackRelease.HELD
        except ServiceError as exc:
            respond(text=exc.message, response_type="ephemeral", replace_original=False)
            return
        except p.BadPayload:
            respond(
                text="That button can't be used any more.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        text, blocks = pack_cards.decision_message(
            review,
            state=state,
            actor=actor,
            chair_at=packs.chair_delivery_at(ctx, review),
            tz=ctx.zone,
            sent_now=bool(sent and sent.delivered),
            not_sent=next(iter(sent.failed.values()), None) if sent else None,
        )
        container = body.get("container") or {}
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if not (isinstance(channel, str) and isinstance(ts, str)):
            return
        try:
            client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.warning("draft pack message not updated: %s", exc.response.get("error"))

    app.action(pack_cards.RELEASE_ACTION)(decide)
    app.action(pack_cards.HOLD_ACTION)(decide)

    @app.view(pack_cards.SUMMARY_CALLBACK_ID)
    def save_summary(ack: Ack, body: dict[str, Any]) -> None:
        response: dict[str, Any] = {}
        try:
            values = p.state_values(body)
            packs.set_summary(
                ctx,
                team_id=p.team(body),
                actor=p.actor(body),
                reference=p.int_of(p.view_meta(body), "review"),
                summary=_text(values, pack_cards.SUMMARY_BLOCK),
                attendees=_text(values, pack_cards.ATTENDEES_BLOCK),
            )
        except InvalidRequest as exc:
            errors = {_BLOCK_OF.get(k, pack_cards.SUMMARY_BLOCK): v for k, v in exc.fields.items()}
            response = {"response_action": "errors", "errors": errors}
        except ServiceError as exc:
            response = {
                "response_action": "errors",
                "errors": {pack_cards.SUMMARY_BLOCK: exc.message},
            }
        except p.BadPayload:
            response = {
                "response_action": "errors",
                "errors": {
                    pack_cards.SUMMARY_BLOCK: "This form can't be read any more: close it and "
                    "type /rrm summary again."
                },
            }
        answer_view(ack, ctx.uow, body, response)
