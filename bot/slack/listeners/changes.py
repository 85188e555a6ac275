"""``/rrm add``, ``edit``, ``extend``, ``remove`` and ``owner`` (dispatched here by the command
listener, after its ack): command value -> service -> an ephemeral reply. A refusal names the
problem and, for bad input, shows the correct form again; nothing was changed."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.services import return_changes, review_changes
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotFound, ServiceError
from bot.slack.grammar_changes import (
    USAGE,
    AddCommand,
    ChangeCommand,
    EditCommand,
    ExtendCommand,
    OwnerCommand,
    RemoveCommand,
)

_NAMES = {
    AddCommand: "add",
    EditCommand: "edit",
    ExtendCommand: "extend",
    RemoveCommand: "remove",
    OwnerCommand: "owner",
}


def change_command(
    ctx: Context, respond: Respond, body: dict[str, Any], cmd: ChangeCommand
) -> None:
    """Run one change for the coordinator who typed it and answer them."""
    who: dict[str, Any] = {"team_id": body["team_id"], "actor": body["user_id"]}
    try:
        text = _run(ctx, cmd, who)
    except ServiceError as exc:
        respond(text=_refusal(exc, _NAMES[type(cmd)]), response_type="ephemeral")
        return
    respond(text=text, response_type="ephemeral")


def _run(ctx: Context, cmd: ChangeCommand, who: dict[str, Any]) -> str:
    if isinstance(cmd, AddCommand):
        return return_changes.add(
            ctx, reference=cmd.reference, agency=cmd.agency, contact=cmd.contact, **who
        ).text
    if isinstance(cmd, ExtendCommand):
        assert cmd.due is not None  # the grammar refuses an extension without one
        return return_changes.extend(
            ctx, reference=cmd.reference, agency=cmd.agency, due=cmd.due, reason=cmd.reason, **who
        ).text
    if isinstance(cmd, RemoveCommand):
        return return_changes.remove(ctx, reference=cmd.reference, agency=cmd.agency, **who).text
    if isinstance(cmd, EditCommand):
        return review_changes.edit(
            ctx,
            reference=cmd.reference,
            meeting=cmd.meeting,
            meeting_time=cmd.meeting_time,
            due=cmd.due,
            chair=cmd.chair,
            **who,
        ).text
    return review_changes.hand_over(ctx, reference=cmd.reference, user=cmd.user, **who).text


def _refusal(exc: ServiceError, name: str) -> str:
    """The problem; for input that can't be used, the correct form after it."""
    if isinstance(exc, InvalidRequest):
        problems = list(exc.fields.values())
        text = problems[0] if len(problems) == 1 else "\n".join(f"• {p}" for p in problems)
        return f"Nothing was changed. {text}\n\n*How to use /rrm {name}*\n{USAGE[name]}"
    if isinstance(exc, NotFound):
        return f"{exc.message}\n\n*How to use /rrm {name}*\n{USAGE[name]}"
    return exc.message


CHANGE_COMMANDS = (AddCommand, EditCommand, ExtendCommand, RemoveCommand, OwnerCommand)
"""The command values this module answers."""
