"""A person using Slack, as data: ``SlackPerson`` does what a person does in Slack (a slash
command, a button, typing into a modal, Next, closing it) by sending the signed HTTP request
Slack itself would send to the app's ``POST /slack/events``, and plays the app's answers into
the ``FakeSlack`` view store, as Slack would show them.

    alice = SlackPerson(fake, "U0POLICE1", app_url=server.url, signing_secret=secret)
    alice.open_from(alice.last_dm(), "return_start")      # Start: waits for the modal
    alice.fill({"0.2": "Safeguarding lead", "0.4": "2026-11-24"})
    alice.choose("A1", "yes_child")                        # a choice that re-renders the page
    assert alice.submit().ok                               # Next: the app's answer is applied

What Slack does on the person's side is modelled: every input's state is its initial value
until changed; typed values survive a ``views.update`` that keeps the block; a required input
left empty or an over-long text is refused by the client (nothing is sent: ``Sent.status`` 0
and ``client_errors``); a datepicker can only hold a real date. ``new_window()`` gives a second
window of the same person (another device): the fake keeps one modal stack per person, so
acting in a window brings its stack to the front again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, urlencode

from .fake import FakeSlack
from .render import flatten_blocks
from .state import Message, View

T = TypeVar("T")
Json = dict[str, Any]
Answer = str | int | float | date | Sequence[str] | None
"""A value a person types or picks: text, an option value (a list for multi choices), a date
(``date`` or ISO text), a user id, a number; None clears the input."""

EVENTS_PATH = "/slack/events"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"

# element type -> (state key, initial key); multi-valued kinds default to [] rather than None
_STATEFUL: dict[str, tuple[str, str]] = {
    "plain_text_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "radio_buttons": ("selected_option", "initial_option"),
    "static_select": ("selected_option", "initial_option"),
    "checkboxes": ("selected_options", "initial_options"),
    "multi_static_select": ("selected_options", "initial_options"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
}
_MULTI = {"checkboxes", "multi_static_select", "multi_users_select"}
_OPTIONS = {"radio_buttons", "static_select", "checkboxes", "multi_static_select"}
_TEXT = {"plain_text_input", "email_text_input", "url_text_input"}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class Mark:
    """What the person could see when a request was sent: their open modals (id → hash, top
    last), and how many DMs and only-you messages they had."""

    views: tuple[tuple[str, str], ...]
    dms: int
    ephemerals: int


@dataclass(frozen=True)
class Sent:
    """One request and the app's HTTP answer. ``status`` 0: the Slack client refused it
    itself (``client_errors``) and nothing was sent."""

    status: int
    body: Any  # parsed JSON, else the text, None when empty
    request: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    mark: Mark | None = None
    client_errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Sent, answered 200, and not answered with errors."""
        return self.status == 200 and self.response_action != "errors"

    @property
    def response_action(self) -> str | None:
        return self.body.get("response_action") if isinstance(self.body, dict) else None

    @property
    def errors(self) -> dict[str, str]:
        """Errors shown under inputs: the app's (``response_action: errors``) or the client's."""
        if self.client_errors:
            return dict(self.client_errors)
        if self.response_action == "errors":
            return dict(self.body.get("errors") or {})
        return {}

    @property
    def payload(self) -> Json:
        """What was sent, decoded: the interactivity payload, or a slash command's fields."""
        fields = {k: v[-1] for k, v in parse_qs(self.request.decode(), True).items()}
        if "payload" in fields:
            decoded: Json = json.loads(fields["payload"])
            return decoded
        return dict(fields)


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with ``body``: form content type, timestamp and v0 signature."""
    at = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(at).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": USER_AGENT,
        "X-Slack-Request-Timestamp": str(at),
        "X-Slack-Signature": f"v0={digest}",
    }


def wait_for(
    predicate: Callable[[], T | Literal[False] | None], timeout: float = 5.0, what: str = "it"
) -> T:
    """Poll ``predicate`` until it returns something truthy (returned); TimeoutError after
    ``timeout`` seconds. For the app's background effects (DMs, view updates)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:g}s for {what}")
        time.sleep(0.01)


_ts_lock = threading.Lock()
_last_ts = [0.0]


def _action_ts() -> str:
    """A unique, increasing ``seconds.micros`` action timestamp."""
    with _ts_lock:
        _last_ts[0] = max(round(time.time(), 6), round(_last_ts[0] + 0.000001, 6))
        return f"{_last_ts[0]:.6f}"


