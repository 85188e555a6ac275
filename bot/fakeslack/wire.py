"""Reading a Web API request the way Slack does: query string, then a form-encoded, JSON or
multipart body; arguments that carry JSON in form fields (``blocks``, ``view``...) decoded."""

from __future__ import annotations

import contextlib
import json
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from .state import Args, SlackError

JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")


def parse_request(query: str, content_type: str, body: bytes) -> tuple[Args, dict[str, bytes]]:
    """Arguments and uploaded files of one request. Malformed bodies are Slack's
    ``invalid_form_data`` / ``invalid_json``."""
    args: Args = _form(query)
    files: dict[str, bytes] = {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" and body:
        try:
            decoded = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SlackError("invalid_json") from exc
        if not isinstance(decoded, dict):
            raise SlackError("invalid_json")
        args.update(decoded)
    elif kind == "multipart/form-data":
        fields, files = parse_multipart(content_type, body)
        args.update(fields)
    elif body:
        try:
            args.update(_form(body.decode("utf-8")))
        except UnicodeDecodeError as exc:
            raise SlackError("invalid_form_data") from exc
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            # Left as a string if it is not JSON: the handler says what is wrong with it.
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(value)
    return args, files


def parse_multipart(content_type: str, body: bytes) -> tuple[Args, dict[str, bytes]]:
    """Form fields and files (field name -> bytes) of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    mime = BytesParser(policy=HTTP).parsebytes(head + body)
    if not mime.is_multipart():
        raise SlackError("invalid_form_data")
    fields: Args = {}
    files: dict[str, bytes] = {}
    for part in mime.iter_parts():
        assert isinstance(part, MimeMessage)
        name = str(part.get_param("name", header="content-disposition") or "")
        payload = _payload(part)
        if part.get_filename() is not None:
            files[name] = payload
        else:
            fields[name] = payload.decode("utf-8")
    return fields, files


def _payload(part: MimeMessage) -> bytes:
    payload: Any = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _form(text: str) -> Args:
    return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}


def bearer_token(authorization: str | None, args: Args) -> str | None:
    """The token from ``Authorization: Bearer ...``, else a ``token`` argument (removed)."""
    token = args.pop("token", None)
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ").strip()
    return str(token) if token else None
