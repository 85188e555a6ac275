"""manifest.yaml: valid against Slack's manifest schema, and asking for exactly the scopes the
code needs (no more, no fewer)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"

# Web API method (as slack_sdk names it) -> the bot scopes it needs.
SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_delete": {"chat:write"},
    "conversations_open": {"im:write"},
    "conversations_info": {"channels:read", "groups:read"},
    "files_upload_v2": {"files:write"},
    "files_delete": {"files:write"},
    "users_info": {"users:read"},
    "users_lookupByEmail": {"users:read", "users:read.email"},
    "views_open": set(),
    "views_update": set(),
    "views_push": set(),
    "views_publish": set(),
    "auth_test": set(),
}
# Events the code listens for -> the bot event subscription and its scope (None: none needed).
EVENTS: dict[str, tuple[str, str | None]] = {
    "message": ("message.im", "im:history"),
    "app_home_opened": ("app_home_opened", None),
}


def _manifest() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))


def _bot_sources() -> str:
    files = [p for p in (ROOT / "bot").rglob("*.py") if "fakeslack" not in p.parts]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_manifest_is_valid_against_slack_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(_manifest(), schema)


def test_rrm_command_escapes_mentions() -> None:
    commands = _manifest()["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/rrm"]
    assert commands[0]["should_escape"] is True


def test_scopes_are_exactly_what_the_code_calls() -> None:
    source = _bot_sources()
    called = set(
        re.findall(
            r"(?:(?<![\w.])client|self\._client)\.((?:admin|apps|auth|bots|chat|conversations|dnd|files|pins|reactions|team|usergroups|users|views)_\w+)",
            source,
        )
    )
    unknown = called - SCOPES.keys()
    assert not unknown, f"add these Web API methods to the scope table: {unknown}"
    needed = {"commands"} | {s for m in called for s in SCOPES[m]}
    listened = set(re.findall(r'@app\.event\("(\w+)"\)', source))
    needed |= {scope for e in listened if (scope := EVENTS[e][1]) is not None}
    assert set(_manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_events_are_those_the_code_handles() -> None:
    listened = set(re.findall(r'@app\.event\("(\w+)"\)', _bot_sources()))
    subscribed = set(_manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert subscribed == {EVENTS[e][0] for e in listened}


def test_app_home_messages_tab_is_read_only_and_socket_mode_on() -> None:
    m = _manifest()
    assert m["features"]["app_home"]["messages_tab_read_only_enabled"] is True
    assert m["features"]["app_home"]["home_tab_enabled"] is True  # the App Home (issue 8)
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is True
