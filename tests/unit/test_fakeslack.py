"""The fake Slack Web API, driven by the real slack_sdk WebClient (and once by Bolt)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import FixedValueRetryIntervalCalculator, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.fakeslack import RESPONSE_URL, UPLOAD, FakeSlack, flatten_blocks

COORD, POLICE, HEALTH, GONE, OTHER_BOT, STRANGER = (
    "U0COORD1",
    "U0POLICE1",
    "U0HEALTH1",
    "U0GONE01",
    "U0OTHERBOT",
    "U0STRANGE",
)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(label: str, action_id: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id}


def text_input(label: str, action_id: str, initial: str | None = None) -> dict[str, Any]:
    element = {"type": "plain_text_input", "action_id": action_id}
    if initial is not None:
        element["initial_value"] = initial
    return {"type": "input", "label": {"type": "plain_text", "text": label}, "element": element}


def modal(title: str, *blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": list(blocks)}
    return {**view, **extra}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(clock=lambda: 1_795_000_000.0) as fake:
        fake.add_user(COORD, "coord", "Casey Coordinator", "casey@partnership.example")
        fake.add_user(POLICE, "pat", "Pat Police", "pat@police.example", tz="Europe/London")
        fake.add_user(HEALTH, "hana", "Hana Health", "hana@health.example", "America/New_York")
        fake.add_user(GONE, "gone", "Gone Person", "gone@police.example", deleted=True)
        fake.add_user(OTHER_BOT, "otherbot", "Other Bot", is_bot=True)
        fake.add_user(STRANGER, "ext", "External Person", is_stranger=True, team_id="T0OTHER")
        fake.add_channel("C0REVIEWS", "rapid-reviews", [COORD, POLICE])
        fake.add_channel("C0NOBOT", "no-bot-here", [COORD], bot_is_member=False)
        fake.add_channel("G0SECRET", "secret", [COORD], bot_is_member=False, is_private=True)
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.api_url)


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return str(caught.value.response["error"])


# -- server and recording -------------------------------------------------------------------


def test_serves_on_an_ephemeral_local_port_and_stops() -> None:
    fake = FakeSlack().start()
    assert fake.api_url.startswith("http://127.0.0.1:") and fake.api_url.endswith("/api/")
    WebClient(token=fake.bot_token, base_url=fake.api_url).auth_test()
    fake.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(fake.api_url + "auth.test", data=b"", timeout=2)


def test_auth_test_and_bad_tokens(slack: FakeSlack, client: WebClient) -> None:
    me = client.auth_test()
    assert (me["team_id"], me["user_id"], me["bot_id"]) == ("T0TEAM", "U0RRMBOT", "B0RRMBOT")
    assert error_of(WebClient(token="xoxb-wrong", base_url=slack.api_url).auth_test) == (
        "invalid_auth"
    )
    assert error_of(WebClient(base_url=slack.api_url).auth_test) == "not_authed"
    assert [c.token for c in slack.calls_to("auth.test")] == [slack.bot_token, "xoxb-wrong", None]


def test_records_json_form_and_query_arguments(slack: FakeSlack, client: WebClient) -> None:
    blocks = [section("*RR-2026-014*")]
    client.chat_postMessage(channel="C0REVIEWS", text="json body", blocks=blocks)
    form = {"channel": "C0REVIEWS", "text": "form", "blocks": json.dumps(blocks)}
    client.api_call("chat.postMessage", data=form)
    client.users_info(user=POLICE)  # sent as a query string
    posts = slack.calls_to("chat.postMessage")
    assert [p.args["blocks"] for p in posts] == [blocks, blocks]
    assert slack.calls_to("users.info")[0].args == {"user": POLICE}
    assert all(c.at == 1_795_000_000.0 and c.ok and c.status == 200 for c in slack.calls)


def test_unknown_method_is_answered_and_recorded_with_its_files(
    slack: FakeSlack, client: WebClient
) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("files.upload", data={"channels": "C0REVIEWS"}, files={"file": b"abc"})
    assert caught.value.response["error"] == "unknown_method"
    (call,) = slack.calls_to("files.upload")
    assert call.files == {"file": b"abc"} and call.args == {"channels": "C0REVIEWS"}


def test_calls_from_many_threads_are_all_recorded(slack: FakeSlack, client: WebClient) -> None:
    def post(i: int) -> None:
        client.chat_postMessage(channel="C0REVIEWS", text=f"message {i}")

    threads = [threading.Thread(target=post, args=(i,)) for i in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    messages = slack.messages("C0REVIEWS")
    assert len(messages) == 25 == len({m.ts for m in messages})
    assert [m.ts for m in messages] == sorted(m.ts for m in messages)


def test_bolt_app_boots_against_the_fake(slack: FakeSlack, client: WebClient) -> None:
    App(signing_secret="secret", client=client)  # Bolt verifies the token with auth.test
    assert len(slack.calls_to("auth.test")) == 1


# -- messages ------------------------------------------------------------------------------


def test_post_to_a_user_opens_their_dm(slack: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel=POLICE, text="You're asked for a return")
    second = client.chat_postMessage(channel=POLICE, text="Reminder")
    opened = client.conversations_open(users=POLICE)
    assert first["channel"] == second["channel"] == opened["channel"]["id"] == "D0POLICE1"
    assert opened["already_open"] is True
    assert slack.dm_channel(POLICE) == "D0POLICE1"
    assert [m.text for m in slack.dm_messages(POLICE)] == ["You're asked for a return", "Reminder"]
    assert slack.dm_messages(HEALTH) == []


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("C0NOBOT", "not_in_channel"),
        ("G0SECRET", "channel_not_found"),  # private, and the bot is not in it
        ("C0NOWHERE", "channel_not_found"),
        ("U0NOBODY", "channel_not_found"),
        (OTHER_BOT, "cannot_dm_bot"),
    ],
)
def test_post_message_errors(client: WebClient, channel: str, error: str) -> None:
    assert error_of(client.chat_postMessage, channel=channel, text="hello") == error


def test_post_message_checks_content_like_slack(client: WebClient) -> None:
    with pytest.warns(UserWarning, match="text"):
        assert error_of(client.chat_postMessage, channel="C0REVIEWS") == "no_text"
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0REVIEWS", text="x", blocks=[section("y" * 3001)])
    assert caught.value.response["error"] == "invalid_blocks"
    assert caught.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    duplicate = [{**section("a"), "block_id": "b1"}, {**section("b"), "block_id": "b1"}]
    assert error_of(client.chat_postMessage, channel="C0REVIEWS", text="x", blocks=duplicate) == (
        "invalid_blocks"
    )


def test_deactivated_users(slack: FakeSlack, client: WebClient) -> None:
    assert error_of(client.conversations_open, users=GONE) == "user_disabled"
    assert error_of(client.users_lookupByEmail, email="gone@police.example") == "users_not_found"
    assert client.users_info(user=GONE)["user"]["deleted"] is True
    # Slack accepts a post to a deactivated user's id; nobody will read it.
    assert client.chat_postMessage(channel=GONE, text="anyone?")["ok"]
    slack.deactivate_user(POLICE)
    assert error_of(client.conversations_open, users=POLICE) == "user_disabled"


def test_update_keeps_the_history_and_delete_hides(slack: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0REVIEWS", text="Returns received 0/3")
    ts = posted["ts"]
    client.chat_update(channel="C0REVIEWS", ts=ts, text="Returns received 1/3")
    client.chat_update(channel="C0REVIEWS", ts=ts, text="Returns received 2/3")
    (card,) = slack.messages("C0REVIEWS")
    assert card.text == "Returns received 2/3"
    assert [v["text"] for v in card.versions] == [f"Returns received {n}/3" for n in range(3)]
    assert error_of(client.chat_update, channel="C0REVIEWS", ts="1.000001", text="x") == (
        "message_not_found"
    )
    client.chat_delete(channel="C0REVIEWS", ts=ts)
    assert slack.messages("C0REVIEWS") == []
    assert slack.messages("C0REVIEWS", include_deleted=True)[0].deleted
    assert error_of(client.chat_delete, channel="C0REVIEWS", ts=ts) == "message_not_found"


def test_ephemeral_messages(slack: FakeSlack, client: WebClient) -> None:
    client.chat_postEphemeral(channel="C0REVIEWS", user=COORD, text="Only you can see this")
    assert error_of(client.chat_postEphemeral, channel="C0REVIEWS", user=HEALTH, text="x") == (
        "user_not_in_channel"
    )
    assert [m.text for m in slack.ephemeral_messages(COORD)] == ["Only you can see this"]
    assert slack.messages("C0REVIEWS") == []


def test_response_url_replies(slack: FakeSlack) -> None:
    url = slack.response_url("C0NOBOT", COORD)
    assert WebhookClient(url).send(text="Invite me first: /invite @rrm").status_code == 200
    assert WebhookClient(url).send(text="Opened", response_type="in_channel").status_code == 200
    assert [m.text for m in slack.ephemeral_messages(COORD)] == ["Invite me first: /invite @rrm"]
    assert [m.text for m in slack.messages("C0NOBOT")] == ["Opened"]
    assert len(slack.calls_to(RESPONSE_URL)) == 2


# -- conversations and users ---------------------------------------------------------------


def test_conversation_info_and_members(client: WebClient) -> None:
    assert client.conversations_info(channel="C0REVIEWS")["channel"]["is_member"] is True
    assert client.conversations_info(channel="C0NOBOT")["channel"]["is_member"] is False
    assert error_of(client.conversations_info, channel="G0SECRET") == "channel_not_found"
    first = client.conversations_members(channel="C0REVIEWS", limit=2)
    assert first["members"] == [COORD, POLICE]
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_members(channel="C0REVIEWS", limit=2, cursor=cursor)
    assert rest["members"] == ["U0RRMBOT"] and rest["response_metadata"]["next_cursor"] == ""


def test_users(client: WebClient) -> None:
    hana = client.users_info(user=HEALTH)["user"]
    assert (hana["tz"], hana["tz_offset"]) == ("America/New_York", -5 * 3600)  # in November
    assert hana["profile"]["email"] == "hana@health.example"
    assert client.users_lookupByEmail(email="PAT@police.example")["user"]["id"] == POLICE
    stranger = client.users_info(user=STRANGER)["user"]
    assert (stranger["team_id"], stranger["is_stranger"]) == ("T0OTHER", True)
    assert error_of(client.users_info, user="U0NOBODY") == "user_not_found"
    assert error_of(client.conversations_open, users="U0NOBODY") == "user_not_found"
    assert error_of(client.conversations_open, users=OTHER_BOT) == "cannot_dm_bot"


# -- views ---------------------------------------------------------------------------------


def test_views_open_push_update(slack: FakeSlack, client: WebClient) -> None:
    trigger = slack.trigger_id(POLICE)
    page1 = modal("Agency return", section("Section 1 of 11"))
    opened = client.views_open(trigger_id=trigger, view=page1)["view"]
    assert error_of(client.views_open, trigger_id=trigger, view=page1) == "exchanged_trigger_id"
    assert error_of(client.views_open, trigger_id="not-a-trigger", view=page1) == (
        "invalid_trigger_id"
    )
    page2 = modal("Agency return", section("Section 2 of 11"))
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=page2)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    stale = {"view_id": opened["id"], "hash": opened["hash"], "view": page1}
    assert error_of(client.views_update, **stale) == "hash_conflict"
    for n in (1, 2):
        pushed = client.views_push(trigger_id=slack.trigger_id(POLICE), view=modal(f"Help {n}"))
        assert pushed["view"]["root_view_id"] == opened["id"]
    assert error_of(client.views_push, trigger_id=slack.trigger_id(POLICE), view=page1) == (
        "push_limit_reached"
    )
    (first, *_) = slack.views_of(POLICE)
    assert [v[1] for v in first.versions] == ["views.open", "views.update"]
    assert flatten_blocks(first.blocks) == ["Section 2 of 11"]
    slack.close_view(opened["id"])
    assert error_of(client.views_update, view_id=opened["id"], view=page1) == "not_found"


def test_view_submission_answers_are_played_like_slack(slack: FakeSlack, client: WebClient) -> None:
    next_button = {"type": "plain_text", "text": "Next"}
    page1 = modal("Agency return", text_input("A1", "a1"), submit=next_button)
    opened = client.views_open(trigger_id=slack.trigger_id(POLICE), view=page1)["view"]
    page2 = modal("Agency return", text_input("B1", "b1"), submit=next_button)
    top = slack.apply_view_response(opened["id"], {"response_action": "update", "view": page2})
    assert top is not None and top.id == opened["id"] and top.hash != opened["hash"]
    slack.apply_view_response(
        opened["id"], {"response_action": "errors", "errors": {"b1": "Too long"}}
    )
    pushed = slack.apply_view_response(
        opened["id"], {"response_action": "push", "view": modal("Check")}
    )
    assert pushed is not None and pushed.previous_view_id == opened["id"]
    assert slack.apply_view_response(pushed.id, None) is not None  # a bare ack closes the top
    with pytest.raises(ValueError, match="refuse"):
        slack.apply_view_response(opened["id"], {"response_action": "update", "view": {}})
    assert slack.apply_view_response(opened["id"], {"response_action": "clear"}) is None
    assert all(v.closed for v in slack.views_of(POLICE))
    with pytest.raises(ValueError, match="closed"):
        slack.apply_view_response(opened["id"], None)
    assert "  next page " in slack.transcript() and "    ! b1: Too long" in slack.transcript()


def test_views_refuse_what_slack_refuses(slack: FakeSlack, client: WebClient) -> None:
    long_title = modal("A title well over the limit")
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id=slack.trigger_id(POLICE), view=long_title)
    assert caught.value.response["error"] == "invalid_arguments"
    assert (
        "[json-pointer:/view/title/text]"
        in caught.value.response["response_metadata"]["messages"][0]
    )
    no_submit = modal("Return", text_input("A1", "a1"))
    assert error_of(client.views_open, trigger_id=slack.trigger_id(POLICE), view=no_submit) == (
        "invalid_arguments"
    )


def test_views_publish_home_tab(slack: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("Your open returns: none")]}
    first = client.views_publish(user_id=COORD, view=home)["view"]
    again = client.views_publish(user_id=COORD, view=home, hash=first["hash"])["view"]
    assert again["id"] == first["id"]
    assert error_of(client.views_publish, user_id=COORD, view=home, hash=first["hash"]) == (
        "hash_conflict"
    )
    assert [v.type for v in slack.views_of(COORD)] == ["home"]


# -- files ---------------------------------------------------------------------------------


def test_files_upload_v2_into_a_dm(slack: FakeSlack, client: WebClient) -> None:
    dm = client.conversations_open(users=COORD)["channel"]["id"]
    pdf = b"%PDF-1.7 OFFICIAL-SENSITIVE draft pack"
    done = client.files_upload_v2(
        channel=dm,
        file=pdf,
        filename="RR-2026-014-v1.pdf",
        title="Draft pack v1",
        initial_comment="Draft pack for RR-2026-014",
    )
    file_id = done["file"]["id"]
    assert [c.method for c in slack.calls][-3:] == [
        "files.getUploadURLExternal",
        UPLOAD,
        "files.completeUploadExternal",
    ]
    (stored,) = slack.files_in(dm)
    assert (stored.id, stored.content, stored.title) == (file_id, pdf, "Draft pack v1")
    (share,) = slack.dm_messages(COORD)
    assert (share.text, share.files) == ("Draft pack for RR-2026-014", [file_id])
    assert client.files_info(file=file_id)["file"]["ims"] == [dm]
    client.files_delete(file=file_id)
    assert slack.files_in(dm) == []
    assert error_of(client.files_info, file=file_id) == "file_deleted"
    assert error_of(client.files_delete, file="F0NOTHING") == "file_not_found"


def test_upload_refusals(slack: FakeSlack, client: WebClient) -> None:
    upload = {"content": "x", "filename": "pack.html"}
    assert error_of(client.files_upload_v2, channel=COORD, **upload) == "invalid_arguments"
    assert error_of(client.files_upload_v2, channel="C0NOBOT", **upload) == "not_in_channel"
    assert error_of(client.files_upload_v2, channel="C0NOWHERE", **upload) == "channel_not_found"
    ticket = client.files_getUploadURLExternal(filename="never-sent.pdf", length=10)
    never_sent = [{"id": ticket["file_id"], "title": "x"}]
    assert error_of(client.files_completeUploadExternal, files=never_sent) == "file_not_found"


# -- faults --------------------------------------------------------------------------------


def test_rate_limit_carries_retry_after(slack: FakeSlack, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0REVIEWS", text="hello")
    response = caught.value.response
    assert (response.status_code, response["error"]) == (429, "ratelimited")
    assert response.headers["Retry-After"] == "7"
    assert slack.faults_served == 1 and slack.messages("C0REVIEWS") == []
    client.chat_postMessage(channel="C0REVIEWS", text="hello")  # the fault was used up
    assert len(slack.messages("C0REVIEWS")) == 1


def test_retry_handler_recovers_from_a_429(slack: FakeSlack) -> None:
    client = WebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    assert client.chat_postMessage(channel=POLICE, text="Reminder")["ok"]
    assert len(slack.dm_messages(POLICE)) == 1
    assert slack.faults_served == 1
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.calls_to("chat.postMessage", include_faults=True)) == 2


def test_retry_handler_recovers_from_a_500_and_upload_faults(slack: FakeSlack) -> None:
    fast = FixedValueRetryIntervalCalculator(fixed_internal=0.01)
    client = WebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=1, interval_calculator=fast)],
    )
    slack.fail_next("users.info", status=500)
    assert client.users_info(user=POLICE)["user"]["id"] == POLICE
    slack.fail_next("auth.test", status=200, error="fatal_error", times=1)
    assert error_of(client.auth_test) == "fatal_error"
    slack.fail_next(UPLOAD, status=503)
    with pytest.raises(urllib.error.HTTPError):
        client.files_upload_v2(channel="C0REVIEWS", content="pack", filename="pack.html")
    assert slack.files_in("C0REVIEWS") == [] and slack.faults_served == 3


def test_fail_next_refuses_nonsense(slack: FakeSlack) -> None:
    with pytest.raises(ValueError, match="error code"):
        slack.fail_next("chat.postMessage", status=200)
    with pytest.raises(ValueError, match="not a failure"):
        slack.fail_next("chat.postMessage", status=302)


# -- transcript ----------------------------------------------------------------------------


def test_transcript_shows_what_each_person_saw(slack: FakeSlack, client: WebClient) -> None:
    card = client.chat_postMessage(channel="C0REVIEWS", text="RR-2026-014: 0/2 returns")
    client.chat_update(channel="C0REVIEWS", ts=card["ts"], text="RR-2026-014: 1/2 returns")
    actions = {"type": "actions", "elements": [button("Start", "start"), button("Not me", "no")]}
    client.chat_postMessage(
        channel=POLICE,
        text="Return requested",
        blocks=[section("*RR-2026-014* (Child A)"), actions],
    )
    next_button = {"type": "plain_text", "text": "Next"}
    page = [section("Section 1 of 11"), text_input("A1 Involved?", "a1", "Yes")]
    form = modal("Agency return", *page, submit=next_button)
    opened = client.views_open(trigger_id=slack.trigger_id(POLICE), view=form)
    client.chat_postEphemeral(channel="C0REVIEWS", user=COORD, text="Nudged police")
    view_id = opened["view"]["id"]
    assert slack.transcript() == (
        "#rapid-reviews (C0REVIEWS)\n"
        "  RR-2026-014: 1/2 returns\n"
        "    (updated 1 time)\n"
        "\n"
        "Casey Coordinator (U0COORD1)\n"
        "  only you, in C0REVIEWS: Nudged police\n"
        "\n"
        "Pat Police (U0POLICE1)\n"
        "  DM: (notification: Return requested)\n"
        "    | *RR-2026-014* (Child A)\n"
        "    | [Start] [Not me]\n"
        f"  opens {view_id} “Agency return” [Next]\n"
        "    | Section 1 of 11\n"
        "    | A1 Involved?: [text: Yes]\n"
    )


def test_flatten_blocks() -> None:
    options = [{"text": {"type": "plain_text", "text": t}, "value": t} for t in ("Yes", "No")]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "RR-2026-014"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Meeting*\nTue 8 Dec"}]},
        {"type": "divider"},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "a"}, {"type": "mrkdwn", "text": "b"}],
        },
        {
            "type": "input",
            "optional": True,
            "label": {"type": "plain_text", "text": "E2 Current risk?"},
            "element": {"type": "radio_buttons", "options": options, "initial_option": options[1]},
        },
    ]
    assert flatten_blocks(blocks) == [
        "== RR-2026-014 ==",
        "*Meeting*",
        "Tue 8 Dec",
        "---",
        "a · b",
        "E2 Current risk? (optional): ( ) Yes (x) No",
    ]
