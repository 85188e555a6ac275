"""Hand-written fakes for service unit tests.

``RecordingMessenger`` implements ``bot.messenger.Messenger`` and keeps a transcript: every call
as an ``Event`` (kind, target, text, blocks), so that a test asserts on what each person was sent.
By default everybody exists in team ``T0TEAM`` and the bot is in every channel; switches make a
person unknown, deactivated or otherwise undeliverable, take the bot out of a channel, or make
the next calls fail as Slack would.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block

from bot.messenger import Blocks, DeliveryFailed, MessageRef, SlackUser, Upload

POST, UPDATE, DM, EPHEMERAL, UPLOAD, DELETE_FILE, HOME = (
    "post", "update", "dm", "ephemeral", "upload", "delete_file", "home",
)  # fmt: skip


@dataclass(frozen=True)
class Event:
    """One thing the service asked Slack to do. ``target`` is the channel (post, update), the
    person (dm, upload, ephemeral) or the file id (delete_file)."""

    kind: str
    target: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    ref: MessageRef | None = None
    channel: str | None = None  # ephemeral: where it was shown
    files: tuple[Upload, ...] = ()
    file_ids: tuple[str, ...] = ()


@dataclass
class _Person:
    user: SlackUser
    email: str | None = None
    undeliverable: str | None = None  # the DeliveryFailed reason


@dataclass
class RecordingMessenger:
    """A ``Messenger`` that records instead of sending. Thread-safe."""

    team_id: str = "T0TEAM"
    events: list[Event] = field(default_factory=list)
    messages: dict[MessageRef, Event] = field(default_factory=dict)  # as they stand now
    channels_without_bot: set[str] = field(default_factory=set)
    deleted_files: list[str] = field(default_factory=list)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> Home tab now
    _people: dict[str, _Person] = field(default_factory=dict)
    _unknown: set[str] = field(default_factory=set)
    _blocked: dict[str, str] = field(default_factory=dict)  # channel -> reason
    _failures: deque[tuple[str, DeliveryFailed]] = field(default_factory=deque)
    _seq: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # -- switches -------------------------------------------------------------------------

    def add_user(
        self, user_id: str, *, email: str | None = None, tz: str | None = "Europe/London",
        team_id: str | None = None, deleted: bool = False, is_bot: bool = False,
    ) -> None:
        """Describe a person (anyone not described exists, in ``team_id``, in London)."""
        user = SlackUser(user_id, team_id or self.team_id, tz, deleted, is_bot)
        with self._lock:
            self._people[user_id] = _Person(user, email)
            self._unknown.discard(user_id)

    def deactivate(self, user_id: str) -> None:
        """The person's account is deactivated: DMs and uploads to them fail."""
        self._set(user_id, deleted=True)

    def remove_user(self, user_id: str) -> None:
        """Slack knows no such user: ``user_info`` is None, DMs fail."""
        with self._lock:
            self._people.pop(user_id, None)
            self._unknown.add(user_id)

    def make_undeliverable(self, user_id: str, reason: str = "the account is deactivated") -> None:
        """DMs, uploads and ephemerals to ``user_id`` fail with ``reason`` until restored."""
        self._set(user_id, undeliverable=reason)

    def make_deliverable(self, user_id: str) -> None:
        """Undo ``deactivate``, ``remove_user`` and ``make_undeliverable``."""
        with self._lock:
            self._unknown.discard(user_id)
        self._set(user_id, deleted=False, undeliverable=None)

    def block_channel(self, channel: str, reason: str = "the bot is not in that channel") -> None:
        """Posts to ``channel`` fail with ``reason`` (and ``bot_in_channel`` is False)."""
        with self._lock:
            self._blocked[channel] = reason
            self.channels_without_bot.add(channel)

    def fail_next(
        self, kind: str, reason: str = "Slack kept failing (500) after 5 tries",
        *, transient: bool = True,
    ) -> None:
        """The next call of ``kind`` (post, update, dm, ephemeral, upload, delete_file, home)
        fails."""
        with self._lock:
            self._failures.append((kind, DeliveryFailed("Slack", reason, transient=transient)))

    # -- the Messenger protocol -----------------------------------------------------------

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        with self._lock:
            self._check(POST, channel)
            if channel in self._blocked:
                raise DeliveryFailed(channel, self._blocked[channel], code="not_in_channel")
            return self._message(POST, channel, channel, text, blocks)

    def update(self, ref: MessageRef, text: str, blocks: Blocks | None = None) -> None:
        with self._lock:
            self._check(UPDATE, ref.channel)
            if ref not in self.messages:
                raise DeliveryFailed(ref.channel, "the message no longer exists",
                                     code="message_not_found")
            event = Event(UPDATE, ref.channel, text, _plain(blocks), ref)
            self.events.append(event)
            self.messages[ref] = event

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        with self._lock:
            self._check(DM, user_id)
            self._reachable(user_id)
            return self._message(DM, user_id, f"D{user_id[1:]}", text, blocks)

    def ephemeral(
        self, channel: str, user_id: str, text: str, blocks: Blocks | None = None
    ) -> None:
        with self._lock:
            self._check(EPHEMERAL, user_id)
            self._reachable(user_id)
            self.events.append(Event(EPHEMERAL, user_id, text, _plain(blocks), channel=channel))

    def upload_to_dm(self, user_id: str, files: Sequence[Upload], comment: str) -> list[str]:
        with self._lock:
            self._check(UPLOAD, user_id)
            self._reachable(user_id)
            ids = tuple(f"F{self._next():08d}" for _ in files)
            self.events.append(
                Event(UPLOAD, user_id, comment, files=tuple(files), file_ids=ids)
            )
            return list(ids)

    def delete_file(self, file_id: str) -> None:
        with self._lock:
            self._check(DELETE_FILE, file_id)
            self.events.append(Event(DELETE_FILE, file_id))
            self.deleted_files.append(file_id)

    def lookup_email(self, email: str) -> str | None:
        with self._lock:
            for user_id, person in self._people.items():
                if person.email and person.email.casefold() == email.casefold():
                    return None if person.user.deleted else user_id
            return None

    def user_info(self, user_id: str) -> SlackUser | None:
        with self._lock:
            return None if user_id in self._unknown else self._person(user_id).user

    def bot_in_channel(self, channel: str) -> bool:
        with self._lock:
            return channel not in self.channels_without_bot

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        with self._lock:
            self._check(HOME, user_id)
            if user_id in self._unknown:
                raise DeliveryFailed(user_id, "no Slack user with that id", code="user_not_found")
            self.events.append(Event(HOME, user_id, blocks=_plain(view.get("blocks"))))
            self.homes[user_id] = view

    # -- reading the transcript -----------------------------------------------------------

    def of_kind(self, kind: str, target: str | None = None) -> list[Event]:
        """The events of one kind, optionally to one target, in order."""
        with self._lock:
            return [e for e in self.events if e.kind == kind and target in (None, e.target)]

    def dms_to(self, user_id: str) -> list[str]:
        """The text of every DM sent to ``user_id``."""
        return [e.text for e in self.of_kind(DM, user_id)]

    def current(self, ref: MessageRef) -> Event:
        """A posted message as it stands after its updates."""
        with self._lock:
            return self.messages[ref]

    # -- helpers ---------------------------------------------------------------------------

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _person(self, user_id: str) -> _Person:
        return self._people.get(user_id) or _Person(
            SlackUser(user_id, self.team_id, "Europe/London", False, False)
        )

    def _set(self, user_id: str, **changes: Any) -> None:
        with self._lock:
            person = self._person(user_id)
            deleted = changes.get("deleted", person.user.deleted)
            user = SlackUser(user_id, person.user.team_id, person.user.tz, deleted,
                             person.user.is_bot)
            reason = changes.get("undeliverable", person.undeliverable)
            self._people[user_id] = _Person(user, person.email, reason)

    def _check(self, kind: str, target: str) -> None:
        if self._failures and self._failures[0][0] == kind:
            _, failure = self._failures.popleft()
            raise DeliveryFailed(target, failure.reason, code="fake", transient=failure.transient)

    def _reachable(self, user_id: str) -> None:
        if user_id in self._unknown:
            raise DeliveryFailed(user_id, "no Slack user with that id", code="user_not_found")
        person = self._person(user_id)
        if person.undeliverable:
            raise DeliveryFailed(user_id, person.undeliverable, code="undeliverable")
        if person.user.deleted:
            raise DeliveryFailed(user_id, "the account is deactivated", code="user_disabled")
        if person.user.is_bot:
            raise DeliveryFailed(user_id, "that is a bot, not a person", code="cannot_dm_bot")
        if person.user.team_id != self.team_id:
            raise DeliveryFailed(user_id, "the user belongs to another workspace",
                                 code="other_workspace")

    def _message(
        self, kind: str, target: str, channel: str, text: str, blocks: Blocks | None
    ) -> MessageRef:
        ref = MessageRef(channel, f"1700000000.{self._next():06d}")
        event = Event(kind, target, text, _plain(blocks), ref)
        self.events.append(event)
        self.messages[ref] = event
        return ref


def _plain(blocks: Blocks | None) -> list[dict[str, Any]] | None:
    if blocks is None:
        return None
    return [b.to_dict() if isinstance(b, Block) else dict(b) for b in blocks]
