"""SlackPerson against a stand-in app that records what it receives: signed requests shaped
like Slack's (compared with the real payload samples in tests/e2e/fixtures), modal state as
Slack keeps it, what the Slack client refuses, and the app's answers played into the fake."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.fakeslack import FakeSlack, SlackPerson

SECRET = "unit-secret"
USER = "U0POLICE1"
FIXTURES = Path(__file__).parent.parent / "e2e" / "fixtures"
Answer = Callable[[dict[str, Any]], tuple[int, Any]]


class StandIn:
    """An app that checks Slack's signature, keeps every payload and answers with ``answer``."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answer: Answer = lambda payload: (200, None)
        verifier = SignatureVerifier(SECRET)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                if not verifier.is_valid_request(body, dict(self.headers.items())):
                    return self._reply(401, None)
                fields = {k: v[-1] for k, v in parse_qs(body).items()}
                payload = json.loads(fields["payload"]) if "payload" in fields else fields
                outer.received.append(payload)
                self._reply(*outer.answer(payload))

            def _reply(self, status: int, body: Any) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user(USER, "pat", "Pat Police")
        slack.add_channel("C0CASES", "rapid-reviews", members=[USER])
        yield slack


@pytest.fixture
def app() -> Iterator[StandIn]:
    stand_in = StandIn()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


@pytest.fixture
def person(fake: FakeSlack, app: StandIn) -> SlackPerson:
    return SlackPerson(fake, USER, app_url=app.url, signing_secret=SECRET)


def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def radio(block_id: str, values: list[str], *, dispatch: bool = False,
          initial: str | None = None, optional: bool = True) -> dict[str, Any]:  # fmt: skip
    options = [{"text": {"type": "plain_text", "text": v.title()}, "value": v} for v in values]
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": "v", "options": options}
    if initial:
        element["initial_option"] = next(o for o in options if o["value"] == initial)
    block = {"type": "input", "block_id": block_id, "optional": optional, "element": element,
             "label": {"type": "plain_text", "text": block_id}}  # fmt: skip
    return block | ({"dispatch_action": True} if dispatch else {})


def text(block_id: str, initial: str | None = None, *, optional: bool = True,
         max_length: int | None = None) -> dict[str, Any]:  # fmt: skip
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "v"}
    if initial is not None:
        element["initial_value"] = initial
    if max_length:
        element["max_length"] = max_length
    return {"type": "input", "block_id": block_id, "optional": optional, "element": element,
            "label": {"type": "plain_text", "text": block_id}}  # fmt: skip


def modal(*blocks: dict[str, Any], notify: bool = True, **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "callback_id": "page", "title": {"type": "plain_text", "text": "T"},
            "submit": {"type": "plain_text", "text": "Next"}, "notify_on_close": notify,
            "private_metadata": '{"s":"0"}', "blocks": list(blocks), **extra}  # fmt: skip


def open_modal(fake: FakeSlack, view: dict[str, Any]) -> str:
    opened = client(fake).views_open(trigger_id=fake.trigger_id(USER), view=view)
    return str(opened["view"]["id"])


def keys_like(sample: Any, sent: Any, path: str = "") -> list[str]:
    """Keys the real sample has that the sent payload lacks, recursively through objects."""
    if not isinstance(sample, dict) or not isinstance(sent, dict):
        return []
    missing = [f"{path}/{k}" for k in sample if k not in sent and k != "_comment"]
    for key in sample.keys() & sent.keys():
        if key not in ("state", "values", "blocks", "elements"):
            missing += keys_like(sample[key], sent[key], f"{path}/{key}")
    return missing


def sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


# -- requests shaped like Slack's ----------------------------------------------------------


def test_a_slash_command_carries_slacks_fields_and_a_fresh_trigger(
    fake: FakeSlack, app: StandIn, person: SlackPerson
) -> None:
    sent = person.command("status RR-1", "C0CASES")

    assert sent.status == 200
    (fields,) = app.received
    assert keys_like(sample("slash_command"), fields) == []
    assert (fields["command"], fields["text"], fields["channel_name"]) == (
        "/rrm", "status RR-1", "rapid-reviews")  # fmt: skip
    assert fields["response_url"].startswith(fake.base_url)
    opened = client(fake).views_open(trigger_id=fields["trigger_id"], view=modal(text("q|x")))
    assert fake.views_of(USER)[0].id == opened["view"]["id"]  # the trigger is this person's


