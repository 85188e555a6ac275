"""Block Kit for the bot, built by pure functions (no Slack client, no database, no clock).

The agency-return modals: :func:`page_view` (one section), :func:`row_view` (one repeat row,
pushed on top), :func:`review_view` (before submitting); :func:`errors_for_slack` maps engine
errors to their block ids. :mod:`.limits` checks what Slack would refuse; :mod:`.text` escapes
and shortens what is displayed. ``bot.slack.view_state`` reads the views back.
"""

from bot.slack.blocks.common import ReturnContext
from bot.slack.blocks.limits import BlockLimitError, check_message, check_view
from bot.slack.blocks.return_page import (
    PAGE_CALLBACK_ID,
    SlackErrors,
    errors_for_slack,
    page_answers,
    page_view,
)
from bot.slack.blocks.review_page import REVIEW_CALLBACK_ID, review_view
from bot.slack.blocks.rows import ROW_CALLBACK_ID, row_errors_for_slack, row_summary, row_view
from bot.slack.blocks.text import escape_mrkdwn, excerpt, plain

__all__ = [
    "PAGE_CALLBACK_ID",
    "REVIEW_CALLBACK_ID",
    "ROW_CALLBACK_ID",
    "BlockLimitError",
    "ReturnContext",
    "SlackErrors",
    "check_message",
    "check_view",
    "errors_for_slack",
    "escape_mrkdwn",
    "excerpt",
    "page_answers",
    "page_view",
    "plain",
    "review_view",
    "row_errors_for_slack",
    "row_summary",
    "row_view",
]
