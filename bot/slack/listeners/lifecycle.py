"""The end of a review in Slack: ``/rrm lock``, ``/rrm close`` and ``/rrm hold`` (dispatched here
by the command listener, after its ack) and the close modal's submission, which saves inside
the request and then answers (DESIGN §6).

Roles are checked by the services against the settings and the stored review — the review id in
the modal's ``private_metadata`` is only a hint, looked up again in the acting user's team.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.messenger import DeliveryFailed
from bot.services import lifecycle
from bot.services.context import Context
from bot.services.errors import InvalidRequest, ServiceError
from bot.slack.blocks import lifecycle as blocks
from bot.slack.grammar import CloseCommand, HoldCommand, LockCommand
from bot.slack.listeners import payload as p
from bot.slack.listeners.form_errors import error_response, errors_response
from bot.slack.middleware import answer_view

log = logging.getLogger(__name__)
_BLOCK_OF = {"outcome": blocks.OUTCOME_BLOCK, "panel_sent_date": blocks.PANEL_DATE_BLOCK}


def _problem(exc: ServiceError) -> str:
    return "\n".join(exc.fields.values()) if isinstance(exc, InvalidRequest) else exc.message


def _who(body: dict[str, Any]) -> dict[str, str]:
    return {"team_id": body["team_id"], "actor": body["user_id"]}


def lock_command(ctx: Context, respond: Respond, body: dict[str, Any], cmd: LockCommand) -> None:
    """``/rrm lock REF`` (coordinators), after the ack."""
    try:
        review = lifecycle.lock(ctx, reference=cmd.reference, **_who(body))
    except ServiceError as exc:
        respond(text=_problem(exc), response_type="ephemeral")
        return
    respond(text=blocks.locked_reply(review), response_type="ephemeral")


def close_command(
    ctx: Context, respond: Respond, client: WebClient, body: dict[str, Any], cmd: CloseCommand
) -> None:
    """``/rrm close REF`` (coordinators): open the modal asking the outcome and the Panel date."""
    try:
        review = lifecycle.closing(ctx, reference=cmd.reference, **_who(body))
    except ServiceError as exc:
        respond(text=_problem(exc), response_type="ephemeral")
        return
    client.views_open(trigger_id=body["trigger_id"], view=blocks.close_modal(review, ctx.today()))


def hold_command(ctx: Context, respond: Respond, body: dict[str, Any], cmd: HoldCommand) -> None:
    """``/rrm hold REF reason=…`` or ``/rrm hold REF off`` (coordinators)."""
    try:
        review = lifecycle.hold(ctx, reference=cmd.reference, reason=cmd.reason, **_who(body))
    except ServiceError as exc:
        respond(text=_problem(exc), response_type="ephemeral")
        return
    respond(text=blocks.hold_reply(review), response_type="ephemeral")


def _chosen(values: dict[str, Any]) -> tuple[str | None, date | None]:
    """The outcome and the Panel date as the modal holds them (None when unreadable)."""
    outcome = (values.get(blocks.OUTCOME_BLOCK) or {}).get(blocks.INPUT_ACTION) or {}
    option = outcome.get("selected_option") if isinstance(outcome, dict) else None
    value = option.get("value") if isinstance(option, dict) else None
    picked = (values.get(blocks.PANEL_DATE_BLOCK) or {}).get(blocks.INPUT_ACTION) or {}
    day = picked.get("selected_date") if isinstance(picked, dict) else None
    try:
        sent = date.fromisoformat(day) if isinstance(day, str) else None
    except ValueError:
        sent = None
    return (value if isinstance(value, str) else None), sent


def register(app: App, ctx: Context) -> None:
    """The close modal's submission."""

    @app.view(blocks.CLOSE_CALLBACK_ID)
    def close_submitted(ack: Ack, body: dict[str, Any]) -> None:
        response: dict[str, Any] = {}
        closed = None
        try:
            outcome, sent = _chosen(p.state_values(body))
            closed = lifecycle.close(
                ctx,
                team_id=p.team(body),
                actor=p.actor(body),
                review=p.int_of(p.view_meta(body), "review"),
                outcome=outcome,
                panel_sent_date=sent,
            )
        except InvalidRequest as exc:
            response = errors_response(exc, _BLOCK_OF, blocks.OUTCOME_BLOCK)
        except ServiceError as exc:
            response = error_response(exc.message, blocks.OUTCOME_BLOCK)
        except p.BadPayload:
            message = "This form can't be read any more: close it and type /rrm close again."
            response = error_response(message, blocks.OUTCOME_BLOCK)
        answer_view(ack, ctx.uow, body, response)
        if closed is not None:
            try:
                ctx.messenger.ephemeral(
                    closed.channel_id, p.actor(body), blocks.closed_reply(closed)
                )
            except DeliveryFailed as exc:
                log.info("close confirmation not shown: %s", exc.reason)
