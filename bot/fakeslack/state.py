"""The fake workspace: people, conversations, messages, views and files, behind one lock.

Handlers (``api_*.py``) mutate a ``World`` while the server holds ``World.lock``; tests read it
through ``FakeSlack``, which copies what it hands out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Args = dict[str, Any]
Reply = dict[str, Any]


class SlackError(Exception):
    """An ``ok: false`` answer: ``error`` is Slack's code, ``extra`` more top-level keys."""

    def __init__(self, error: str, *messages: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = dict(extra)
        if messages:
            self.extra["response_metadata"] = {"messages": list(messages)}


@dataclass
class Call:
    """One request the server received, answered or not."""

    method: str  # e.g. "chat.postMessage"; pseudo-methods "upload" and "response_url"
    args: Args
    token: str | None
    at: float
    status: int = 200
    response: Reply = field(default_factory=dict)
    fault: bool = False  # answered by fail_next, never reached the workspace
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


@dataclass
class User:
    id: str
    name: str
    real_name: str
    email: str | None = None
    tz: str = "Europe/London"
    deleted: bool = False
    is_bot: bool = False
    is_stranger: bool = False
    team_id: str = ""
    is_restricted: bool = False  # a guest (multi-channel)
    is_ultra_restricted: bool = False  # a single-channel guest
    dm_error: str | None = None  # what conversations.open answers for them, e.g. an
    # external (Slack Connect) person whose organisation allows no DMs from apps

    def to_api(self, now: float) -> Reply:
        offset = datetime.fromtimestamp(now, ZoneInfo(self.tz)).utcoffset()
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_stranger": self.is_stranger,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "email": self.email,
                "team": self.team_id,
            },
        }


@dataclass
class Channel:
    id: str
    name: str
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    is_archived: bool = False
    im_user: str | None = None  # set for a bot-to-user DM ("D...")

    @property
    def is_im(self) -> bool:
        return self.im_user is not None

    def to_api(self, bot_user_id: str) -> Reply:
        if self.im_user is not None:
            return {"id": self.id, "is_im": True, "user": self.im_user, "is_open": True}
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_private": self.is_private,
            "is_im": False,
            "is_archived": self.is_archived,
            "is_member": bot_user_id in self.members,
            "num_members": len(self.members),
        }


@dataclass
class Message:
    """A message as it stands now; ``versions`` keeps every text/blocks it has had."""

    channel: str
    ts: str
    seq: int
    user: str
    text: str
    blocks: list[Any]
    thread_ts: str | None = None
    files: list[str] = field(default_factory=list)
    ephemeral_to: str | None = None
    deleted: bool = False
    versions: list[Reply] = field(default_factory=list)

    def to_api(self) -> Reply:
        reply: Reply = {"type": "message", "user": self.user, "ts": self.ts, "text": self.text}
        if self.blocks:
            reply["blocks"] = self.blocks
        if self.thread_ts:
            reply["thread_ts"] = self.thread_ts
        return reply


@dataclass
class View:
    """A modal or home tab; ``view`` is the definition as last sent, ``versions`` all of them
    in order as (seq, method, view)."""

    id: str
    user: str | None
    type: str
    hash: str
    view: Reply
    root_view_id: str
    previous_view_id: str | None = None
    external_id: str | None = None
    closed: bool = False
    versions: list[tuple[int, str, Reply]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str((self.view.get("title") or {}).get("text", ""))

    @property
    def blocks(self) -> list[Any]:
        return list(self.view.get("blocks") or [])

    def to_api(self, team_id: str, app_id: str, bot_id: str) -> Reply:
        """The view object as Slack returns it (and embeds in view_submission payloads)."""
        return {
            **self.view,
            "id": self.id,
            "team_id": team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.view.get("private_metadata", ""),
            "callback_id": self.view.get("callback_id", ""),
            "external_id": self.external_id or "",
            "state": {"values": {}},
            "hash": self.hash,
            "root_view_id": self.root_view_id,
            "previous_view_id": self.previous_view_id,
            "app_id": app_id,
            "bot_id": bot_id,
        }


@dataclass
class File:
    id: str
    name: str
    length: int
    seq: int
    title: str | None = None
    content: bytes | None = None  # None until the upload URL received the bytes
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    completed: bool = False
    deleted: bool = False
    alt_txt: str | None = None
    snippet_type: str | None = None

    def to_api(self) -> Reply:
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title or self.name,
            "size": len(self.content or b""),
            "channels": [c for c in self.channels if not c.startswith("D")],
            "ims": [c for c in self.channels if c.startswith("D")],
            "is_external": False,
        }


