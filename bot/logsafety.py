"""No personal data in the logs (DESIGN §5): libraries that write request or response bodies —
message text, modal contents, answers — below WARNING are held at a level where they don't.

Bolt logs the body of a request it refuses (INFO) and of every response it sends (DEBUG, on the
app's own logger); the Slack SDK's clients (Web API, response_url webhooks, Socket Mode) log
each request and response body at DEBUG. Called where the bot is built, so that an operator who
turns the root logger to DEBUG still gets no answer text, pseudonym or token.
"""

from __future__ import annotations

import logging

BODY_LOGGERS = {
    "slack_bolt": logging.WARNING,
    "bot.slack.bolt": logging.WARNING,  # the Bolt app's logger (``build_app``)
    "slack_sdk": logging.INFO,
    "bot.slack.web": logging.INFO,  # the Web API client's logger (``make_web_client``)
}
"""Logger name → the lowest level it may have."""


def quiet_body_loggers() -> None:
    """Raise each of ``BODY_LOGGERS`` to its floor if it (or its parent) is set lower."""
    for name, floor in BODY_LOGGERS.items():
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < floor:
            logger.setLevel(floor)
