"""Signed HTTP requests as Slack sends them, for server and end-to-end tests.

Slack signs ``v0:{timestamp}:{body}`` with HMAC-SHA256 under the app's signing secret and sends
``X-Slack-Request-Timestamp`` and ``X-Slack-Signature: v0=<hex>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``v0=<hex>`` for ``body`` sent at ``timestamp`` (seconds since the epoch)."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, *, timestamp: int | None = None, content_type: str = FORM
) -> dict[str, str]:
    """The headers Slack would send with ``body`` (``timestamp`` defaults to now)."""
    at = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(at),
        "X-Slack-Signature": signature(secret, at, body),
    }


def form_body(fields: dict[str, Any]) -> bytes:
    """A slash command's body; ``payload`` values that are dicts are JSON-encoded
    (interactivity sends ``payload=<json>``)."""
    plain = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in fields.items()}
    return urlencode(plain).encode()


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    url: str,
    body: bytes | None = None,
    *,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout: float = 10,
) -> Reply:
    """One HTTP request; an error status is returned, not raised."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, dict(error.headers.items()), error.read())


def post_signed(
    url: str,
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    content_type: str = FORM,
) -> Reply:
    """POST ``body`` to ``url`` signed with ``secret`` as Slack would."""
    headers = signed_headers(secret, body, timestamp=timestamp, content_type=content_type)
    return send(url, body, headers=headers, method="POST")