class World:
    """Everything the fake Slack knows. Mutate only while holding ``lock``."""

    def __init__(
        self,
        *,
        team_id: str,
        bot_token: str,
        bot_user_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lock = threading.RLock()
        self.team_id = team_id
        self.team_name = "Fake Partnership Workspace"
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id[1:]
        self.app_id = "A" + bot_user_id[1:]
        self.clock = clock
        self.base_url = ""  # "http://127.0.0.1:PORT/", set when the server starts
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Message] = []
        self.views: dict[str, View] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.home_views: dict[str, str] = {}
        self.triggers: dict[str, str | None] = {}
        self.used_triggers: set[str] = set()
        self.response_urls: dict[str, tuple[str, str]] = {}
        self.files: dict[str, File] = {}
        self.calls: list[Call] = []
        self._seq = 0
        self._last_ts = 0.0
        self.add_user(User(bot_user_id, "rrm", "RRM bot", is_bot=True))

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def mint(self, prefix: str) -> str:
        """A fresh id such as ``V0000000007``."""
        return f"{prefix}{self.next_seq():010d}"

    def next_ts(self) -> str:
        """A message timestamp: unique, increasing, ``seconds.micros`` like Slack's."""
        self._last_ts = max(round(self.clock(), 6), round(self._last_ts + 0.000001, 6))
        return f"{self._last_ts:.6f}"

    def add_user(self, user: User) -> User:
        user.team_id = user.team_id or self.team_id
        self.users[user.id] = user
        return user

    def add_channel(self, channel: Channel) -> Channel:
        self.channels[channel.id] = channel
        self.messages.setdefault(channel.id, [])
        return channel

    def dm_channel_of(self, user_id: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.im_user == user_id), None)

    def channel_for(self, channel_id: str) -> Channel:
        """A conversation the bot can see (a private one only if it is a member)."""
        channel = self.channels.get(str(channel_id))
        if channel is None or (channel.is_private and self.bot_user_id not in channel.members):
            raise SlackError("channel_not_found")
        return channel

    def postable_channel(self, target: str) -> Channel:
        """Where chat.postMessage with ``channel=target`` lands: a user id means the bot's DM
        with that user (Slack accepts a deactivated user here and posts into the void)."""
        if target[:1] in ("U", "W"):
            user = self.users.get(target)
            if user is None:
                raise SlackError("channel_not_found")
            if user.is_bot:
                raise SlackError("cannot_dm_bot")
            if user.dm_error:
                raise SlackError(user.dm_error)
            return self.open_dm(target)[0]
        channel = self.channel_for(target)
        if channel.is_archived:
            raise SlackError("is_archived")
        if self.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def open_dm(self, user_id: str) -> tuple[Channel, bool]:
        """The bot's DM with ``user_id``, and whether it already existed."""
        existing = self.dm_channel_of(user_id)
        if existing is not None:
            return existing, True
        channel_id = "D" + user_id[1:]
        if channel_id in self.channels:
            channel_id = self.mint("D")
        dm = Channel(channel_id, "", [user_id, self.bot_user_id], is_private=True, im_user=user_id)
        return self.add_channel(dm), False
