"""The `/rrm` slash command: ack at once, then parse → service → an ephemeral reply or a modal."""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import reminders, reviews, template
from bot.services.context import Context
from bot.services.errors import InvalidRequest, ServiceError
from bot.slack import open_flow
from bot.slack.blocks.cards import STATE_LABELS, StatusLine, status_table
from bot.slack.grammar import (
    CloseCommand,
    CommandError,
    HelpCommand,
    HoldCommand,
    LockCommand,
    OpenArgs,
    PackCommand,
    RemindCommand,
    StatusCommand,
    SummaryCommand,
    TemplateCommand,
    parse_command,
    usage_text,
)
from bot.slack.grammar_away import AwayCommand, BackCommand
from bot.slack.listeners import away, lifecycle, packs
from bot.slack.listeners.changes import CHANGE_COMMANDS, change_command
from forms.pseudonym import pseudonym_warnings

log = logging.getLogger(__name__)


def register(app: App, ctx: Context) -> None:
    """Listen for `/rrm` (whatever the command is renamed to in the manifest, it is `/rrm`)."""

    @app.command("/rrm")
    def rrm(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        command = parse_command(body.get("text") or "")
        actor, team = body["user_id"], body["team_id"]
        if isinstance(command, CommandError):
            respond(text=command.text, response_type="ephemeral")
        elif isinstance(command, HelpCommand):
            respond(text=usage_text(), response_type="ephemeral")
        elif isinstance(command, CHANGE_COMMANDS):
            change_command(ctx, respond, body, command)
        elif isinstance(command, StatusCommand):
            _status(ctx, respond, team, actor, command.reference)
        elif isinstance(command, OpenArgs):
            _open(ctx, respond, client, body, command)
        elif isinstance(command, PackCommand):
            packs.pack_command(ctx, respond, body, command)
        elif isinstance(command, SummaryCommand):
            packs.summary_command(ctx, respond, client, body, command)
        elif isinstance(command, LockCommand):
            lifecycle.lock_command(ctx, respond, body, command)
        elif isinstance(command, CloseCommand):
            lifecycle.close_command(ctx, respond, client, body, command)
        elif isinstance(command, HoldCommand):
            lifecycle.hold_command(ctx, respond, body, command)
        elif isinstance(command, RemindCommand):
            _remind(ctx, respond, team, actor, command.reference)
        elif isinstance(command, AwayCommand):
            away.away_command(ctx, respond, body, command)
        elif isinstance(command, BackCommand):
            away.back_command(ctx, respond, body, command)
        elif isinstance(command, TemplateCommand):
            _template(ctx, respond, team, actor, command.reference)


def _status(ctx: Context, respond: Respond, team: str, actor: str, ref: str | None) -> None:
    try:
        found = reviews.status(ctx, team_id=team, actor=actor, reference=ref)
    except ServiceError as exc:
        respond(text=exc.message, response_type="ephemeral")
        return
    if not found:
        respond(text="There are no open reviews.", response_type="ephemeral")
        return
    blocks: list[dict[str, Any]] = []
    for item in found[:10]:
        sent = reminders.sent_by_agency(ctx, item.review.id)
        lines = [
            StatusLine(
                r.agency,
                r.contact,
                STATE_LABELS[r.state]
                + (" — *overdue*" if r.overdue else "")
                + f" — reminders sent: {sent.get(r.agency, 0)}",
                r.due,
            )
            for r in item.rows
        ]
        blocks += status_table(item.review.reference, item.review.pseudonym, lines)
    respond(text=f"Status of {len(found)} review(s)", blocks=blocks, response_type="ephemeral")


def _remind(ctx: Context, respond: Respond, team: str, actor: str, reference: str) -> None:
    try:
        done = reminders.remind(ctx, team_id=team, actor=actor, reference=reference)
    except ServiceError as exc:
        respond(text=exc.message, response_type="ephemeral")
        return
    respond(text=done.text, response_type="ephemeral")


def _template(ctx: Context, respond: Respond, team: str, actor: str, reference: str) -> None:
    try:
        sent = template.send_template(ctx, team_id=team, actor=actor, reference=reference)
    except ServiceError as exc:
        respond(text=exc.message, response_type="ephemeral")
        return
    names = ", ".join(sent.filenames)
    respond(text=f"The template ({names}) is in your direct messages.", response_type="ephemeral")


def _open(
    ctx: Context, respond: Respond, client: WebClient, body: dict[str, Any], args: OpenArgs
) -> None:
    actor, team, channel = body["user_id"], body["team_id"], body["channel_id"]
    try:
        reviews.require_coordinator(ctx, actor)
    except ServiceError as exc:
        respond(text=exc.message, response_type="ephemeral")
        return
    if args.missing or (args.child and pseudonym_warnings(args.child)):  # the modal warns
        open_flow.open_modal(
            ctx, client, trigger_id=body["trigger_id"], team_id=team, channel=channel, args=args
        )
        return
    hh, mm = (int(x) for x in ctx.config.partnership.defaults.meeting_time.split(":"))
    meeting = args.meeting_at(time(hh, mm))
    assert meeting is not None and args.reference and args.child and args.notified
    assert args.due and args.chair and args.agencies
    req = reviews.OpenRequest(
        reference=args.reference,
        pseudonym=args.child,
        notification_date=args.notified,
        meeting_at=meeting.replace(tzinfo=ctx.zone),
        due_date=args.due,
        chair=args.chair,
        contacts={a: None for a in args.agencies},
        under_1=bool(args.under1),
        incident_date=args.incident,
        period_from=args.period[0] if args.period else None,
        period_to=args.period[1] if args.period else None,
    )
    try:
        opened = reviews.open_review(ctx, team_id=team, actor=actor, channel_id=channel, req=req)
    except InvalidRequest as exc:
        problems = "\n".join(f"• `{k}=`: {v}" for k, v in exc.fields.items())
        respond(text=f"The review was not opened:\n{problems}", response_type="ephemeral")
        return
    except ServiceError as exc:
        respond(text=exc.message, response_type="ephemeral")
        return
    respond(text=open_flow.opened_text(opened), response_type="ephemeral")
