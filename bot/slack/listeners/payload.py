"""Reading Slack payloads defensively: a malformed payload is a clear refusal, never a 500.
Ids found here are hints only; the services check them against the database."""

from __future__ import annotations

import json
from typing import Any


class BadPayload(Exception):
    """The payload lacks something the bot needs (it did not come from our own messages)."""


def actor(body: dict[str, Any]) -> str:
    user = body.get("user") or {}
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return str(user["id"])
    if isinstance(body.get("user_id"), str):
        return str(body["user_id"])
    raise BadPayload("no user")


def team(body: dict[str, Any]) -> str:
    t = body.get("team") or {}
    if isinstance(t, dict) and isinstance(t.get("id"), str):
        return str(t["id"])
    if isinstance(body.get("team_id"), str):
        return str(body["team_id"])
    user = body.get("user") or {}
    if isinstance(user, dict) and isinstance(user.get("team_id"), str):
        return str(user["team_id"])
    raise BadPayload("no team")


def json_value(raw: object) -> dict[str, Any]:
    if not isinstance(raw, str):
        raise BadPayload("no value")
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadPayload("value is not JSON") from None
    if not isinstance(value, dict):
        raise BadPayload("value is not an object")
    return value


def action_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or []
    if not actions or not isinstance(actions[0], dict):
        raise BadPayload("no action")
    value = actions[0].get("value")
    if value is None:
        selected = actions[0].get("selected_option") or {}
        value = selected.get("value") if isinstance(selected, dict) else None
    return str(value or "")


def return_id_of(raw: object) -> int:
    value = json_value(raw).get("r")
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadPayload("no return id")
    return value


def view_meta(body: dict[str, Any]) -> dict[str, Any]:
    view = body.get("view") or {}
    return json_value(view.get("private_metadata") if isinstance(view, dict) else None)


def int_of(meta: dict[str, Any], key: str, default: int | None = None) -> int:
    value = meta.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadPayload(f"no {key}")
    return value


def str_of(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value:
        raise BadPayload(f"no {key}")
    return value


def state_values(body: dict[str, Any]) -> dict[str, Any]:
    view = body.get("view") or {}
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}
