"""The bot process of the load benchmark (``bench/load.py`` starts it; not run by hand).

The real app, built exactly as ``rrm serve`` builds it (``build_runtime`` from the environment,
no scheduler), and beside it a bare Bolt app whose one listener, ``/noop``, only acks — both
behind one waitress server (``bot.server.HttpServer``, its default 8 threads), the real app on
``/slack/events`` and the bare one on ``/bare/events``. So the floor is measured in the same
process, through the same server, at the same time as the real app.

With ``RRM_BENCH_TIMINGS=FILE`` each request's time inside the server (from the WSGI call to
the end of its answer: no queueing, no network) is appended to FILE as ``kind milliseconds``.

Prints ``serving Slack on URL/slack/events`` when ready; SIGTERM stops it.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_bolt import Ack, App  # noqa: E402

from bot.runtime import build_runtime  # noqa: E402
from bot.server import HttpServer, make_wsgi_app  # noqa: E402
from bot.settings import load_settings  # noqa: E402

BARE_PATH = "/bare/events"


def bare_app(signing_secret: str, runtime_client: object) -> App:
    """A Bolt app with nothing but a no-op slash command (request verification on, as ours)."""
    app = App(
        client=runtime_client,  # type: ignore[arg-type]
        signing_secret=signing_secret,
        token_verification_enabled=False,
    )

    @app.command("/noop")
    def noop(ack: Ack) -> None:
        ack()

    return app


def routed(real: WSGIApplication, bare: WSGIApplication) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        target = bare if environ.get("PATH_INFO") == BARE_PATH else real
        return target(environ, start_response)

    return app


def kind_of(path: str, body: bytes) -> str:
    """The listener kind of a request, as the load benchmark names them."""
    if path == BARE_PATH:
        return "bare"
    fields = parse_qs(body.decode("utf-8", "replace"))
    if "command" in fields:
        return "command"
    payload = json.loads((fields.get("payload") or ["{}"])[0])
    if payload.get("type") == "view_submission":
        callback = (payload.get("view") or {}).get("callback_id")
        return {"return_page": "page", "repeat_row": "row", "return_review": "submit"}.get(
            callback, "view"
        )
    return "action" if payload.get("type") == "block_actions" else str(payload.get("type"))


def timed(app: WSGIApplication, out: TextIO) -> WSGIApplication:
    lock = threading.Lock()

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        kind = kind_of(str(environ.get("PATH_INFO")), body)
        answer = list(app(environ, start_response))

        def finished() -> Iterator[bytes]:
            yield from answer
            with lock:
                out.write(f"{kind} {(time.perf_counter() - started) * 1000:.3f}\n")

        return finished()

    return wrapped


def main() -> int:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    settings = load_settings()
    runtime = build_runtime(settings)
    secret = settings.slack_signing_secret
    assert secret is not None
    bare = bare_app(secret.get_secret_value(), runtime.client)
    wsgi = routed(
        make_wsgi_app(runtime.app, runtime.health),
        make_wsgi_app(bare, lambda: {"ok": True}, path=BARE_PATH),
    )
    timings = os.environ.get("RRM_BENCH_TIMINGS")
    out = open(timings, "a", buffering=1) if timings else None  # noqa: SIM115 - kept open
    server = HttpServer(timed(wsgi, out) if out else wsgi, "127.0.0.1", 0).start()
    print(f"serving Slack on {server.url}/slack/events", file=sys.stderr, flush=True)
    try:
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    finally:
        server.stop()
        runtime.close()
        if out is not None:
            out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
