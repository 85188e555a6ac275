"""The App Home in Slack: ``app_home_opened`` publishes the person's Home; its review buttons
(Remind, Pack, Lock, Close) and its pager. Each acks first, then calls the same service as the
slash command — which checks the role against the settings and the stored review on every
press, never the payload — and answers on the Home itself, as a notice at its top (a Home
has no channel to answer in). Start / Continue / Edit are the request card's own buttons,
handled in ``bot.slack.listeners.actions``; ``respond_for`` lets them answer on the Home too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services import home, lifecycle, packs, reminders
from bot.services.context import Context
from bot.services.errors import ServiceError
from bot.slack.blocks import home as blocks
from bot.slack.blocks import lifecycle as lifecycle_blocks
from bot.slack.blocks import pack_cards
from bot.slack.listeners import payload as p

log = logging.getLogger(__name__)
UNUSABLE = "That button can't be used any more."
Press = Callable[[dict[str, Any], WebClient, int], str | None]
"""A review button's work: (body, client, review id) → the notice to show, or None."""


def respond_for(ctx: Context, body: dict[str, Any], respond: Any) -> Callable[..., None]:
    """How a request-card button answers: ``respond`` in a message; on the Home (no
    response_url there) as the Home's notice."""
    view = body.get("view")
    if not isinstance(view, dict) or view.get("type") != "home":
        return respond  # type: ignore[no-any-return]

    def on_home(text: str = "", **_: Any) -> None:
        notice(ctx, body, text)

    return on_home


def notice(ctx: Context, body: dict[str, Any], text: str | None) -> None:
    """Publish the acting person's Home again (the page they were on) with ``text`` on top."""
    home.publish(
        ctx,
        team_id=p.team(body),
        user_id=p.actor(body),
        page=blocks.page_of(body.get("view")),
        notice=text,
    )


def _review_id(body: dict[str, Any]) -> int:
    value = p.json_value(p.action_value(body)).get("review")
    if not isinstance(value, int) or isinstance(value, bool):
        raise p.BadPayload("no review id")
    return value


def register(app: App, ctx: Context) -> None:
    @app.event("app_home_opened")
    def opened(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        ack()
        user, team = event.get("user"), body.get("team_id")
        if event.get("tab", "home") != "home" or not isinstance(user, str):
            return  # the messages tab: nothing to show
        if isinstance(team, str):
            home.publish(ctx, team_id=team, user_id=user)

    def review_button(fn: Press) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            try:
                text = fn(body, client, _review_id(body))
            except ServiceError as exc:
                text = exc.message
            except p.BadPayload:
                text = UNUSABLE
            if text is not None:
                notice(ctx, body, text)

        return listener

    def who(body: dict[str, Any]) -> dict[str, str]:
        return {"team_id": p.team(body), "actor": p.actor(body)}

    def reference(body: dict[str, Any], review_id: int) -> str:
        return lifecycle.find_review(ctx, p.team(body), review_id).reference

    @review_button
    def remind(body: dict[str, Any], client: WebClient, review_id: int) -> str:
        ref = reference(body, review_id)
        return reminders.remind(ctx, team_id=p.team(body), actor=p.actor(body), reference=ref).text

    @review_button
    def pack(body: dict[str, Any], client: WebClient, review_id: int) -> str:
        request = packs.plan_request(ctx, reference=reference(body, review_id), **who(body))
        notice(ctx, body, pack_cards.compiling_text(request.review))
        sent = packs.fulfil(ctx, request)
        return pack_cards.request_reply(sent.review, sent.version, sent.delivered, sent.failed)

    @review_button
    def lock(body: dict[str, Any], client: WebClient, review_id: int) -> str:
        locked = lifecycle.lock(ctx, reference=reference(body, review_id), **who(body))
        return lifecycle_blocks.locked_reply(locked)

    @review_button
    def close(body: dict[str, Any], client: WebClient, review_id: int) -> None:
        review = lifecycle.closing(ctx, reference=reference(body, review_id), **who(body))
        modal = lifecycle_blocks.close_modal(review, ctx.today())
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    def page(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        try:
            wanted = int(p.action_value(body))
        except (ValueError, p.BadPayload):
            wanted = 0
        home.publish(ctx, team_id=p.team(body), user_id=p.actor(body), page=max(wanted, 0))

    app.action(blocks.REMIND)(remind)
    app.action(blocks.PACK)(pack)
    app.action(blocks.LOCK)(lock)
    app.action(blocks.CLOSE)(close)
    app.action(blocks.PAGE)(page)