def _auto_id(block: Any, n: int) -> str:
    """The id Slack gives a block posted without one (random there, stable here)."""
    digest = hashlib.sha1(f"{n}:{json.dumps(block, sort_keys=True)}".encode()).hexdigest()
    return digest[:5]


def _with_block_ids(blocks: Sequence[Any]) -> list[Any]:
    return [
        {**b, "block_id": b.get("block_id") or _auto_id(b, n)} if isinstance(b, dict) else b
        for n, b in enumerate(blocks)
    ]


def _stateful(block: Json) -> list[Json]:
    """The elements of a block that keep state (an input's element, selects in actions)."""
    found = [block.get("element"), *(block.get("elements") or []), block.get("accessory")]
    return [e for e in found if isinstance(e, dict) and e.get("type") in _STATEFUL]


def _initial(element: Json) -> Json:
    kind = str(element["type"])
    key, initial_key = _STATEFUL[kind]
    default: Any = [] if kind in _MULTI else None
    return {"type": kind, key: element.get(initial_key, default)}


def _options(element: Json) -> list[Json]:
    groups = element.get("option_groups") or []
    nested = [o for g in groups for o in g.get("options") or []]
    return list(element.get("options") or []) + nested


def _option(element: Json, value: str) -> Json:
    for option in _options(element):
        if option.get("value") == value:
            return dict(option)
    offered = [o.get("value") for o in _options(element)]
    raise ValueError(f"{value!r} is not offered here; the options are {offered}")


