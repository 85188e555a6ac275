"""SlackMessenger against the fake Slack Web API with the real WebClient, the client factory's
retry policy, and the recording fake used by service tests."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.models.blocks import SectionBlock

from bot.fakeslack import UPLOAD, FakeSlack
from bot.messenger import DeliveryFailed, MessageRef, Messenger, SlackMessenger, SlackUser, Upload
from bot.settings import load_settings
from bot.slack.client import make_web_client
from tests.fakes import DM, POST, UPDATE, RecordingMessenger

COORD, POLICE, GONE, STRANGER, OTHER_BOT = "U0COORD1", "U0POLICE1", "U0GONE01", "U0STRANGE", "U0BOT2"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(COORD, "casey", "Casey Coordinator", "casey@partnership.example")
        fake.add_user(POLICE, "pat", "Pat Police", "pat@police.example", tz="Europe/Dublin")
        fake.add_user(GONE, "gone", "Gone Person", "gone@police.example", deleted=True)
        fake.add_user(STRANGER, "ext", "External Person", is_stranger=True, team_id="T0OTHER")
        fake.add_user(OTHER_BOT, "otherbot", "Other Bot", is_bot=True)
        fake.add_channel("C0REVIEWS", "rapid-reviews", [COORD, POLICE])
        fake.add_channel("C0NOBOT", "no-bot-here", [COORD], bot_is_member=False)
        fake.add_channel("G0SECRET", "secret", [COORD], bot_is_member=False, is_private=True)
        yield fake


@pytest.fixture
def messenger(slack: FakeSlack) -> SlackMessenger:
    return SlackMessenger(make_web_client(slack.bot_token, slack.api_url, backoff=0.01))


def failure(call: object, *args: object) -> DeliveryFailed:
    assert callable(call)
    with pytest.raises(DeliveryFailed) as caught:
        call(*args)
    return caught.value


# -- sending ---------------------------------------------------------------------------------


def test_post_then_update_in_place(slack: FakeSlack, messenger: SlackMessenger) -> None:
    blocks = [SectionBlock(text="*RR-2026-014* (Child A): 0/3 returns")]
    ref = messenger.post("C0REVIEWS", "RR-2026-014: 0/3 returns", blocks)
    messenger.update(ref, "RR-2026-014: 1/3 returns", [{"type": "section", "text": {
        "type": "mrkdwn", "text": "*RR-2026-014* (Child A): 1/3 returns"}}])
    (card,) = slack.messages("C0REVIEWS")
    assert (card.ts, card.text) == (ref.ts, "RR-2026-014: 1/3 returns")
    assert [v["text"] for v in card.versions] == ["RR-2026-014: 0/3 returns", "RR-2026-014: 1/3 returns"]
    assert card.versions[0]["blocks"][0]["text"]["text"] == "*RR-2026-014* (Child A): 0/3 returns"


def test_dm_opens_the_conversation_first(slack: FakeSlack, messenger: SlackMessenger) -> None:
    protocol: Messenger = messenger  # SlackMessenger implements the protocol (checked by mypy)
    assert protocol is messenger
    ref = messenger.dm(POLICE, "You are asked for a return for RR-2026-014")
    assert ref == MessageRef(slack.dm_channel(POLICE) or "", ref.ts)
    assert [c.method for c in slack.calls] == [
        "users.info", "auth.test", "conversations.open", "chat.postMessage"]  # auth.test once
    slack.clear_calls()
    messenger.dm(POLICE, "Reminder")
    assert [c.method for c in slack.calls] == [
        "users.info", "conversations.open", "chat.postMessage"]
    assert slack.calls_to("chat.postMessage")[0].args["channel"] == ref.channel
    assert [m.text for m in slack.dm_messages(POLICE)] == [
        "You are asked for a return for RR-2026-014", "Reminder"]


def test_post_to_a_user_id_is_a_checked_dm(slack: FakeSlack, messenger: SlackMessenger) -> None:
    messenger.post(POLICE, "hello")
    assert len(slack.dm_messages(POLICE)) == 1
    assert failure(messenger.post, GONE, "anyone?").reason == "the account is deactivated"


def test_ephemeral(slack: FakeSlack, messenger: SlackMessenger) -> None:
    messenger.ephemeral("C0REVIEWS", COORD, "Only you can see this")
    assert [m.text for m in slack.ephemeral_messages(COORD)] == ["Only you can see this"]
    assert slack.messages("C0REVIEWS") == []
    assert failure(messenger.ephemeral, "C0REVIEWS", GONE, "x").reason == (
        "that person is not in the channel"
    )


def test_upload_to_dm_in_three_steps(slack: FakeSlack, messenger: SlackMessenger) -> None:
    pdf, html = b"%PDF-1.7 OFFICIAL-SENSITIVE", b"<html>OFFICIAL-SENSITIVE</html>"
    ids = messenger.upload_to_dm(COORD, [Upload("RR-2026-014-v1.pdf", pdf, "Pack v1"),
                                         Upload("RR-2026-014-v1.html", html)], "Pack v1 for RR-2026-014")
    dm = slack.dm_channel(COORD) or ""
    methods = [c.method for c in slack.calls]
    start = methods.index("files.getUploadURLExternal")
    assert methods[start:] == ["files.getUploadURLExternal", "files.getUploadURLExternal",
                               UPLOAD, UPLOAD, "files.completeUploadExternal"]
    assert slack.calls_to("files.completeUploadExternal")[0].args["channel_id"] == dm
    stored = {f.id: f for f in slack.files_in(dm)}
    assert list(stored) == ids and [stored[i].content for i in ids] == [pdf, html]
    assert [stored[i].title for i in ids] == ["Pack v1", "RR-2026-014-v1.html"]
    (share,) = slack.dm_messages(COORD)
    assert (share.text, share.files) == ("Pack v1 for RR-2026-014", ids)


def test_delete_file_is_idempotent(slack: FakeSlack, messenger: SlackMessenger) -> None:
    (file_id,) = messenger.upload_to_dm(COORD, [Upload("pack.html", b"<p>x</p>")], "Pack")
    messenger.delete_file(file_id)
    messenger.delete_file(file_id)
    messenger.delete_file("F0NEVERWAS")
    assert slack.files_in(slack.dm_channel(COORD) or "") == []


# -- look-ups --------------------------------------------------------------------------------


def test_lookups(messenger: SlackMessenger) -> None:
    assert messenger.lookup_email("PAT@police.example") == POLICE
    assert messenger.lookup_email("gone@police.example") is None
    assert messenger.lookup_email("nobody@example.org") is None
    assert messenger.user_info(POLICE) == SlackUser(
        POLICE, "T0TEAM", "Europe/Dublin", False, False, "Pat Police"
    )
    assert messenger.user_info(GONE) == SlackUser(
        GONE, "T0TEAM", "Europe/London", True, False, "Gone Person"
    )
    assert messenger.user_info("U0NOBODY") is None


def test_bot_in_channel(messenger: SlackMessenger) -> None:
    assert messenger.bot_in_channel("C0REVIEWS") is True
    assert messenger.bot_in_channel("C0NOBOT") is False
    assert messenger.bot_in_channel("G0SECRET") is False  # private: invisible to the bot
    assert messenger.bot_in_channel("C0NOWHERE") is False


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ("U0NOBODY", "no Slack user with that id"),
        (GONE, "the account is deactivated"),
        (STRANGER, "the user belongs to another workspace"),
        (OTHER_BOT, "that is a bot, not a person"),
    ],
)
def test_undeliverable_people(
    slack: FakeSlack, messenger: SlackMessenger, user: str, reason: str
) -> None:
    for send in (lambda: messenger.dm(user, "Reminder"),
                 lambda: messenger.upload_to_dm(user, [Upload("p.pdf", b"%PDF")], "Pack")):
        error = failure(send)
        assert (error.target, error.reason, error.transient) == (user, reason, False)
        assert reason in str(error)
    assert slack.calls_to("chat.postMessage") == []
    assert slack.calls_to("files.getUploadURLExternal") == []


def test_bot_not_in_channel(slack: FakeSlack, messenger: SlackMessenger) -> None:
    error = failure(messenger.post, "C0NOBOT", "RR-2026-014 opened")
    assert (error.target, error.reason, error.code) == (
        "C0NOBOT", "the bot is not in that channel", "not_in_channel")
    assert "a private channel needs /invite @rrm" in failure(messenger.post, "G0SECRET", "x").reason


def test_update_of_a_deleted_message(slack: FakeSlack, messenger: SlackMessenger) -> None:
    error = failure(messenger.update, MessageRef("C0REVIEWS", "1.000001"), "x")
    assert error.reason == "the message no longer exists"


# -- retries ---------------------------------------------------------------------------------


def test_429_honours_retry_after_and_sends_once(slack: FakeSlack, messenger: SlackMessenger) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    messenger.post("C0REVIEWS", "Reminder")
    assert time.monotonic() - started >= 1.0
    assert len(slack.messages("C0REVIEWS")) == 1
    assert len(slack.calls_to("chat.postMessage", include_faults=True)) == 2


def test_500_twice_then_success(slack: FakeSlack, messenger: SlackMessenger) -> None:
    slack.fail_next("chat.postMessage", status=500, times=2)
    messenger.dm(POLICE, "You are asked for a return")
    assert len(slack.dm_messages(POLICE)) == 1
    assert len(slack.calls_to("chat.postMessage", include_faults=True)) == 3


def test_slack_failing_every_time(slack: FakeSlack, messenger: SlackMessenger) -> None:
    slack.fail_next("chat.postMessage", status=500, times=10)
    error = failure(messenger.post, "C0REVIEWS", "x")
    assert (error.reason, error.transient) == ("Slack kept failing (500) after 5 tries", True)
    assert len(slack.calls_to("chat.postMessage", include_faults=True)) == 5
    slack.fail_next("users.info", status=429, retry_after=0, times=10)
    fast = SlackMessenger(make_web_client(slack.bot_token, slack.api_url, retries=0))
    assert failure(fast.user_info, POLICE).reason == (
        "Slack kept rate-limiting the bot (429) after 1 tries"
    )


def test_a_failed_byte_upload_retries_the_whole_upload(
    slack: FakeSlack, messenger: SlackMessenger
) -> None:
    slack.fail_next(UPLOAD, status=503)
    (file_id,) = messenger.upload_to_dm(COORD, [Upload("pack.pdf", b"%PDF")], "Pack")
    assert [f.id for f in slack.files_in(slack.dm_channel(COORD) or "")] == [file_id]
    slack.fail_next(UPLOAD, status=503, times=5)
    error = failure(messenger.upload_to_dm, COORD, [Upload("pack.pdf", b"%PDF")], "Pack")
    assert (error.reason, error.transient) == ("Slack kept failing (503) after 5 tries", True)


def test_slack_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_web_client("xoxb-x", f"http://127.0.0.1:{port}/api/", backoff=0.001)
    error = failure(SlackMessenger(client, team_id="T0TEAM").post, "C0REVIEWS", "x")
    assert error.transient and error.reason.startswith("could not reach Slack")


def test_client_factory(slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(ValueError, match="SLACK_BOT_TOKEN"):
        make_web_client(load_settings(env_file=None))
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.bot_token)
    client = make_web_client(load_settings(env_file=None))
    assert client.base_url == slack.api_url and client.auth_test()["ok"]
    kinds = {type(h): h.max_retry_count for h in client.retry_handlers or []}
    assert kinds == {RateLimitErrorRetryHandler: 4, ServerErrorRetryHandler: 4,
                     ConnectionErrorRetryHandler: 4}


def test_message_text_and_token_never_reach_the_logs(
    slack: FakeSlack, messenger: SlackMessenger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slack.fail_next("chat.postMessage", status=500)
    messenger.post("C0REVIEWS", "Child A lives at 1 Secret Street")
    failure(messenger.dm, GONE, "Child A lives at 1 Secret Street")
    assert "Secret Street" not in caplog.text and slack.bot_token not in caplog.text


# -- the recording fake ----------------------------------------------------------------------


def test_recording_messenger_keeps_a_transcript() -> None:
    fake: Messenger = RecordingMessenger()
    assert isinstance(fake, RecordingMessenger)
    ref = fake.post("C0REVIEWS", "0/2 returns", [SectionBlock(text="*RR-1*")])
    fake.update(ref, "1/2 returns")
    fake.dm(POLICE, "Please send your return")
    ids = fake.upload_to_dm(COORD, [Upload("p.pdf", b"%PDF")], "Pack v1")
    assert [(e.kind, e.target, e.text) for e in fake.events] == [
        (POST, "C0REVIEWS", "0/2 returns"), (UPDATE, "C0REVIEWS", "1/2 returns"),
        (DM, POLICE, "Please send your return"), ("upload", COORD, "Pack v1")]
    assert fake.events[0].blocks == [{"type": "section", "text": {"type": "mrkdwn",
                                                                   "text": "*RR-1*"}}]
    assert fake.current(ref).text == "1/2 returns" and fake.dms_to(POLICE) == [
        "Please send your return"]
    assert fake.events[-1].file_ids == tuple(ids) and len(ids) == 1


def test_recording_messenger_switches() -> None:
    fake = RecordingMessenger()
    fake.add_user(POLICE, email="pat@police.example", tz="Europe/Dublin")
    assert fake.lookup_email("PAT@police.example") == POLICE
    fake.deactivate(POLICE)
    assert fake.lookup_email("pat@police.example") is None
    assert failure(fake.dm, POLICE, "x").reason == "the account is deactivated"
    fake.make_deliverable(POLICE)
    fake.dm(POLICE, "x")
    fake.remove_user(COORD)
    assert fake.user_info(COORD) is None
    assert failure(fake.dm, COORD, "x").reason == "no Slack user with that id"
    fake.make_undeliverable(GONE, "the user belongs to another workspace")
    assert failure(fake.upload_to_dm, GONE, [], "x").reason == "the user belongs to another workspace"
    fake.block_channel("C0NOBOT")
    assert not fake.bot_in_channel("C0NOBOT") and fake.bot_in_channel("C0REVIEWS")
    assert failure(fake.post, "C0NOBOT", "x").reason == "the bot is not in that channel"
    fake.fail_next(DM)
    error = failure(fake.dm, POLICE, "y")
    assert error.transient and "500" in error.reason
    fake.dm(POLICE, "y")
    assert fake.dms_to(POLICE) == ["x", "y"]
