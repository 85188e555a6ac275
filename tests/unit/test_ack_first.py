"""Commands, block actions and events are acked, then claimed, then worked (bot.slack.ack_first):
every such listener of the built app claims, and a duplicate does no work."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from slack_bolt import BoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.listener.custom_listener import CustomListener
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.services.context import Context
from bot.slack.ack_first import CLAIMS_FIRST, ClaimingApp
from bot.slack.app import build_app
from bot.slack.middleware import install
from tests.unit.conftest import MakeContext

SECRET = "s3cret"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ACK_FIRST_KINDS = ("command", "action", "block_action", "event")


def _kind(listener: CustomListener) -> str | None:
    for matcher in listener.matchers:
        func = getattr(matcher, "func", None)
        if func is not None:
            return str(func.__qualname__.split(".")[0])
    return None


def test_every_command_action_and_event_listener_of_the_built_app_claims_after_acking(
    make_ctx: MakeContext,
) -> None:
    app = build_app(
        make_ctx(NOW),
        client=WebClient(token="xoxb-x", base_url="http://127.0.0.1:9/"),
        signing_secret=SECRET,
        team_id="T0001",
    )
    kinds: dict[str, list[bool]] = {}
    for listener in app._listeners:
        kind = _kind(listener)  # type: ignore[arg-type]
        if kind in ACK_FIRST_KINDS:
            kinds.setdefault(kind, []).append(
                getattr(listener.ack_function, CLAIMS_FIRST, False)  # type: ignore[attr-defined]
            )
    assert set(kinds) >= {"command", "action", "event"}
    assert all(all(claimed) for claimed in kinds.values()), kinds


def _signed(body: str) -> dict[str, list[str]]:
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    return {
        "x-slack-request-timestamp": [stamp],
        "x-slack-signature": [signature],
        "content-type": ["application/x-www-form-urlencoded"],
    }


def claiming_app(ctx: Context, **options: Any) -> ClaimingApp:
    """A bare ``ClaimingApp`` on the context's database, for team T0001 (no middleware yet)."""
    return ClaimingApp(
        uow=ctx.uow,
        signing_secret=SECRET,
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id="T0001", bot_token="xoxb-x", bot_user_id="UB"
        ),
        **options,
    )


def test_a_block_action_delivered_twice_is_answered_twice_and_worked_once(
    make_ctx: MakeContext,
) -> None:
    ctx = make_ctx(NOW)
    # the listener has finished when dispatch returns:
    app = claiming_app(ctx, process_before_response=True)
    install(app, ctx.uow, lambda: "T0001")
    worked: list[str] = []

    @app.action("press")
    def press(ack: Any, body: dict[str, Any]) -> None:
        ack()
        worked.append(body["actions"][0]["action_ts"])

    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "U1"},
        "container": {"message_ts": "1.0"},
        "actions": [{"action_id": "press", "action_ts": "171.5"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    answers = [app.dispatch(BoltRequest(body=body, headers=_signed(body))) for _ in range(2)]

    assert [(a.status, a.body) for a in answers] == [(200, ""), (200, "")]
    assert worked == ["171.5"]
    other = urlencode(
        {
            "payload": json.dumps(
                {**payload, "actions": [{"action_id": "press", "action_ts": "172.0"}]}
            )
        }
    )
    app.dispatch(BoltRequest(body=other, headers=_signed(other)))
    assert worked == ["171.5", "172.0"]  # a second press is not a duplicate
