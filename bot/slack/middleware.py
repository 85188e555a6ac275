"""Global middleware, run on every verified request before any listener:
requests from another Slack team are refused, and duplicates are recognised (DESIGN §6) — view
submissions and closings here, before anything else; commands, block actions and events by their
listener, right after its (always empty) ack and before any work (``bot.slack.ack_first``)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse

from bot.slack.ack_first import PENDING_CLAIM, claim
from bot.slack.deadline import ANSWER_BY_S, Deadlines, late_answer
from forms.records import JSONValue
from storage.errors import NotFound, StorageBusy
from storage.ports import UnitOfWork

log = logging.getLogger(__name__)

VIEW_RESPONSE_PREFIX = "view:"
VIEW_CLOSED_PREFIX = "closed:"
VIEW_KEYS = (VIEW_RESPONSE_PREFIX, VIEW_CLOSED_PREFIX)

CLAIMED_WITH_THE_SAVE = frozenset({"return_page"})
"""View submissions whose listener claims the delivery in the transaction that saves the page
(``returns.save_page``'s ``claim``; a copy finds it claimed there and is given the first one's
answer), so that a page save takes one write turn and one commit, not three (claim, save, kept
answer), and its answer is kept after it is given."""

IN_FLIGHT_S = 2.5
"""How long a claimed, unanswered view submission may still be at work (Slack gives up at 3 s)."""
POLL_S = 0.02


def request_key(body: dict[str, Any], raw: str) -> str | None:
    """The de-duplication key of a request, or None for requests that are never de-duplicated:
    `event_id` for events; the body for commands; (view id, hash) for view submissions and
    closings; (container, action_id, action_ts) for block actions."""
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command"):
        return "command:" + hashlib.sha256(raw.encode()).hexdigest()
    view = body.get("view") or {}
    if kind in ("view_submission", "view_closed") and view.get("id"):
        return view_key(kind, body)
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        container = body.get("container") or {}
        where = container.get("message_ts") or container.get("view_id") or ""
        first = actions[0]
        return f"action:{where}:{first.get('action_id')}:{first.get('action_ts')}"
    return None


def view_key(kind: str, body: dict[str, Any]) -> str:
    """(view id, hash) identify a delivery of a view — plus who sent it and what the inputs
    held: Slack keeps the hash when it shows `response_action: errors`, so a corrected page
    has the same id and hash, and a replay by someone else must never get another person's
    answer."""
    view = body.get("view") or {}
    user = (body.get("user") or {}).get("id", "")
    state = json.dumps((view.get("state") or {}).get("values") or {}, sort_keys=True)
    digest = hashlib.sha256(state.encode()).hexdigest()[:32]
    prefix = VIEW_RESPONSE_PREFIX if kind == "view_submission" else VIEW_CLOSED_PREFIX
    return f"{prefix}{view.get('id')}:{view.get('hash', '')}:{user}:{digest}"


def team_of(body: dict[str, Any]) -> str | None:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return None


def install(
    app: App,
    uow: UnitOfWork,
    workspace_team: Callable[[], str | None],
    *,
    answer_by: float = ANSWER_BY_S,
) -> None:
    """Register the team check, de-duplication and the view submissions' deadline
    (``bot.slack.deadline``) as the app's first global middleware."""

    def only_our_team(
        body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        ours = workspace_team()
        theirs = team_of(body)
        if ours and theirs and theirs != ours:
            log.warning("refused a request from another Slack team")
            if body.get("command"):
                return BoltResponse(
                    status=200,
                    body="This bot serves only its own partnership's Slack workspace.",
                )
            return BoltResponse(status=200, body="")
        next()
        return None

    def deduplicate(
        req: BoltRequest, body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        key = request_key(body, req.raw_body)
        if key is None:
            next()
            return None
        if not key.startswith(VIEW_KEYS):
            context[PENDING_CLAIM] = key  # claimed by the listener, after its ack
            next()
            return None
        if callback_of(body) in CLAIMED_WITH_THE_SAVE and key.startswith(VIEW_RESPONSE_PREFIX):
            context[PENDING_CLAIM] = key  # a copy is recognised by the save's claim
            next()
            return None
        if claim(uow, key):  # a database too busy to say counts as first: saves are idempotent
            next()
            return None
        log.info("duplicate request ignored (%s)", key.split(":", 1)[0])
        if not key.startswith(VIEW_RESPONSE_PREFIX):
            return BoltResponse(status=200, body="")
        stored = awaited_response(uow, key)
        if stored is None:
            # Claimed but never answered: the first delivery died on the way (a crash, a
            # restart). Work it out again — saving the same page twice is a no-op — rather
            # than answer with nothing, which would close the modal and lose the page.
            next()
            return None
        return BoltResponse(
            status=200, body=json.dumps(stored), headers={"content-type": "application/json"}
        )

    deadlines = Deadlines(answer_by)

    def answer_in_time(
        body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        if body.get("type") == "view_submission":
            late = late_answer(body)
            if late is not None:
                deadlines.watch(context.ack, late)  # bot.slack.deadline
        next()
        return None

    app.use(only_our_team)
    app.use(deduplicate)
    app.use(answer_in_time)


def callback_of(body: dict[str, Any]) -> str | None:
    """The callback id of a view submission's view."""
    view = body.get("view")
    return str(view.get("callback_id")) if isinstance(view, dict) else None


def awaited_response(
    uow: UnitOfWork, key: str, *, patience: float = IN_FLIGHT_S, poll: float = POLL_S
) -> JSONValue | None:
    """The response kept for the view submission ``key``. While it was claimed less than
    ``patience`` seconds ago and has no response yet, its first delivery may still be at work
    (answered, and keeping its answer): wait for it rather than work the page out a second time
    beside it. None if there is none to give (never claimed, released, or claimed long ago and
    never answered: the first delivery died on the way)."""
    while True:
        try:
            with uow:
                stored = uow.requests.get_response(key)
                claimed = uow.requests.claimed_at(key) if stored is None else None
        except StorageBusy:
            return None
        if stored is not None or claimed is None:
            return stored
        if (datetime.now(UTC) - claimed).total_seconds() >= patience:
            return None
        time.sleep(poll)


def answer_view(
    ack: Ack, uow: UnitOfWork, body: dict[str, Any], response: dict[str, Any] | None
) -> None:
    """Answer a view submission, then keep the answer for a duplicate delivery (which, coming
    in between, waits for it: :func:`awaited_response`)."""
    if response:
        ack(**response)
    else:
        ack()
    remember_view_response(uow, body, response or {})


def remember_view_response(uow: UnitOfWork, body: dict[str, Any], response: Any) -> None:
    """Keep a view submission's response so a duplicate gets the same answer again. An
    ``errors`` response changed nothing: its claim is released instead, so the same inputs sent
    again are worked out anew (the error may have been passing: a busy database)."""
    view = body.get("view") or {}
    if not view.get("id"):
        return
    key = view_key("view_submission", body)
    errors = isinstance(response, dict) and response.get("response_action") == "errors"
    try:
        with uow:
            if errors:
                uow.requests.release(key)
            else:
                uow.requests.store_response(key, response)
            uow.commit()
    except StorageBusy:
        log.warning("could not store a view response for de-duplication")
    except NotFound:  # the claim itself could not be made (the database was busy then)
        log.warning("a view response was not kept: its request was never claimed")
