"""The only way the service layer talks to Slack: the ``Messenger`` protocol, and
``SlackMessenger``, which implements it over a ``slack_sdk.WebClient``.

Every refusal surfaces as ``DeliveryFailed`` with a reason the owner can act on; nothing is
swallowed, and nothing here logs message text.
"""

from __future__ import annotations

import time
import urllib.error
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.models.blocks import Block
from slack_sdk.web import SlackResponse

from bot.slack.client import refusal, server_error_policy

Blocks: TypeAlias = Sequence[dict[str, Any] | Block]


@dataclass(frozen=True)
class MessageRef:
    """Where a message is, to update it in place: the channel and Slack's ``ts``."""

    channel: str
    ts: str


@dataclass(frozen=True)
class Upload:
    """A file to upload (a pack as PDF or HTML)."""

    filename: str
    content: bytes
    title: str | None = None


@dataclass(frozen=True)
class SlackUser:
    """What the bot needs to know about a person (``tz`` None when Slack gives none; ``name``
    their real or display name, for the pack's cover)."""

    id: str
    team_id: str
    tz: str | None
    deleted: bool
    is_bot: bool
    name: str | None = None
    guest: bool = False  # a multi- or single-channel guest (is_restricted/is_ultra_restricted)


class DeliveryFailed(Exception):
    """Slack did not take it. ``reason`` is plain English for the owner; ``transient`` says
    whether trying again later may work; ``code`` is Slack's error code or the HTTP status."""

    def __init__(
        self, target: str, reason: str, *, code: str = "", transient: bool = False
    ) -> None:
        super().__init__(f"could not deliver to {target}: {reason}")
        self.target = target
        self.reason = reason
        self.code = code
        self.transient = transient


class Messenger(Protocol):
    """Posting, DMs, updates, ephemerals, uploads and look-ups. Raises ``DeliveryFailed``."""

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        """Post in a channel the bot is in; the ref allows updating it in place."""
        ...

    def update(self, ref: MessageRef, text: str, blocks: Blocks | None = None) -> None:
        """Replace a posted message (the status card)."""
        ...

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        """Send a DM, after checking the person can receive it."""
        ...

    def ephemeral(
        self, channel: str, user_id: str, text: str, blocks: Blocks | None = None
    ) -> None:
        """Show a message in ``channel`` to ``user_id`` only."""
        ...

    def upload_to_dm(self, user_id: str, files: Sequence[Upload], comment: str) -> list[str]:
        """Upload files into the person's DM with one comment; returns the file ids."""
        ...

    def delete_file(self, file_id: str) -> None:
        """Delete an uploaded file (a file already gone is not an error)."""
        ...

    def lookup_email(self, email: str) -> str | None:
        """The id of the active user with this email, or None."""
        ...

    def user_info(self, user_id: str) -> SlackUser | None:
        """The person, or None if Slack knows no such user."""
        ...

    def bot_in_channel(self, channel: str) -> bool:
        """Whether the bot is a member of the channel."""
        ...

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """Show ``view`` (a ``home`` view) on the person's Home tab of the bot."""
        ...


