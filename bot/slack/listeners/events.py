"""Events. The bot's messages tab is read-only: nobody types case detail into chat, and a
message sent there is acknowledged (200) and otherwise ignored — never stored or logged."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.services.context import Context


def register(app: App, ctx: Context) -> None:
    @app.event("message")
    def message(ack: Ack) -> None:
        ack()