def test_a_wrong_secret_is_what_the_app_refuses(fake: FakeSlack, app: StandIn) -> None:
    forger = SlackPerson(fake, USER, app_url=app.url, signing_secret="guessed")
    assert forger.command("help", "C0CASES").status == 401
    assert app.received == []


def test_a_button_in_a_dm_is_a_block_actions_payload_like_slacks(
    fake: FakeSlack, app: StandIn, person: SlackPerson
) -> None:
    button = {"type": "button", "action_id": "return_start", "value": '{"r": 1}',
              "text": {"type": "plain_text", "text": "Start"}, "style": "primary"}  # fmt: skip
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Please answer"}},
        {"type": "actions", "block_id": "request", "elements": [button]},
    ]
    client(fake).chat_postMessage(channel=USER, text="A request", blocks=blocks)

    person.click(person.last_dm(), "return_start")

    (payload,) = app.received
    assert keys_like(sample("block_actions_message"), payload) == []
    assert payload["actions"][0]["value"] == '{"r": 1}'
    assert payload["container"]["message_ts"] == person.last_dm().ts
    assert all(b.get("block_id") for b in payload["message"]["blocks"])  # as Slack adds them


def test_submit_sends_every_input_with_its_initial_value_unless_changed(
    fake: FakeSlack, app: StandIn, person: SlackPerson
) -> None:
    view_id = open_modal(fake, modal(text("q|0.2", "kept"), text("q|0.3"),
                                     radio("q|A1", ["yes", "no"], initial="no")))  # fmt: skip
    person.fill({"0.3": "typed"})

    assert person.submit().status == 200

    (payload,) = app.received
    assert keys_like(sample("view_submission"), payload) == []
    assert payload["view"]["id"] == view_id and payload["view"]["hash"]
    values = payload["view"]["state"]["values"]
    assert values["q|0.2"] == {"v": {"type": "plain_text_input", "value": "kept"}}
    assert values["q|0.3"] == {"v": {"type": "plain_text_input", "value": "typed"}}
    assert values["q|A1"]["v"]["selected_option"]["value"] == "no"
    assert fake.view(view_id).closed  # a bare ack closes the modal


def test_what_the_slack_client_refuses_is_never_sent(
    fake: FakeSlack, app: StandIn, person: SlackPerson
) -> None:
    open_modal(fake, modal(radio("q|A1", ["yes"], optional=False), text("q|n", max_length=5),
                           {"type": "input", "block_id": "q|d", "optional": True, "label": {"type": "plain_text",
                            "text": "d"}, "element": {"type": "datepicker", "action_id": "v"}}))  # fmt: skip
    person.fill({"n": "too long"})

    refused = person.submit()

    assert refused.status == 0 and app.received == []
    assert set(refused.errors) == {"q|A1", "q|n"}
    with pytest.raises(ValueError, match="not offered"):
        person.fill({"A1": "maybe"})
    with pytest.raises(ValueError):
        person.fill({"d": "2026-02-31"})  # a datepicker cannot hold it
    with pytest.raises(KeyError, match="is not on"):
        person.fill({"Z9": "x"})


def test_a_long_text_goes_on_in_the_continuation_boxes(
    fake: FakeSlack, app: StandIn, person: SlackPerson
) -> None:
    boxes = [text(f"q|A4|{n}", max_length=3000) for n in range(2)]
    open_modal(fake, modal(*boxes))
    person.fill({"A4": "x" * 3000 + "y" * 10})

    values = person.state_values()

    assert values["q|A4|0"]["v"]["value"] == "x" * 3000
    assert values["q|A4|1"]["v"]["value"] == "y" * 10


# -- the app's answers played into the fake ----------------------------------------------------


