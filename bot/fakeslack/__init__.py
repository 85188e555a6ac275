"""A local stand-in for the Slack Web API, for tests and the offline demo. Stdlib only.

Point ``slack_sdk.WebClient(token=fake.bot_token, base_url=fake.api_url)`` at a started
``FakeSlack``; it answers like Slack (real error codes), records every call, keeps per-channel
and per-person stores, and can be told to answer 429 or 5xx.
"""

from .fake import FakeSlack
from .people import Sent, SlackPerson, wait_for
from .render import flatten_blocks
from .server import RESPONSE_URL, UPLOAD
from .state import Call, Channel, File, Message, User, View

__all__ = [
    "RESPONSE_URL",
    "UPLOAD",
    "Call",
    "Channel",
    "FakeSlack",
    "File",
    "Message",
    "Sent",
    "SlackPerson",
    "User",
    "View",
    "flatten_blocks",
    "wait_for",
]
