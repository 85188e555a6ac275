"""HTTP mode: Slack's requests on ``POST /slack/events`` and ``GET /healthz``, served by a
threaded WSGI server (waitress), not Bolt's single-threaded development server.

``make_wsgi_app`` routes; ``HttpServer`` serves, on a background thread (``start``/``stop``,
tests and the demo) or in the calling thread (``serve_forever``, ``rrm serve``). Bolt checks
each request's signature and timestamp (401 when they are wrong) and handles listener errors;
anything that still escapes is a 500 with a short JSON body and no traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 5 * 1024 * 1024
_log = logging.getLogger(__name__)


def make_wsgi_app(
    bolt_app: App, health: Callable[[], Mapping[str, Any]], *, path: str = EVENTS_PATH
) -> WSGIApplication:
    """The WSGI application: ``POST path`` to Bolt; ``GET /healthz`` answers ``health()`` as
    JSON, 200 if it says ``"ok": true`` else 503; 404 elsewhere, 405 for a wrong method."""
    slack = SlackRequestHandler(bolt_app, path)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD") or "GET")
        route = str(environ.get("PATH_INFO") or "")
        try:
            if route == path:
                if method != "POST":
                    return _json(
                        start_response, 405, {"ok": False, "error": "use POST"}, allow="POST"
                    )
                return slack(environ, start_response)
            if route == HEALTH_PATH:
                if method not in ("GET", "HEAD"):
                    return _json(
                        start_response, 405, {"ok": False, "error": "use GET"}, allow="GET"
                    )
                return _health(start_response, health)
            return _json(start_response, 404, {"ok": False, "error": "not found"})
        except UnicodeDecodeError:
            return _json(
                start_response, 400, {"ok": False, "error": "body is not UTF-8"}, failed=True
            )
        except Exception:
            _log.exception("unhandled error serving %s %s", method, route)
            return _json(start_response, 500, {"ok": False, "error": "internal error"}, failed=True)

    return app


def _health(start_response: StartResponse, health: Callable[[], Mapping[str, Any]]) -> list[bytes]:
    try:
        report = dict(health())
    except Exception:
        _log.exception("the health check failed")
        report = {"ok": False, "error": "the health check failed"}
    return _json(start_response, 200 if report.get("ok") is True else 503, report)


def _json(
    start_response: StartResponse,
    status: int,
    body: Mapping[str, Any],
    *,
    allow: str | None = None,
    failed: bool = False,
) -> list[bytes]:
    payload = json.dumps(body, default=str).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    headers += [("Allow", allow)] if allow else []
    phrase = {
        200: "OK",
        400: "Bad Request",
        404: "Not Found",
        405: "Method Not Allowed",
        500: "Internal Server Error",
        503: "Service Unavailable",
    }[status]
    # After a failure the handler may have started a response: replace it (PEP 3333 exc_info).
    start_response(f"{status} {phrase}", headers, sys.exc_info() if failed else None)
    return [payload]


HTTP_THREADS = 24
"""waitress's threads. A page save holds its thread until its answer (DESIGN §6: saved, then
answered), and under load some wait their turn to write for a few hundred milliseconds; with
waitress's 8, the acks and answers behind them waited for a thread (``bench/README.md``)."""


class HttpServer:
    """A waitress server for ``wsgi_app`` on ``host``:``port`` (port 0 picks a free one),
    bound at construction, with ``threads`` worker threads.

    ``stop()`` closes the listening socket and every connection at once; a request still being
    worked on is cut off (Slack retries it, and a page save commits before it answers).
    """

    def __init__(
        self,
        wsgi_app: WSGIApplication,
        host: str = "127.0.0.1",
        port: int = 3000,
        *,
        threads: int = HTTP_THREADS,
    ) -> None:
        self._map: dict[int, Any] = {}
        self._server = create_server(
            wsgi_app,
            map=self._map,
            host=host,
            port=port,
            threads=threads,
            ident="rrm-bot",
            max_request_body_size=MAX_BODY_BYTES,
            clear_untrusted_proxy_headers=True,
        )
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.host = host

    @property
    def port(self) -> int:
        if isinstance(self._server, MultiSocketServer):
            return int(self._server.effective_listen[0][1])
        return int(self._server.getsockname()[1])

    @property
    def url(self) -> str:
        """``http://host:port`` (no trailing slash)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> HttpServer:
        """Serve on a background thread; returns at once."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="rrm-http", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop()`` is called from another (or Ctrl-C)."""
        self._serve()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and wait for the serving thread to finish closing."""
        self._stopping.set()
        for dispatcher in list(self._map.values()):
            if isinstance(dispatcher, BaseWSGIServer):
                # Wake the loop now rather than at its next timeout; if the loop already closed
                # the trigger, it is stopping anyway.
                with contextlib.suppress(OSError):
                    dispatcher.pull_trigger()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _serve(self) -> None:
        try:
            while not self._stopping.is_set() and self._map:
                wasyncore.loop(timeout=1.0, map=self._map, use_poll=True, count=1)
        finally:
            wasyncore.close_all(self._map)
            self._server.task_dispatcher.shutdown(timeout=2)