def test_a_choice_that_dispatches_waits_for_the_update_and_typing_survives_it(
    fake: FakeSlack, app: StandIn, person: SlackPerson
) -> None:
    page = modal(text("q|note"), radio("q|C4", ["yes", "no"], dispatch=True))
    view_id = open_modal(fake, page)

    def update(payload: dict[str, Any]) -> tuple[int, Any]:
        follow_up = modal(*page["blocks"], text("q|C5"))
        client(fake).views_update(view_id=payload["view"]["id"], view=follow_up,
                                  hash=payload["view"]["hash"])  # fmt: skip
        return 200, None

    app.answer = update
    person.fill({"note": "typed first"})
    sent = person.choose("C4", "yes")

    assert sent is not None and sent.status == 200
    (payload,) = app.received
    assert keys_like(sample("block_actions_view"), payload) == []
    assert payload["container"] == {"type": "view", "view_id": view_id}
    assert payload["actions"][0]["selected_option"]["value"] == "yes"
    values = person.state_values()
    assert "q|C5" in values  # the updated modal
    assert values["q|note"]["v"]["value"] == "typed first"  # Slack keeps what was typed


def test_errors_push_and_clear_are_shown_as_slack_shows_them(
    fake: FakeSlack, app: StandIn, person: SlackPerson
) -> None:
    view_id = open_modal(fake, modal(text("q|date")))
    app.answer = lambda p: (200, {"response_action": "errors", "errors": {"q|date": "Not a date"}})
    person.fill({"date": "31/02/2026"})

    refused = person.submit()

    assert refused.errors == {"q|date": "Not a date"} and not refused.ok
    assert person.current_view().id == view_id
    assert person.state_values()["q|date"]["v"]["value"] == "31/02/2026"  # the text is kept

    app.answer = lambda p: (200, {"response_action": "push", "view": modal(text("q|row"))})
    assert person.submit().ok
    assert person.current_view().id != view_id
    app.answer = lambda p: (200, {"response_action": "clear"})
    person.submit()
    assert [v.closed for v in fake.views_of(USER)] == [True, True]


def test_close_tells_the_app_only_when_the_modal_asked(
    fake: FakeSlack, app: StandIn, person: SlackPerson
) -> None:
    open_modal(fake, modal(text("q|x"), notify=False))
    assert person.close() is None and app.received == []

    open_modal(fake, modal(text("q|x")))
    person.fill({"x": "half typed"})
    sent = person.close()

    assert sent is not None and sent.status == 200
    (payload,) = app.received
    assert keys_like(sample("view_closed"), payload) == []
    assert payload["view"]["state"]["values"]["q|x"]["v"]["value"] == "half typed"
    assert all(v.closed for v in fake.views_of(USER))


def test_two_windows_of_one_person_each_submit_their_own_modal(
    fake: FakeSlack, app: StandIn, person: SlackPerson
) -> None:
    laptop_view = open_modal(fake, modal(text("q|a")))
    person.current_view()  # the laptop window holds this modal
    phone = person.new_window()
    phone_view = open_modal(fake, modal(text("q|b")))  # Slack shows it on the phone

    assert phone.current_view().id == phone_view
    assert person.current_view().id == laptop_view
    person.fill({"a": "from the laptop"})
    phone.fill({"b": "from the phone"})
    assert person.submit().ok and phone.submit().ok

    assert [p["view"]["id"] for p in app.received] == [laptop_view, phone_view]
    assert fake.view(laptop_view).closed and fake.view(phone_view).closed


def test_replay_and_resend(fake: FakeSlack, app: StandIn, person: SlackPerson) -> None:
    fake.add_user("U0OTHER", "olly")
    other = SlackPerson(fake, "U0OTHER", app_url=app.url, signing_secret=SECRET)
    first = person.command("help", "C0CASES")

    again = person.resend(first)
    other.replay(sample("block_actions_message"))

    assert again.request == first.request and again.headers["X-Slack-Retry-Num"] == "1"
    assert app.received[1] == app.received[0]
    assert app.received[2]["user"]["id"] == "U0OTHER"
    assert app.received[2]["trigger_id"] != sample("block_actions_message")["trigger_id"]