def _typed(element: Json, value: Answer) -> Json:
    """The state of ``element`` holding ``value``, as Slack reports it."""
    kind = str(element["type"])
    key, _ = _STATEFUL[kind]
    if value is None or value == []:
        return {"type": kind, key: [] if kind in _MULTI else None}
    if kind in _OPTIONS and kind in _MULTI:
        values = [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
        return {"type": kind, key: [_option(element, str(v)) for v in values]}
    if isinstance(value, Sequence) and not isinstance(value, str):
        raise ValueError(f"a {kind} holds one value, not {value!r}")
    text = value.isoformat() if isinstance(value, date) else str(value)
    if kind in _OPTIONS:
        return {"type": kind, key: _option(element, text)}
    if kind == "datepicker":
        if len(text) != 10:
            raise ValueError(f"a datepicker holds a day such as 2026-03-05, not {text!r}")
        date.fromisoformat(text)  # a datepicker cannot hold 2026-02-31
    if kind == "timepicker" and not _TIME.match(text):
        raise ValueError(f"a timepicker holds HH:MM, not {text!r}")
    if kind == "datetimepicker":
        return {"type": kind, key: int(text)}
    if kind == "multi_users_select":
        return {"type": kind, key: [text]}
    return {"type": kind, key: text}


def _client_problem(block: Json, element: Json, state: Json) -> str | None:
    """What the Slack client says before sending a submission (None: it sends it)."""
    kind = str(element["type"])
    key, _ = _STATEFUL[kind]
    value = state.get(key)
    if block.get("type") == "input" and not block.get("optional") and value in (None, "", []):
        return "Please complete this required field."
    if kind in _TEXT and isinstance(value, str):
        longest, shortest = element.get("max_length"), element.get("min_length")
        if isinstance(longest, int) and len(value) > longest:
            return f"Please enter {longest} characters or fewer (you have {len(value)})."
        if isinstance(shortest, int) and len(value) < shortest:
            return f"Please enter at least {shortest} characters."
    if kind == "number_input" and isinstance(value, str) and value:
        if not _NUMBER.match(value.strip()):
            return "Please enter a number."
        number = float(value)
        low, high = element.get("min_value"), element.get("max_value")
        if not element.get("is_decimal_allowed") and not number.is_integer():
            return "Please enter a whole number."
        if (low is not None and number < float(low)) or (high is not None and number > float(high)):
            return "Please enter a number in the allowed range."
    return None


class SlackPerson:
    """One person (or one window of them) acting in Slack against the app at ``app_url``.

    Thread-safe: several people (each their own ``SlackPerson``) may act at once.
    """

    def __init__(
        self,
        fake: FakeSlack,
        user_id: str,
        *,
        app_url: str,
        signing_secret: str,
        team_id: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.fake = fake
        self.user_id = user_id
        self.app_url = app_url.rstrip("/")
        self.signing_secret = signing_secret
        self.timeout = timeout
        with fake.world.lock:
            user = fake.world.users.get(user_id)
            self.name = user.name if user else user_id.lower()
            self.team_id = team_id or (user.team_id if user else "") or fake.team_id
        self._lock = threading.RLock()
        self._stack: list[str] = []  # this window's modals, bottom first
        self._filled: dict[str, tuple[int, Json]] = {}  # view id -> (versions, touched)

    def __repr__(self) -> str:
        return f"SlackPerson({self.user_id!r})"

    def new_window(self) -> SlackPerson:
        """Another window (device) of the same person, with no modal open in it yet."""
        return SlackPerson(self.fake, self.user_id, app_url=self.app_url,
                           signing_secret=self.signing_secret, team_id=self.team_id,
                           timeout=self.timeout)  # fmt: skip

    # -- what the person sees -------------------------------------------------------------

    def dm_messages(self) -> list[Message]:
        return self.fake.dm_messages(self.user_id)

    def last_dm(self) -> Message:
        messages = self.dm_messages()
        if not messages:
            raise LookupError(f"{self.user_id} has no DM from the bot")
        return messages[-1]

    def ephemerals(self) -> list[Message]:
        """Messages only this person saw (ephemeral replies)."""
        return self.fake.ephemeral_messages(self.user_id)

    def last_ephemeral(self) -> Message:
        found = self.ephemerals()
        if not found:
            raise LookupError(f"{self.user_id} has seen no ephemeral message")
        return found[-1]

    def current_view(self) -> View:
        """The top modal of this window (LookupError when none is open)."""
        with self._lock:
            top = self._top()
            if top is None:
                raise LookupError(f"{self.user_id} has no modal open")
            return self.fake.view(top)

    def state_values(self) -> Json:
        """``view.state.values`` of the current modal as Slack would send it now."""
        with self._lock:
            return self._state(self.current_view())

    # -- typing and choosing ---------------------------------------------------------------

    def fill(self, answers: Mapping[str, Answer] | None = None, /, **more: Answer) -> None:
        """Type or pick values in the current modal. Keys are block ids, or answer ids
        (``"A1"`` → ``q|A1``); a text for continuation boxes (``q|A4|0``, ``q|A4|1``...) is
        split across them. Python names can't hold dots: use the mapping for ``"0.2"``."""
        with self._lock:
            view = self.current_view()
            touched = self._touched(view)
            for key, value in {**(answers or {}), **more}.items():
                for block_id, element, typed in self._resolve(view, key, value):
                    touched[block_id] = {str(element["action_id"]): typed}
            self._filled[view.id] = (len(view.versions), touched)

    def choose(self, block_id: str, value: Answer, *, await_update: bool = True) -> Sent | None:
        """Pick ``value`` and, when the block dispatches actions, send the block_actions
        payload as Slack does on selection (then wait for the app to update the modal)."""
        with self._lock:
            self.fill({block_id: value})
            view = self.current_view()
            (real_id, element, _), *_ = self._resolve(view, block_id, value)
            block = next(b for b in self._blocks(view) if b.get("block_id") == real_id)
            if not block.get("dispatch_action"):
                return None
            state = self._state(view)
            action = {
                "block_id": real_id,
                "action_id": element["action_id"],
                **state[real_id][str(element["action_id"])],
                "action_ts": _action_ts(),
            }
            sent = self._send_payload(self._view_action(view, state, action))
        if await_update and sent.status == 200:
            self.await_view(sent)
        return sent

    # -- buttons -----------------------------------------------------------------------------

    def click(
        self, message: Message, action_id: str, value: str | Mapping[str, str] | None = None
    ) -> Sent:
        """Press a button in a message (a DM card, an ephemeral reply)."""
        blocks = _with_block_ids(message.blocks)
        block_id, button = _find_button(blocks, action_id, value)
        is_ephemeral = message.ephemeral_to is not None
        payload = self._base("block_actions", trigger=True) | {
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": is_ephemeral,
            },
            "channel": {"id": message.channel, "name": self._channel_name(message.channel)},
            "state": {"values": {}},
            "response_url": self.fake.response_url(message.channel, self.user_id),
            "actions": [_button_action(block_id, button)],
        }
        if not is_ephemeral:
            payload["message"] = message.to_api() | {
                "bot_id": self.fake.world.bot_id,
                "app_id": self.fake.world.app_id,
                "team": self.fake.team_id,
                "blocks": blocks,
            }
        return self._send_payload(payload)

    def open_from(self, message: Message, action_id: str) -> View:
        """Press a button that opens a modal, and wait for it."""
        return self.await_view(self.click(message, action_id))

    def click_in_view(
        self,
        action_id: str,
        value: str | Mapping[str, str] | None = None,
        *,
        await_update: bool = True,
    ) -> Sent:
        """Press a button in the current modal (Back, Add row...): the payload carries the
        modal with its state. Waits for the app to update or push a modal."""
        with self._lock:
            view = self.current_view()
            block_id, button = _find_button(self._blocks(view), action_id, value)
            state = self._state(view)
            sent = self._send_payload(
                self._view_action(view, state, _button_action(block_id, button))
            )
        if await_update and sent.status == 200:
            self.await_view(sent)
        return sent

    # -- the App Home ------------------------------------------------------------------------

    def home(self) -> View | None:
        """The bot's Home tab as this person sees it now (None before anything was published)."""
        with self.fake.world.lock:
            view_id = self.fake.world.home_views.get(self.user_id)
        return self.fake.view(view_id) if view_id else None

    def open_home(self) -> Sent:
        """Open the bot's Home tab: the ``app_home_opened`` event Slack sends (a JSON body)."""
        world = self.fake.world
        with world.lock:
            event_id, at = world.mint("Ev"), int(world.clock())
            current = world.home_views.get(self.user_id)
            shown = None
            if current is not None:
                shown = world.views[current].to_api(world.team_id, world.app_id, world.bot_id)
        event: Json = {"type": "app_home_opened", "user": self.user_id, "tab": "home",
                       "channel": f"D{self.user_id[1:]}", "event_ts": f"{at}.000100"}  # fmt: skip
        if shown is not None:
            event["view"] = shown
        body = json.dumps({
            "token": "legacy-verification-token", "team_id": self.team_id,
            "api_app_id": world.app_id, "event": event, "type": "event_callback",
            "event_id": event_id, "event_time": at,
        }).encode()  # fmt: skip
        headers = signed_headers(self.signing_secret, body) | {"Content-Type": "application/json"}
        return self.send_raw(body, headers)

    def click_in_home(self, action_id: str, value: str | Mapping[str, str] | None = None) -> Sent:
        """Press a button on the Home tab: block_actions from the home view (no response_url:
        Slack gives a Home nowhere to answer but the Home itself, or a modal)."""
        view = self.home()
        if view is None:
            raise LookupError(f"{self.user_id} has no Home tab published")
        block_id, button = _find_button(self._blocks(view), action_id, value)
        world = self.fake.world
        with world.lock:
            shown = view.to_api(world.team_id, world.app_id, world.bot_id)
        payload = self._base("block_actions", trigger=True) | {
            "container": {"type": "view", "view_id": view.id},
            "view": shown | {"blocks": self._blocks(view), "state": {"values": {}}},
            "actions": [_button_action(block_id, button)],
        }
        return self._send_payload(payload)

    def await_home(self, text: str, timeout: float | None = None) -> View:
        """Wait until the Home tab shows ``text`` (in its blocks, as flattened text)."""

        def showing() -> View | None:
            view = self.home()
            return view if view and text in "\n".join(flatten_blocks(view.blocks)) else None

        return self.wait_for(showing, timeout, f"{self.user_id}'s Home to show {text!r}")

    # -- submitting and closing ----------------------------------------------------------

    def submit(self) -> Sent:
        """Press the modal's submit button: view_submission, then the app's answer is played
        into the fake (update / errors / push / clear / close). The client refuses to send a
        page with a required input empty or a text too long (status 0, ``client_errors``)."""
        with self._lock:
            view = self.current_view()
            if "submit" not in view.view:
                raise ValueError(f"{view.id} has no submit button")
            state = self._state(view)
            problems = self._client_errors(view, state)
            if problems:
                return Sent(0, None, client_errors=problems)
            payload = self._base("view_submission", trigger=True) | {
                "view": self._view_payload(view, state),
                "response_urls": [],
            }
            self._focus()
            sent = self._send_payload(payload)
            if sent.status == 200:
                body = sent.body if isinstance(sent.body, dict) else None
                self._focus()
                self.fake.apply_view_response(view.id, body)
                self._adopt()
            return sent

    def close(self, *, await_update: bool = False) -> Sent | None:
        """Close the top modal (Cancel / Close). Slack sends view_closed with its state only
        when the modal asked for it (``notify_on_close``); otherwise None.

        ``await_update``: the app answers this closing by updating the modal beneath it (a
        row's window closed: its page is shown again with a fresh revision). The app acks
        view_closed first and calls ``views.update`` afterwards, so wait until the page has
        changed, as a person sees it change, before the next step: an update still in flight
        would otherwise land after the next click and be taken for its answer (or leave the
        page with a revision already saved over)."""
        with self._lock:
            view = self.current_view()
            state = self._state(view)
            self._focus()
            self.fake.close_view(view.id)
            self._adopt()
            if not view.view.get("notify_on_close"):
                return None
            payload = self._base("view_closed", trigger=False) | {
                "view": self._view_payload(view, state),
                "is_cleared": False,
            }
            sent = self._send_payload(payload)
        if await_update and sent.status == 200:
            self.await_view(sent)
        return sent

    # -- commands and raw requests --------------------------------------------------------

    def command(self, text: str, channel_id: str, command: str = "/rrm") -> Sent:
        """Type ``/rrm <text>`` in ``channel_id``."""
        with self.fake.world.lock:
            channel = self.fake.world.channels.get(channel_id)
            channel_name = channel.name if channel else "directmessage"
        fields = {
            "token": "legacy-verification-token", "team_id": self.team_id,
            "team_domain": self._domain(), "channel_id": channel_id,
            "channel_name": channel_name, "user_id": self.user_id, "user_name": self.name,
            "command": command, "text": text, "api_app_id": self.fake.world.app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(channel_id, self.user_id),
            "trigger_id": self.fake.trigger_id(self.user_id),
        }  # fmt: skip
        return self.send_raw(urlencode(fields).encode())

    def send_payload(self, payload: Mapping[str, Any]) -> Sent:
        """Send an interactivity payload as Slack does (``payload=<json>``, signed)."""
        return self._send_payload(dict(payload))

    def replay(self, sent: Sent | Mapping[str, Any]) -> Sent:
        """Send someone else's interactivity payload (or any payload) as if this person had
        acted: same content, this person as user and team, fresh trigger id, response_url
        and action_ts."""
        payload = sent.payload if isinstance(sent, Sent) else json.loads(json.dumps(sent))
        payload["user"] = self._user()
        payload["team"] = {"id": self.team_id, "domain": self._domain()}
        if "trigger_id" in payload:
            payload["trigger_id"] = self.fake.trigger_id(self.user_id)
        container = payload.get("container") or {}
        if "response_url" in payload and container.get("channel_id"):
            payload["response_url"] = self.fake.response_url(container["channel_id"], self.user_id)
        for action in payload.get("actions") or []:
            action["action_ts"] = _action_ts()
        return self._send_payload(payload)

    def resend(self, sent: Sent, *, retry_num: int = 1, reason: str = "http_timeout") -> Sent:
        """Slack's retry of a request: the same body, signed afresh, with retry headers."""
        headers = signed_headers(self.signing_secret, sent.request) | {
            "X-Slack-Retry-Num": str(retry_num),
            "X-Slack-Retry-Reason": reason,
        }
        return self.send_raw(sent.request, headers)

    def send_raw(self, body: bytes, headers: Mapping[str, str] | None = None) -> Sent:
        """POST ``body`` to the app as it is, signed now unless ``headers`` are given (for
        replays and forgeries). Nothing is played into the fake."""
        mark = self._mark()
        sent_headers = (
            dict(headers) if headers is not None else signed_headers(self.signing_secret, body)
        )
        request = urllib.request.Request(
            f"{self.app_url}{EVENTS_PATH}", data=body, headers=sent_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, raw = error.code, error.read()
        return Sent(status, _parse(raw), body, sent_headers, mark)

    # -- waiting for what the app does after answering -------------------------------------

    def wait_for(
        self,
        predicate: Callable[[], T | Literal[False] | None],
        timeout: float | None = None,
        what: str = "it",
    ) -> T:
        return wait_for(predicate, self.timeout if timeout is None else timeout, what)

    def await_view(self, sent: Sent, timeout: float | None = None) -> View:
        """Wait until this window's top modal is one the person had not seen like this when
        ``sent`` went (a new modal, or the same one updated), and return it."""
        seen = dict(sent.mark.views) if sent.mark else {}

        def changed() -> View | None:
            with self.fake.world.lock:
                stack = self.fake.world.modal_stacks.get(self.user_id) or []
                top = self.fake.world.views[stack[-1]] if stack else None
                if top is None or seen.get(top.id) == top.hash:
                    return None
            return self.fake.view(top.id)

        view = self.wait_for(changed, timeout, f"a modal to open or change for {self.user_id}")
        with self._lock:
            self._adopt()
        return view

    def await_ephemeral(self, sent: Sent, timeout: float | None = None) -> Message:
        """Wait for the first message only this person sees after ``sent``."""
        count = sent.mark.ephemerals if sent.mark else 0
        found = self.wait_for(
            lambda: self.ephemerals()[count:], timeout, f"an ephemeral message to {self.user_id}"
        )
        return found[0]

    def await_dm(self, sent: Sent, timeout: float | None = None) -> Message:
        """Wait for the first new DM to this person after ``sent``."""
        count = sent.mark.dms if sent.mark else 0
        found = self.wait_for(
            lambda: self.dm_messages()[count:], timeout, f"a DM to {self.user_id}"
        )
        return found[0]

    # -- internals ------------------------------------------------------------------------

    def _send_payload(self, payload: Json) -> Sent:
        return self.send_raw(urlencode({"payload": json.dumps(payload)}).encode())

    def _mark(self) -> Mark:
        with self._lock, self.fake.world.lock:
            world = self.fake.world
            stack = self._stack or world.modal_stacks.get(self.user_id) or []
            views = tuple((v, world.views[v].hash) for v in stack)
            dm = world.dm_channel_of(self.user_id)
            dms = len([m for m in world.messages.get(dm.id, []) if not m.deleted]) if dm else 0
            ephemerals = sum(m.ephemeral_to == self.user_id for m in world.ephemerals)
        return Mark(views, dms, ephemerals)

    def _top(self) -> str | None:
        with self.fake.world.lock:
            theirs = self.fake.world.modal_stacks.get(self.user_id) or []
            if not self._stack or (theirs and theirs[0] == self._stack[0]):
                self._stack = list(theirs)
        return self._stack[-1] if self._stack else None

    def _adopt(self) -> None:
        """After this window acted, what the fake shows is this window's stack."""
        with self.fake.world.lock:
            self._stack = list(self.fake.world.modal_stacks.get(self.user_id) or [])

    def _focus(self) -> None:
        """Bring this window's modals to the front (the fake shows one stack per person)."""
        world = self.fake.world
        with world.lock:
            theirs = world.modal_stacks.get(self.user_id) or []
            if not self._stack or theirs == self._stack:
                return
            for view_id in theirs:
                world.views[view_id].closed = True
            for view_id in self._stack:
                world.views[view_id].closed = False
            world.modal_stacks[self.user_id] = list(self._stack)

    def _blocks(self, view: View) -> list[Json]:
        return [b for b in _with_block_ids(view.blocks) if isinstance(b, dict)]

    def _touched(self, view: View) -> Json:
        """What the person typed or picked in ``view`` that Slack still holds: the entries
        whose block survived every update of the modal since (errors don't update it)."""
        if view.id not in self._filled:
            return {}
        seen, touched = self._filled[view.id]
        for _, method, definition in view.versions[seen:]:
            if method != "response_action:errors":
                kept = {b.get("block_id") for b in definition.get("blocks") or []}
                touched = {k: v for k, v in touched.items() if k in kept}
        return dict(touched)

    def _state(self, view: View) -> Json:
        """Every stateful element's state: what the person typed or picked, else the
        element's initial value (as Slack reports untouched inputs)."""
        touched = self._touched(view)
        state: Json = {}
        for block in self._blocks(view):
            for element in _stateful(block):
                action_id = str(element.get("action_id") or _auto_id(element, 0))
                current = touched.get(block["block_id"], {}).get(action_id)
                state.setdefault(block["block_id"], {})[action_id] = current or _initial(element)
        return state

    def _resolve(self, view: View, key: str, value: Answer) -> list[tuple[str, Json, Json]]:
        """(block id, element, typed state) for a fill key, continuation boxes split."""
        blocks = {b["block_id"]: b for b in self._blocks(view) if _stateful(b)}
        for block_id in (key, f"q|{key}"):
            if block_id in blocks:
                element = _stateful(blocks[block_id])[0]
                return [(block_id, element, _typed(element, value))]
        boxes = sorted(
            (int(b.rsplit("|", 1)[1]), b)
            for b in blocks
            if b.startswith(f"q|{key}|") and b.rsplit("|", 1)[1].isdigit()
        )
        if not boxes:
            raise KeyError(
                f"{key!r} is not on {view.id} “{view.title}”; its inputs are {sorted(blocks)}"
            )
        return self._boxes(blocks, [b for _, b in boxes], value)

    def _boxes(self, blocks: Json, ids: list[str], value: Answer) -> list[tuple[str, Json, Json]]:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"continuation boxes hold text, not {value!r}")
        text, found = value or "", []
        for n, block_id in enumerate(ids):
            element = _stateful(blocks[block_id])[0]
            size = int(element.get("max_length") or 3000)
            part = text[:size] if n < len(ids) - 1 else text
            text = text[len(part) :]
            found.append((block_id, element, _typed(element, part or None)))
        return found

    def _client_errors(self, view: View, state: Json) -> dict[str, str]:
        problems = {}
        for block in self._blocks(view):
            for element in _stateful(block):
                action_id = str(element.get("action_id") or _auto_id(element, 0))
                problem = _client_problem(block, element, state[block["block_id"]][action_id])
                if problem and block.get("type") == "input":
                    problems[block["block_id"]] = problem
        return problems

    def _user(self) -> Json:
        return {
            "id": self.user_id,
            "username": self.name,
            "name": self.name,
            "team_id": self.team_id,
        }

    def _domain(self) -> str:
        return "fake-partnership" if self.team_id == self.fake.team_id else self.team_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        with self.fake.world.lock:
            channel = self.fake.world.channels.get(channel_id)
            return "directmessage" if channel is None or channel.is_im else channel.name

    def _base(self, kind: str, *, trigger: bool) -> Json:
        base: Json = {
            "type": kind,
            "team": {"id": self.team_id, "domain": self._domain()},
            "user": self._user(),
            "api_app_id": self.fake.world.app_id,
            "token": "legacy-verification-token",
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if trigger:
            base["trigger_id"] = self.fake.trigger_id(self.user_id)
        return base

    def _view_payload(self, view: View, state: Json) -> Json:
        world = self.fake.world
        with world.lock:
            shown = view.to_api(world.team_id, world.app_id, world.bot_id)
        return shown | {
            "close": view.view.get("close"),  # null when the modal has none, as Slack sends
            "submit": view.view.get("submit"),
            "blocks": self._blocks(view),
            "state": {"values": state},
            "clear_on_close": bool(view.view.get("clear_on_close", False)),
            "notify_on_close": bool(view.view.get("notify_on_close", False)),
            "app_installed_team_id": world.team_id,
        }

    def _view_action(self, view: View, state: Json, action: Json) -> Json:
        self._focus()
        return self._base("block_actions", trigger=True) | {
            "container": {"type": "view", "view_id": view.id},
            "view": self._view_payload(view, state),
            "actions": [action],
        }


def _find_button(
    blocks: Sequence[Any], action_id: str, value: str | Mapping[str, str] | None
) -> tuple[str, Json]:
    """(block id, button) of the one button with ``action_id`` (and ``value``: the exact
    value, or items its JSON value must contain)."""
    found = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        elements = [*(block.get("elements") or []), block.get("accessory")]
        for el in elements:
            if (
                isinstance(el, dict)
                and el.get("type") == "button"
                and el.get("action_id") == action_id
                and _value_matches(el.get("value"), value)
            ):
                found.append((str(block["block_id"]), el))
    if len(found) != 1:
        shown = [b.get("value") for _, b in found]
        raise LookupError(f"{len(found)} buttons {action_id!r} match {value!r}: {shown}")
    return found[0]


def _value_matches(actual: Any, wanted: str | Mapping[str, str] | None) -> bool:
    if wanted is None:
        return True
    if isinstance(wanted, str):
        return bool(actual == wanted)
    try:
        decoded = json.loads(actual)
    except (TypeError, ValueError):
        return False
    if not isinstance(decoded, dict):
        return False
    return all(decoded.get(k) == v for k, v in wanted.items())


def _button_action(block_id: str, button: Json) -> Json:
    action: Json = {
        "action_id": button["action_id"],
        "block_id": block_id,
        "text": button.get("text"),
        "type": "button",
        "action_ts": _action_ts(),
    }
    for key in ("value", "style"):
        if key in button:
            action[key] = button[key]
    return action


def _parse(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