class SlackMessenger:
    """``Messenger`` over a ``WebClient`` built by ``bot.slack.client.make_web_client``.

    Before a DM or an upload the person is checked with ``users.info`` (unknown, deactivated,
    a bot, or a stranger of another organisation sharing no channel with the app), then the DM
    is opened with ``conversations.open``: Slack accepts a post to a deactivated user's id
    without complaint, and nobody would ever read it. A Slack Connect person the app shares a
    channel with is tried like anyone else.
    """

    def __init__(self, client: WebClient, *, team_id: str | None = None) -> None:
        self._client = client
        self._team_id = team_id
        self._tries, self._interval = server_error_policy(client)

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        """Post in a channel; a user id is sent as ``dm``."""
        if channel[:1] in ("U", "W"):
            return self.dm(channel, text, blocks)
        sent = self._call(
            channel, self._client.chat_postMessage, channel=channel, text=text, blocks=blocks
        )
        return MessageRef(str(sent["channel"]), str(sent["ts"]))

    def update(self, ref: MessageRef, text: str, blocks: Blocks | None = None) -> None:
        self._call(
            ref.channel,
            self._client.chat_update,
            channel=ref.channel,
            ts=ref.ts,
            text=text,
            blocks=blocks,
        )

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        channel = self._open_dm(user_id)
        sent = self._call(
            user_id, self._client.chat_postMessage, channel=channel, text=text, blocks=blocks
        )
        return MessageRef(str(sent["channel"]), str(sent["ts"]))

    def ephemeral(
        self, channel: str, user_id: str, text: str, blocks: Blocks | None = None
    ) -> None:
        self._call(
            channel,
            self._client.chat_postEphemeral,
            channel=channel,
            user=user_id,
            text=text,
            blocks=blocks,
        )

    def upload_to_dm(self, user_id: str, files: Sequence[Upload], comment: str) -> list[str]:
        """Upload ``files`` into the person's DM with one comment (``files.uploadV2``: get an
        upload URL, send the bytes, complete) and return their file ids. A 5xx on the byte
        upload (which the client's retry handlers do not see) retries the whole upload."""
        channel = self._open_dm(user_id)
        items = [
            {"content": f.content, "filename": f.filename, "title": f.title or f.filename}
            for f in files
        ]
        attempt = 1
        while True:
            try:
                done = self._call(
                    user_id,
                    self._client.files_upload_v2,
                    channel=channel,
                    file_uploads=items,
                    initial_comment=comment,
                )
                return [str(f["id"]) for f in done.get("files") or [done["file"]]]
            except urllib.error.HTTPError as exc:
                exc.close()  # the SDK leaves the failed upload's connection open
                if exc.code < 500 or attempt >= self._tries:
                    failed = refusal(exc.code, None, attempt)
                    raise DeliveryFailed(
                        user_id, failed.reason, code=failed.code, transient=failed.transient
                    ) from None
            time.sleep(self._interval.calculate_sleep_duration(attempt - 1))
            attempt += 1

    def delete_file(self, file_id: str) -> None:
        """Delete a file the bot uploaded; one already gone counts as deleted."""
        try:
            self._call(file_id, self._client.files_delete, file=file_id)
        except DeliveryFailed as exc:
            if exc.code not in ("file_not_found", "file_deleted"):
                raise

    def lookup_email(self, email: str) -> str | None:
        """The id of the active user with that email, or None."""
        try:
            found = self._call(email, self._client.users_lookupByEmail, email=email)
        except DeliveryFailed as exc:
            if exc.code == "users_not_found":
                return None
            raise
        return str(found["user"]["id"])

    def user_info(self, user_id: str) -> SlackUser | None:
        """The person, or None when Slack knows no user with that id."""
        try:
            user = self._call(user_id, self._client.users_info, user=user_id)["user"]
        except DeliveryFailed as exc:
            if exc.code == "user_not_found":
                return None
            raise
        return SlackUser(
            str(user["id"]),
            str(user.get("team_id") or ""),
            user.get("tz") or None,
            bool(user.get("deleted")),
            bool(user.get("is_bot")),
            _name_of(user),
            bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
        )

    def bot_in_channel(self, channel: str) -> bool:
        """Whether the bot is a member (a private channel it is not in is invisible: False)."""
        try:
            found = self._call(channel, self._client.conversations_info, channel=channel)
        except DeliveryFailed as exc:
            if exc.code == "channel_not_found":
                return False
            raise
        info = found["channel"]
        return bool(info.get("is_member") or info.get("is_im"))

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._call(user_id, self._client.views_publish, user_id=user_id, view=view)

    # -- helpers ---------------------------------------------------------------------------

    def _open_dm(self, user_id: str) -> str:
        user = self._call(user_id, self._client.users_info, user=user_id)["user"]
        problem, code = _unreachable_person(user, self._team())
        if problem:
            raise DeliveryFailed(user_id, problem, code=code)
        opened = self._call(user_id, self._client.conversations_open, users=user_id)
        return str(opened["channel"]["id"])

    def _team(self) -> str:
        if self._team_id is None:
            self._team_id = str(self._call("Slack", self._client.auth_test)["team_id"])
        return self._team_id

    def _call(self, target: str, method: Callable[..., SlackResponse], **args: Any) -> Any:
        try:
            return method(**{k: v for k, v in args.items() if v is not None})
        except SlackApiError as exc:
            failed = refusal(exc.response.status_code, exc.response.data, self._tries)
            raise DeliveryFailed(
                target, failed.reason, code=failed.code, transient=failed.transient
            ) from None
        except SlackRequestError:
            raise DeliveryFailed(target, "Slack refused the request", code="request") from None
        except urllib.error.HTTPError:
            raise  # the byte upload of files_upload_v2; upload_to_dm retries it
        except OSError as exc:  # URLError, timeouts, resets: the client has retried already
            reason = f"could not reach Slack ({type(exc).__name__})"
            raise DeliveryFailed(target, reason, code="unreachable", transient=True) from None


def _unreachable_person(user: dict[str, Any], team_id: str) -> tuple[str, str]:
    """Why a DM to this ``users.info`` user would go nowhere (and Slack's code), or ("", "")."""
    if user.get("deleted"):
        return "the account is deactivated", "user_disabled"
    if user.get("is_bot"):
        return "that is a bot, not a person", "cannot_dm_bot"
    if user.get("is_stranger"):  # another organisation's, sharing no channel with the app
        return "the user belongs to another workspace", "other_workspace"
    # Someone of another workspace who shares a channel with the app (Slack Connect) is tried
    # like anyone else: conversations.open says whether their organisation lets the app in.
    return "", ""


def _name_of(user: dict[str, Any]) -> str | None:
    raw_profile = user.get("profile")
    profile: dict[str, Any] = raw_profile if isinstance(raw_profile, dict) else {}
    for candidate in (user.get("real_name"), profile.get("real_name"), profile.get("display_name")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None
