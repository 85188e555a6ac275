"""``FakeSlack``: a local Slack Web API for tests and the offline demo.

    with FakeSlack() as slack:
        slack.add_user("U0POLICE1", real_name="Pat Police", email="pat@police.example")
        slack.add_channel("C0REVIEWS", "rapid-reviews", members=["U0COORD1"])
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        ...
        assert slack.calls_to("chat.postMessage")
        print(slack.transcript())

Everything handed out is a copy taken under the lock, safe to read while the app runs.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

from .api_views import apply_response
from .render import transcript
from .server import Fault, Router, make_server
from .state import Call, Channel, File, Message, User, View, World


class FakeSlack:
    def __init__(
        self,
        *,
        team_id: str = "T0TEAM",
        bot_token: str = "xoxb-fake-bot-token",
        bot_user_id: str = "U0RRMBOT",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.world = World(
            team_id=team_id, bot_token=bot_token, bot_user_id=bot_user_id, clock=clock
        )
        self._router = Router(self.world)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = make_server(self._router)
        host, port = self._server.server_address[:2]
        self.world.base_url = f"http://{host!s}:{port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakeslack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if not self.world.base_url:
            raise RuntimeError("FakeSlack is not started")
        return self.world.base_url

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT/api/``: the ``base_url`` for ``slack_sdk.WebClient``."""
        return f"{self.base_url}api/"

    @property
    def bot_token(self) -> str:
        return self.world.bot_token

    @property
    def bot_user_id(self) -> str:
        return self.world.bot_user_id

    @property
    def team_id(self) -> str:
        return self.world.team_id

    # -- the workspace --------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "Europe/London",
        *,
        deleted: bool = False,
        is_bot: bool = False,
        is_stranger: bool = False,
        team_id: str | None = None,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
        dm_error: str | None = None,
    ) -> User:
        """A person (or, with ``is_stranger``/``team_id``, someone from another organisation).
        ``is_restricted``/``is_ultra_restricted`` make a guest; ``dm_error`` is the error
        ``conversations.open`` (and a post to their id) answers for them, e.g. "cannot_dm_bot"
        or "not_allowed_token_type" for a Slack Connect person the app may not message."""
        name = name or user_id.lower()
        ZoneInfo(tz)  # an unknown zone fails here, not inside a later users.info
        user = User(
            user_id, name, real_name or name, email, tz, deleted, is_bot, is_stranger, team_id or ""
        )
        user.is_restricted, user.is_ultra_restricted = is_restricted, is_ultra_restricted
        user.dm_error = dm_error
        with self.world.lock:
            return copy.deepcopy(self.world.add_user(user))

    def deactivate_user(self, user_id: str) -> None:
        with self.world.lock:
            self.world.users[user_id].deleted = True

    def refuse_dms(self, user_id: str, error: str | None = "cannot_dm_bot") -> None:
        """From now on ``conversations.open`` with ``user_id`` answers ``error`` (None: DMs
        work again), as for an external person whose organisation blocks apps' DMs."""
        with self.world.lock:
            self.world.users[user_id].dm_error = error

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: Iterable[str] = (),
        *,
        bot_is_member: bool = True,
        is_private: bool = False,
    ) -> Channel:
        people = list(dict.fromkeys(members))
        if bot_is_member and self.bot_user_id not in people:
            people.append(self.bot_user_id)
        with self.world.lock:
            return copy.deepcopy(
                self.world.add_channel(Channel(channel_id, name, people, is_private))
            )

    def set_bot_membership(self, channel_id: str, member: bool) -> None:
        """Invite the bot to a channel (``/invite @rrm``) or remove it."""
        with self.world.lock:
            members = self.world.channels[channel_id].members
            if member and self.bot_user_id not in members:
                members.append(self.bot_user_id)
            elif not member and self.bot_user_id in members:
                members.remove(self.bot_user_id)

    def trigger_id(self, user_id: str) -> str:
        """A fresh trigger id for an interaction payload from ``user_id``."""
        with self.world.lock:
            trigger = f"{self.world.next_seq()}.{int(self.world.clock())}.{self.world.next_seq():x}"
            self.world.triggers[trigger] = user_id
            return trigger

    def response_url(self, channel_id: str, user_id: str) -> str:
        """A response_url for a slash command or action from ``user_id`` in ``channel_id``."""
        with self.world.lock:
            key = self.world.mint("R")
            self.world.response_urls[key] = (channel_id, user_id)
        return f"{self.base_url}response/{key}"

    def close_view(self, view_id: str) -> None:
        """The user closed a modal, and any stacked above it."""
        with self.world.lock:
            view = self.world.views[view_id]
            stack = self.world.modal_stacks.get(view.user or "", [])
            closing = stack[stack.index(view_id) :] if view_id in stack else [view_id]
            for closed in closing:
                self.world.views[closed].closed = True
                if closed in stack:
                    stack.remove(closed)

    def apply_view_response(self, view_id: str, body: dict[str, Any] | None) -> View | None:
        """Play the app's HTTP answer to a view_submission on ``view_id`` as Slack would
        (``response_action`` update / push / errors / clear, or a bare ack that closes it).
        Returns a copy of the view now on top of the user's stack, if any."""
        with self.world.lock:
            top = apply_response(self.world, view_id, body)
            return copy.deepcopy(top)

    # -- fault injection ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with a failure: HTTP 429 with a
        ``Retry-After`` header, a 5xx, or (``status=200, error=...``) an ``ok: false``.
        ``method`` may also be ``UPLOAD`` or ``RESPONSE_URL``."""
        if status == 200 and not error:
            raise ValueError("an ok:false fault needs its error code")
        if status != 200 and not 400 <= status <= 599:
            raise ValueError(f"status {status} is not a failure")
        default = {429: "ratelimited", 503: "service_unavailable"}.get(status, "internal_error")
        self._router.add_faults(method, Fault(status, retry_after, error or default), times)

    @property
    def faults_served(self) -> int:
        with self.world.lock:
            return sum(call.fault for call in self.world.calls)

    # -- what happened --------------------------------------------------------------------

    def _copy(self, read: Callable[[World], Any]) -> Any:
        with self.world.lock:
            return copy.deepcopy(read(self.world))

    @property
    def calls(self) -> list[Call]:
        """Every request received, in order, faults included."""
        result: list[Call] = self._copy(lambda w: w.calls)
        return result

    def calls_to(self, method: str, *, include_faults: bool = False) -> list[Call]:
        """The calls to ``method`` that reached the workspace (answered ok or with an error);
        with ``include_faults`` also those answered by ``fail_next``."""
        return [c for c in self.calls if c.method == method and (include_faults or not c.fault)]

    def clear_calls(self) -> None:
        with self.world.lock:
            self.world.calls.clear()

    def dm_channel(self, user_id: str) -> str | None:
        with self.world.lock:
            channel = self.world.dm_channel_of(user_id)
            return channel.id if channel else None

    def messages(self, channel_id: str, *, include_deleted: bool = False) -> list[Message]:
        """The channel's messages as they stand now (``versions`` holds each one's history)."""
        found: list[Message] = self._copy(lambda w: w.messages.get(channel_id, []))
        return [m for m in found if include_deleted or not m.deleted]

    def dm_messages(self, user_id: str, *, include_deleted: bool = False) -> list[Message]:
        channel = self.dm_channel(user_id)
        return self.messages(channel, include_deleted=include_deleted) if channel else []

    def ephemeral_messages(self, user_id: str) -> list[Message]:
        """Messages only ``user_id`` saw: chat.postEphemeral and response_url replies."""
        found: list[Message] = self._copy(lambda w: w.ephemerals)
        return [m for m in found if m.ephemeral_to == user_id]

    def views_of(self, user_id: str) -> list[View]:
        """Every modal and home tab shown to ``user_id``, in the order first shown."""
        found: list[View] = self._copy(lambda w: list(w.views.values()))
        return [v for v in found if v.user == user_id]

    def view(self, view_id: str) -> View:
        found: View = self._copy(lambda w: w.views[view_id])
        return found

    def files_in(self, channel_id: str, *, include_deleted: bool = False) -> list[File]:
        found: list[File] = self._copy(lambda w: list(w.files.values()))
        return [f for f in found if channel_id in f.channels and (include_deleted or not f.deleted)]

    def file(self, file_id: str) -> File:
        found: File = self._copy(lambda w: w.files[file_id])
        return found

    def transcript(self) -> str:
        """What each person saw, as text: channels first, then person by person."""
        with self.world.lock:
            return transcript(self.world)
