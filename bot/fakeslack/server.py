"""The HTTP side of the fake: routes, authentication, fault injection and call recording.

Routes: ``/api/<method>`` is the Web API (GET or POST; form, JSON or multipart bodies);
``/upload/v1/<file_id>`` the upload URL handed out by files.getUploadURLExternal;
``/response/<id>`` a response_url minted by ``FakeSlack.response_url()``.
"""

from __future__ import annotations

import json
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import api_chat, api_files, api_views
from .state import Args, Call, Reply, SlackError, World
from .wire import bearer_token, parse_multipart, parse_request

UPLOAD = "upload"  # pseudo-method names for fail_next and calls_to
RESPONSE_URL = "response_url"

HANDLERS: dict[str, Callable[[World, Args], Reply]] = {
    **api_chat.HANDLERS,
    **api_views.HANDLERS,
    **api_files.HANDLERS,
}
_FAULT_ERRORS = {429: "ratelimited", 503: "service_unavailable"}


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: int
    error: str


@dataclass(frozen=True)
class Answer:
    status: int
    body: Reply | str
    headers: tuple[tuple[str, str], ...] = ()


class Router:
    """Turns one request into an answer, recording it. Holds the world's lock throughout, so
    every call is atomic and ``calls`` is in the order the workspace saw them."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.faults: dict[str, deque[Fault]] = {}

    def add_faults(self, method: str, fault: Fault, times: int) -> None:
        with self.world.lock:
            self.faults.setdefault(method, deque()).extend([fault] * times)

    def route(self, path: str, query: str, headers: Any, body: bytes) -> Answer:
        area, _, rest = path.lstrip("/").partition("/")
        content_type = str(headers.get("Content-Type") or "")
        with self.world.lock:
            if area == "api":
                return self._api(rest, query, content_type, headers.get("Authorization"), body)
            if area == "upload":
                return self._upload(rest.removeprefix("v1/"), content_type, body)
            if area == "response":
                return self._response_url(rest, content_type, body)
            return Answer(404, "not found")

    def _api(
        self, method: str, query: str, content_type: str, auth: str | None, body: bytes
    ) -> Answer:
        call = Call(method, {}, None, self.world.clock())
        try:
            call.args, call.files = parse_request(query, content_type, body)
            call.token = bearer_token(auth, call.args)
            answer = self._fault(call) or Answer(200, self._answer(call))
        except SlackError as exc:
            answer = Answer(200, {"ok": False, "error": exc.error, **exc.extra})
        return self._record(call, answer)

    def _answer(self, call: Call) -> Reply:
        handler = HANDLERS.get(call.method)
        try:
            if handler is None:
                raise SlackError("unknown_method", req_method=call.method)
            if not call.token:
                raise SlackError("not_authed")
            if call.token != self.world.bot_token:
                raise SlackError("invalid_auth")
            return handler(self.world, call.args)
        except SlackError as exc:
            return {"ok": False, "error": exc.error, **exc.extra}

    def _fault(self, call: Call) -> Answer | None:
        queue = self.faults.get(call.method)
        if not queue:
            return None
        fault = queue.popleft()
        call.fault = True
        headers = (("Retry-After", str(fault.retry_after)),) if fault.status == 429 else ()
        return Answer(fault.status, {"ok": False, "error": fault.error}, headers)

    def _record(self, call: Call, answer: Answer) -> Answer:
        call.status = answer.status
        body = answer.body
        call.response = body if isinstance(body, dict) else {"ok": answer.status == 200}
        self.world.calls.append(call)
        return answer

    def _upload(self, file_id: str, content_type: str, body: bytes) -> Answer:
        call = Call(UPLOAD, {"file_id": file_id}, None, self.world.clock())
        content = body
        if content_type.lower().startswith("multipart/form-data"):
            _, files = parse_multipart(content_type, body)
            content = next(iter(files.values()), b"")
        call.files = {"file": content}
        fault = self._fault(call)
        if fault is not None:
            return self._record(call, fault)
        status, text = api_files.receive_upload(self.world, file_id, content)
        return self._record(call, Answer(status, text))

    def _response_url(self, key: str, content_type: str, body: bytes) -> Answer:
        call = Call(RESPONSE_URL, {}, None, self.world.clock())
        try:
            call.args, _ = parse_request("", content_type or "application/json", body)
        except SlackError as exc:
            return self._record(call, Answer(400, {"ok": False, "error": exc.error}))
        fault = self._fault(call)
        if fault is not None:
            return self._record(call, fault)
        target = self.world.response_urls.get(key)
        if target is None:
            return self._record(call, Answer(404, {"ok": False, "error": "expired_url"}))
        status, reply = api_chat.respond(self.world, call.args, *target)
        return self._record(call, Answer(status, reply))


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    router: Router  # set on the subclass made for each server

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            answer = self.router.route(url.path, url.query, self.headers, body)
        except Exception as exc:  # a bug in the fake: say so loudly instead of hanging up
            traceback.print_exc()
            answer = Answer(500, {"ok": False, "error": "fakeslack_bug", "detail": repr(exc)})
        if isinstance(answer.body, dict):
            payload = json.dumps(answer.body).encode()
            content_type = "application/json; charset=utf-8"
        else:
            payload = answer.body.encode()
            content_type = "text/plain; charset=utf-8"
        self.send_response(answer.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the calls are recorded instead."""


def make_server(router: Router) -> ThreadingHTTPServer:
    """A threading HTTP server on an ephemeral port of 127.0.0.1 serving ``router``."""
    handler = type("FakeSlackHandler", (_RequestHandler,), {"router": router})
    return _Server(("127.0.0.1", 0), handler)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops connections under load
