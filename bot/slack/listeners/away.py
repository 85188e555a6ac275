"""A contact's absence in Slack: ``/rrm away until=… [deputy=@…]`` and ``/rrm back`` (dispatched
here by the command listener, after its ack), the Home's "I'm away" button and its modal (which
saves inside the request, then answers, DESIGN §6) and the Home's "I'm back" button.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import away, home
from bot.services.context import Context
from bot.services.errors import InvalidRequest, ServiceError
from bot.slack.blocks import away as blocks
from bot.slack.blocks import home as home_blocks
from bot.slack.grammar_away import AwayCommand, BackCommand
from bot.slack.listeners import home as home_listener
from bot.slack.listeners import payload as p
from bot.slack.listeners.form_errors import error_response, errors_response
from bot.slack.middleware import answer_view

log = logging.getLogger(__name__)
_BLOCK_OF = {"until": blocks.UNTIL_BLOCK, "deputy": blocks.DEPUTY_BLOCK}


def _problems(exc: ServiceError) -> str:
    return "\n".join(exc.fields.values()) if isinstance(exc, InvalidRequest) else exc.message


def away_command(ctx: Context, respond: Respond, body: dict[str, Any], cmd: AwayCommand) -> None:
    """``/rrm away until=DATE [deputy=@user]``, after the ack."""
    try:
        absence, told = away.set_away(
            ctx, team_id=body["team_id"], actor=body["user_id"], until=cmd.until, deputy=cmd.deputy
        )
    except ServiceError as exc:
        respond(text=_problems(exc), response_type="ephemeral")
        return
    respond(text=blocks.away_reply(absence, ctx.calendar, told), response_type="ephemeral")
    home.publish(ctx, team_id=body["team_id"], user_id=body["user_id"])


def back_command(ctx: Context, respond: Respond, body: dict[str, Any], cmd: BackCommand) -> None:
    """``/rrm back``, after the ack."""
    try:
        was = away.set_back(ctx, team_id=body["team_id"], actor=body["user_id"])
    except ServiceError as exc:
        respond(text=exc.message, response_type="ephemeral")
        return
    respond(text=blocks.back_reply(was), response_type="ephemeral")
    home.publish(ctx, team_id=body["team_id"], user_id=body["user_id"])


def _chosen(values: dict[str, Any]) -> tuple[date | None, str | None]:
    """The day and the deputy as the modal holds them (None when unreadable or empty)."""
    picked = (values.get(blocks.UNTIL_BLOCK) or {}).get(blocks.INPUT_ACTION) or {}
    day = picked.get("selected_date") if isinstance(picked, dict) else None
    try:
        until = date.fromisoformat(day) if isinstance(day, str) else None
    except ValueError:
        until = None
    chosen = (values.get(blocks.DEPUTY_BLOCK) or {}).get(blocks.INPUT_ACTION) or {}
    deputy = chosen.get("selected_user") if isinstance(chosen, dict) else None
    return until, deputy if isinstance(deputy, str) and deputy else None


def register(app: App, ctx: Context) -> None:
    """The Home's I'm away / I'm back buttons and the away modal."""

    def away_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        current = away.current(ctx, team_id=p.team(body), user_id=p.actor(body))
        client.views_open(
            trigger_id=body["trigger_id"], view=blocks.away_modal(ctx.today(), current)
        )

    def back_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        try:
            was = away.set_back(ctx, team_id=p.team(body), actor=p.actor(body))
            text = blocks.back_reply(was)
        except ServiceError as exc:
            text = exc.message
        home_listener.notice(ctx, body, text)

    @app.view(blocks.CALLBACK_ID)
    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        response: dict[str, Any] = {}
        reply = None
        try:
            until, deputy = _chosen(p.state_values(body))
            absence, told = away.set_away(
                ctx, team_id=p.team(body), actor=p.actor(body), until=until, deputy=deputy
            )
            reply = blocks.away_reply(absence, ctx.calendar, told)
        except InvalidRequest as exc:
            response = errors_response(exc, _BLOCK_OF, blocks.UNTIL_BLOCK)
        except ServiceError as exc:
            response = error_response(exc.message, blocks.UNTIL_BLOCK)
        except p.BadPayload:
            message = "This form can't be read any more: close it and try again."
            response = error_response(message, blocks.UNTIL_BLOCK)
        answer_view(ack, ctx.uow, body, response)
        if reply is not None:
            home_listener.notice(ctx, body, reply)

    app.action(home_blocks.AWAY)(away_button)
    app.action(home_blocks.BACK)(back_button)
