"""A view submission is answered within Slack's 3 seconds even when its listener is slower
(bot.slack.deadline): the person is asked to press the button again, the listener's own answer
is kept, and pressing again with the same inputs is given it; nothing is worked out twice."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from slack_bolt import Ack, BoltRequest

from bot.slack.deadline import Deadlines, late_answer
from bot.slack.middleware import answer_view, install
from tests.unit.conftest import MakeContext
from tests.unit.test_ack_first import _signed, claiming_app

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
VIEW = {
    "id": "V0SLOW",
    "hash": "h1",
    "type": "modal",
    "callback_id": "slow_form",
    "submit": {"type": "plain_text", "text": "Next"},
    "blocks": [
        {"type": "section", "block_id": "intro", "text": {"type": "plain_text", "text": "Hi"}},
        {"type": "input", "block_id": "q|A4", "element": {"type": "plain_text_input"}},
    ],
    "state": {"values": {"q|A4": {"v": {"type": "plain_text_input", "value": "typed"}}}},
}
DONE = {"response_action": "update", "view": {"type": "modal", "blocks": []}}


def _body() -> str:
    payload = {"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "U1"}}
    return urlencode({"payload": json.dumps({**payload, "view": VIEW})})


def test_a_late_answer_is_an_error_on_the_first_input_naming_the_button() -> None:
    late = late_answer({"view": VIEW})
    assert late == {
        "response_action": "errors",
        "errors": {"q|A4": "Couldn't save just now — press Next again; your text is still here."},
    }
    assert late_answer({"view": {**VIEW, "blocks": VIEW["blocks"][:1]}}) is None  # no input


def test_a_listener_that_acks_in_time_keeps_its_answer_and_the_thread_ends() -> None:
    deadlines = Deadlines(after=0.05)
    on_time, late = Ack(), Ack()
    deadlines.watch(on_time, {"response_action": "errors", "errors": {"b": "late"}})
    deadlines.watch(late, {"response_action": "errors", "errors": {"b": "late"}})
    on_time(response_action="clear")

    for _ in range(200):
        if deadlines._thread is None:
            break
        time.sleep(0.01)

    assert deadlines._thread is None  # nothing left to watch
    assert on_time.response is not None and json.loads(on_time.response.body) == {
        "response_action": "clear"
    }
    assert late.response is not None and json.loads(late.response.body) == {
        "response_action": "errors",
        "errors": {"b": "late"},
    }


def test_a_slow_view_listener_is_answered_in_time_and_pressing_again_gets_its_answer(
    make_ctx: MakeContext,
) -> None:
    ctx = make_ctx(NOW)
    app = claiming_app(ctx)
    install(app, ctx.uow, lambda: "T0001", answer_by=0.3)
    worked: list[str] = []
    finished = threading.Event()

    @app.view("slow_form")
    def slow(ack: Ack, body: dict[str, Any]) -> None:
        time.sleep(0.8)  # longer than the deadline, shorter than Bolt's 3 s
        worked.append(body["view"]["id"])
        answer_view(ack, ctx.uow, body, DONE)
        finished.set()

    body = _body()
    started = time.monotonic()
    first = app.dispatch(BoltRequest(body=body, headers=_signed(body)))
    waited = time.monotonic() - started

    assert first.status == 200 and waited < 0.8
    assert json.loads(first.body) == late_answer({"view": VIEW})
    assert finished.wait(5)
    again = app.dispatch(BoltRequest(body=body, headers=_signed(body)))  # pressed again
    assert (again.status, json.loads(again.body)) == (200, DONE)
    assert worked == ["V0SLOW"]  # worked out once
