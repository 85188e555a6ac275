"""The Slack Web API client: the one factory every client of the process comes from, and what
Slack's answers mean in plain English.

Clients retry on 429 (honouring ``Retry-After``), on 500/503 and on connection errors, a bounded
number of times. The client's logger is kept at INFO or above so that request bodies (message
text) and tokens never reach the logs. Replies to a ``response_url`` (Bolt's ``respond()``)
get the same retries (``RetryingRespond``): Bolt's own sends once and drops the reply on a 429
or a 5xx.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk import WebClient
from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    Jitter,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryIntervalCalculator,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.settings import Settings

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_RETRIES = 4
_LOGGER_NAME = "bot.slack.web"


def make_web_client(
    settings_or_token: Settings | str,
    base_url: str | None = None,
    *,
    retries: int = DEFAULT_RETRIES,
    backoff: float = 0.5,
    timeout: int = 30,
) -> WebClient:
    """A ``WebClient`` for the bot token with bounded retries (``retries`` each for 429, 5xx and
    connection errors; 5xx and connection retries back off from ``backoff`` seconds).

    ``base_url`` defaults to ``settings.slack_api_url`` (or Slack's own for a bare token).
    Raises ValueError when the settings carry no bot token.
    """
    if isinstance(settings_or_token, Settings):
        secret = settings_or_token.slack_bot_token
        if secret is None:
            raise ValueError("SLACK_BOT_TOKEN is not set: give the bot token (xoxb-...)")
        token = secret.get_secret_value()
        base_url = base_url or settings_or_token.slack_api_url
    else:
        token = settings_or_token
    logger = logging.getLogger(_LOGGER_NAME)
    if logger.level < logging.INFO:  # DEBUG would log request bodies: message text
        logger.setLevel(logging.INFO)
    return WebClient(
        token=token,
        base_url=base_url or DEFAULT_API_URL,
        timeout=timeout,
        logger=logger,
        retry_handlers=retry_handlers(retries, backoff),
    )


def retry_handlers(retries: int, backoff: float) -> list[RetryHandler]:
    """The retry policy of every client: 429 after ``Retry-After``, 500/503 and connection
    errors with exponential backoff and jitter."""
    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=ScaledJitter())
    return [
        RateLimitErrorRetryHandler(max_retry_count=retries),
        ServerErrorRetryHandler(max_retry_count=retries, interval_calculator=interval),
        ConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=interval),
    ]


class ScaledJitter(Jitter):
    """Jitter in proportion to the wait (x0.5 to x1.5), where the SDK's default adds up to a
    whole second to every wait, however short."""

    def recalculate(self, duration: float) -> float:
        return duration * (0.5 + random.random())


class RetryingRespond(Respond):
    """Bolt's ``respond()`` (a reply to the request's ``response_url``) with the retry policy
    of the Web API client: 429 after ``Retry-After``, 500/503 and connection errors with
    backoff, a bounded number of times (DESIGN §6)."""

    def __init__(
        self,
        *,
        response_url: str | None,
        retry_handlers: list[RetryHandler],
        logger: logging.Logger | None = None,
        timeout: int = 30,
    ) -> None:
        super().__init__(response_url=response_url)
        self.retry_handlers = retry_handlers
        self.logger = logger or logging.getLogger(_LOGGER_NAME)
        self.timeout = timeout

    def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        """As Bolt's (the same arguments): the message, or ``respond({...whole message...})``."""
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if isinstance(text, dict):
            message = _build_message(**text)
        elif isinstance(text, str):
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        else:
            raise ValueError(f"The arg is unexpected type ({type(text)})")
        client = WebhookClient(
            url=self.response_url,
            timeout=self.timeout,
            logger=self.logger,
            retry_handlers=self.retry_handlers,
        )
        return client.send_dict(message)


def retrying_respond(client: WebClient) -> Callable[[BoltContext, Callable[[], None]], None]:
    """A global Bolt middleware that gives every listener a ``respond`` that retries as
    ``client`` does."""
    handlers = list(client.retry_handlers or [])

    def middleware(context: BoltContext, next: Callable[[], None]) -> None:
        context["respond"] = RetryingRespond(
            response_url=context.response_url,
            retry_handlers=handlers,
            logger=client.logger,
            timeout=client.timeout,
        )
        next()

    return middleware


def server_error_policy(client: WebClient) -> tuple[int, RetryIntervalCalculator]:
    """How many tries the client makes on a 5xx and how long it waits between them."""
    for handler in client.retry_handlers or []:
        if isinstance(handler, ServerErrorRetryHandler):
            return handler.max_retry_count + 1, handler.interval_calculator
    return 1, BackoffRetryIntervalCalculator()


@dataclass(frozen=True)
class Refusal:
    """What a failed Web API call means: a reason for the owner, and whether trying again
    later may work (rate limits, Slack's own failures, the network)."""

    reason: str
    code: str
    transient: bool = False


_REASONS = {
    "user_not_found": "no Slack user with that id",
    "users_not_found": "no Slack user with that email",
    "user_disabled": "the account is deactivated",
    "user_not_visible": "the user belongs to another workspace",
    "cannot_dm_bot": "that is a bot, not a person",
    "not_in_channel": "the bot is not in that channel",
    "channel_not_found": "no channel with that id that the bot can see "
    "(a private channel needs /invite @rrm)",
    "is_archived": "the channel is archived",
    "user_not_in_channel": "that person is not in the channel",
    "message_not_found": "the message no longer exists",
    "msg_too_long": "the message is too long for Slack",
    "invalid_blocks": "Slack refused the message layout (invalid_blocks)",
    "file_not_found": "the file no longer exists",
    "file_deleted": "the file was deleted",
    "invalid_auth": "Slack refused the bot token — check SLACK_BOT_TOKEN",
    "not_authed": "no bot token was sent — check SLACK_BOT_TOKEN",
    "token_revoked": "the bot token was revoked — reinstall the app",
    "account_inactive": "the bot's account is inactive — reinstall the app",
}


def refusal(status: int, body: Any, tries: int) -> Refusal:
    """Explain an answer of Slack's: HTTP ``status`` and the JSON ``body`` (a dict, or
    whatever came back), after the client made ``tries`` attempts."""
    code = str(body.get("error") or "") if isinstance(body, dict) else ""
    if status == 429 or code == "ratelimited":
        return Refusal(f"Slack kept rate-limiting the bot (429) after {tries} tries", "429", True)
    if status >= 500:
        return Refusal(f"Slack kept failing ({status}) after {tries} tries", str(status), True)
    if code == "missing_scope":
        needed = body.get("needed") or "a needed"
        return Refusal(f"the app lacks the {needed} scope — reinstall it from manifest.yaml", code)
    if code in ("fatal_error", "internal_error", "service_unavailable", "request_timeout"):
        return Refusal(f"Slack failed ({code})", code, True)
    return Refusal(_REASONS.get(code, f"Slack refused it ({code or status})"), code or str(status))
