"""The HTTP server: routing, Slack's signature check through the real Bolt app, health, errors,
and requests served in parallel."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest

from bot.fakeslack import FakeSlack
from bot.server import HttpServer, make_wsgi_app
from bot.slack.client import make_web_client
from tests.signing import JSON, form_body, post_signed, send

SECRET = "test-signing-secret"


def command(text: str, name: str = "/rrm") -> bytes:
    return form_body({
        "token": "legacy", "team_id": "T0TEAM", "team_domain": "fake", "channel_id": "C0REVIEWS",
        "channel_name": "rapid-reviews", "user_id": "U0COORD1", "user_name": "casey",
        "command": name, "text": text, "api_app_id": "A0RRMBOT", "is_enterprise_install": "false",
        "response_url": "http://127.0.0.1:9/response/x", "trigger_id": "1.2.3",
    })  # fmt: skip


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def bolt_app(slack: FakeSlack) -> App:
    app = App(client=make_web_client(slack.bot_token, slack.api_url), signing_secret=SECRET)

    @app.command("/rrm")
    def rrm(ack: Ack, command: dict[str, Any]) -> None:
        ack(f"echo: {command['text']}")

    @app.command("/slow")
    def slow(ack: Ack) -> None:
        time.sleep(0.3)
        ack("done")

    return app


class Health:
    def __init__(self) -> None:
        self.report: dict[str, Any] = {"ok": True, "database": "ok"}
        self.broken = False

    def __call__(self) -> dict[str, Any]:
        if self.broken:
            raise RuntimeError("database password is hunter2")
        return self.report


@pytest.fixture(scope="module")
def health() -> Health:
    return Health()


@pytest.fixture(scope="module")
def server(slack: FakeSlack, health: Health) -> Iterator[HttpServer]:
    running = HttpServer(make_wsgi_app(bolt_app(slack), health), "127.0.0.1", 0).start()
    yield running
    running.stop()


@pytest.fixture
def events(server: HttpServer) -> str:
    return f"{server.url}/slack/events"


def test_port_zero_picks_a_free_port(server: HttpServer) -> None:
    assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"


def test_url_verification_challenge(events: str) -> None:
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"}).encode()
    reply = post_signed(events, SECRET, body, content_type=JSON)
    assert reply.status == 200 and reply.json() == {"challenge": "c-123"}


def test_signed_slash_command_reaches_the_listener(events: str) -> None:
    reply = post_signed(events, SECRET, command("status RR-2026-014"))
    assert reply.status == 200 and reply.body == b"echo: status RR-2026-014"


def test_bad_signature_is_401(events: str) -> None:
    reply = post_signed(events, "not-the-secret", command("help"))
    assert reply.status == 401 and b"echo" not in reply.body


def test_unsigned_request_is_401(events: str) -> None:
    reply = send(events, command("help"), method="POST")
    assert reply.status == 401


def test_timestamp_six_minutes_old_is_401(events: str) -> None:
    reply = post_signed(events, SECRET, command("help"), timestamp=int(time.time()) - 360)
    assert reply.status == 401


def test_healthz(server: HttpServer, health: Health) -> None:
    reply = send(f"{server.url}/healthz")
    assert reply.status == 200 and reply.json() == {"ok": True, "database": "ok"}
    assert reply.headers["Content-Type"] == "application/json"
    health.report = {"ok": False, "database": "locked"}
    try:
        reply = send(f"{server.url}/healthz")
        assert reply.status == 503 and reply.json()["database"] == "locked"
    finally:
        health.report = {"ok": True}


def test_a_failing_health_check_is_503_without_details(server: HttpServer, health: Health) -> None:
    health.broken = True
    try:
        reply = send(f"{server.url}/healthz")
    finally:
        health.broken = False
    assert reply.status == 503 and reply.json()["ok"] is False
    assert b"hunter2" not in reply.body and b"Traceback" not in reply.body


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/", "GET", 404),
        ("/slack/event", "POST", 404),
        ("/slack/events/", "POST", 404),
        ("/slack/events", "GET", 405),
        ("/healthz", "POST", 405),
    ],
)
def test_routing(server: HttpServer, path: str, method: str, status: int) -> None:
    body = b"x=1" if method == "POST" else None
    reply = send(server.url + path, body, method=method)
    assert reply.status == status and reply.json()["ok"] is False


def test_a_body_that_is_not_utf8_is_400(events: str) -> None:
    reply = post_signed(events, SECRET, b"text=\xff\xfe")
    assert reply.status == 400


class ExplodingApp(App):
    def dispatch(self, req: BoltRequest) -> Any:
        raise RuntimeError("secret detail from deep inside")


def test_an_error_escaping_bolt_is_500_without_a_traceback(slack: FakeSlack) -> None:
    app = ExplodingApp(client=make_web_client(slack.bot_token, slack.api_url),
                       signing_secret=SECRET)
    server = HttpServer(make_wsgi_app(app, lambda: {"ok": True}), "127.0.0.1", 0).start()
    try:
        reply = post_signed(f"{server.url}/slack/events", SECRET, command("help"))
    finally:
        server.stop()
    assert reply.status == 500 and reply.json() == {"ok": False, "error": "internal error"}
    assert b"secret detail" not in reply.body and b"Traceback" not in reply.body


def test_requests_are_served_in_parallel(events: str) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=5) as pool:
        replies = list(pool.map(lambda _: post_signed(events, SECRET, command("", "/slow")),
                                range(5)))
    elapsed = time.monotonic() - started
    assert [r.status for r in replies] == [200] * 5
    assert elapsed < 1.2, f"5 requests of 0.3 s took {elapsed:.2f} s: not served in parallel"


def test_stop_closes_the_port(slack: FakeSlack) -> None:
    server = HttpServer(make_wsgi_app(bolt_app(slack), lambda: {"ok": True}), "127.0.0.1", 0)
    url = server.start().url
    assert send(f"{url}/healthz").status == 200
    server.stop()
    with pytest.raises(OSError):
        send(f"{url}/healthz", timeout=2)
