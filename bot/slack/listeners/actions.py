"""Block actions: the request card's buttons and the buttons inside the return's modals.
Each acks first, then translates the payload into one service call and the result into a view."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import ServiceError
from bot.slack import render
from bot.slack.blocks import row_view
from bot.slack.listeners import home
from bot.slack.listeners import payload as p
from bot.slack.view_state import raw_from_state
from forms import engine
from forms.model import RepeatQuestion

log = logging.getLogger(__name__)


def register(app: App, ctx: Context) -> None:
    route = ctx.config.partnership.referral_route

    def card_action(fn: Any) -> Any:
        """A request-card button: ack, run, and answer a refusal ephemerally."""

        def listener(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            ack()
            reply = home.respond_for(ctx, body, respond)  # pressed on the App Home: its notice
            try:
                fn(body, reply, client, p.return_id_of(p.action_value(body)))
            except ServiceError as exc:
                reply(text=exc.message, response_type="ephemeral", replace_original=False)
            except p.BadPayload:
                reply(
                    text="That button can't be used any more.",
                    response_type="ephemeral",
                    replace_original=False,
                )

        return listener

    def who(body: dict[str, Any]) -> dict[str, Any]:
        return {"team_id": p.team(body), "actor": p.actor(body)}

    def open_view(client: WebClient, body: dict[str, Any], view: rs.ReturnView) -> None:
        client.views_open(
            trigger_id=body["trigger_id"], view=render.return_view(view, referral_route=route)
        )

    @card_action
    def start(body: dict[str, Any], respond: Respond, client: WebClient, rid: int) -> None:
        open_view(client, body, rs.start(ctx, return_id=rid, **who(body)))

    @card_action
    def nil(body: dict[str, Any], respond: Respond, client: WebClient, rid: int) -> None:
        open_view(client, body, rs.start_nil(ctx, return_id=rid, **who(body)))

    @card_action
    def edit(body: dict[str, Any], respond: Respond, client: WebClient, rid: int) -> None:
        open_view(client, body, rs.reopen(ctx, return_id=rid, **who(body)))

    @card_action
    def ask(body: dict[str, Any], respond: Respond, client: WebClient, rid: int) -> None:
        rs.ask_coordinator(ctx, return_id=rid, **who(body))
        respond(
            text="The coordinator has been told you have a question and will contact you.",
            response_type="ephemeral",
            replace_original=False,
        )

    app.action("return_start")(start)
    app.action("return_nil")(nil)
    app.action("return_edit")(edit)
    # "Not me" (return_not_me) is in bot.slack.listeners.delegation
    app.action("ask_coordinator")(ask)

    def in_modal(fn: Any) -> Any:
        """A button inside a return modal: ack, run; a refusal replaces the modal's notice."""

        def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            view = body.get("view") or {}
            try:
                meta = p.view_meta(body)
                fn(body, client, meta, view)
            except ServiceError as exc:
                _notice(client, view, exc.message, mrkdwn=isinstance(exc, rs.MRKDWN_ERRORS))
            except p.BadPayload:
                log.warning("malformed modal action ignored")

        return listener

    def save_draft(body: dict[str, Any], meta: dict[str, Any]) -> rs.ReturnView:
        """Save what the page holds before leaving it (Back, a row's modal, removing a row):
        nothing typed is lost, and follow-ups chosen on the page stay shown. Returns the
        return at this section, with the section's new revision."""
        rid, section = p.int_of(meta, "r"), p.str_of(meta, "s")
        current = rs.load(ctx, return_id=rid, section_id=section, **who(body))
        if current.page is not None:
            raw = raw_from_state(p.state_values(body), current.page.section)
            rs.save_page(
                ctx,
                return_id=rid,
                section_id=section,
                base_revision=p.int_of(meta, "v"),
                raw=raw,
                mode="draft",
                **who(body),
            )
        return rs.load(ctx, return_id=rid, section_id=section, **who(body))

    @in_modal
    def back(body: dict[str, Any], client: WebClient, meta: dict[str, Any], view: Any) -> None:
        section = p.str_of(meta, "s")
        saved = save_draft(body, meta)
        pages = engine.pages(saved.form, saved.answers)
        order = [pg.section_id for pg in pages]
        index = order.index(section) if section in order else len(order)
        target = pages[max(index - 1, 0)] if pages else None
        shown = rs.ReturnView(
            saved.review, saved.ret, saved.form, saved.answers, saved.revisions, target
        )
        client.views_update(
            view_id=view["id"], view=render.return_view(shown, referral_route=route)
        )

    @in_modal
    def changed(body: dict[str, Any], client: WebClient, meta: dict[str, Any], view: Any) -> None:
        if view.get("callback_id") != "return_page":
            return
        current = rs.load(
            ctx, return_id=p.int_of(meta, "r"), section_id=p.str_of(meta, "s"), **who(body)
        )
        if current.page is None:
            return
        draft = raw_from_state(p.state_values(body), current.page.section)
        base = p.int_of(meta, "v")
        client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=render.return_view(current, referral_route=route, draft=draft, revision=base),
        )

    @in_modal
    def row_open(body: dict[str, Any], client: WebClient, meta: dict[str, Any], view: Any) -> None:
        value = p.json_value(p.action_value(body))
        current = save_draft(body, meta)
        section = p.str_of(meta, "s")
        question = current.form.question(str(value.get("q")))
        if not isinstance(question, RepeatQuestion):
            raise p.BadPayload("not a repeat")
        row_id = str(value.get("row") or uuid.uuid4().hex[:12])
        values: dict[str, Any] = {}
        rows = current.answers.get(question.id)
        for r in rows if isinstance(rows, list) else []:
            if (
                isinstance(r, dict)
                and r.get("row_id") == row_id
                and isinstance(r.get("values"), dict)
            ):
                values = dict(r["values"])  # type: ignore[arg-type]
        client.views_push(
            trigger_id=body["trigger_id"],
            view=row_view(
                question=question,
                row_id=row_id,
                values=values,
                context=render.context_of(current),
                meta={
                    "r": current.ret.id,
                    "s": section,
                    "v": current.revision(section),
                    "q": question.id,
                    "row": row_id,
                    "pv": view.get("id"),
                },
                form=current.form,
                answers=current.answers,
            ),
        )

    @in_modal
    def row_remove(
        body: dict[str, Any], client: WebClient, meta: dict[str, Any], view: Any
    ) -> None:
        value = p.json_value(p.action_value(body))
        current = save_draft(body, meta)
        section = p.str_of(meta, "s")
        shown = rs.remove_row(
            ctx,
            return_id=current.ret.id,
            section_id=section,
            question_id=str(value["q"]),
            row_id=str(value["row"]),
            base_revision=current.revision(section),
            **who(body),
        )
        client.views_update(
            view_id=view["id"], view=render.return_view(shown, referral_route=route)
        )

    @in_modal
    def review_move(
        body: dict[str, Any], client: WebClient, meta: dict[str, Any], view: Any
    ) -> None:
        action = (body.get("actions") or [{}])[0]
        rid = p.int_of(meta, "r")
        if action.get("action_id") == "review_edit":
            shown = rs.load(ctx, return_id=rid, section_id=str(action.get("value")), **who(body))
            client.views_update(
                view_id=view["id"], view=render.return_view(shown, referral_route=route)
            )
            return
        current = rs.load(ctx, return_id=rid, **who(body))
        whole = rs.ReturnView(
            current.review, current.ret, current.form, current.answers, current.revisions, None
        )
        page_no = int(str(action.get("value") or "0")) if str(action.get("value")).isdigit() else 0
        client.views_update(
            view_id=view["id"],
            view=render.return_view(whole, referral_route=route, review_page=page_no),
        )

    app.action("page_back")(back)
    app.action({"action_id": "v", "block_id": re.compile(r"^q\|")})(changed)
    app.action("row_add")(row_open)
    app.action("row_edit")(row_open)
    app.action("row_remove")(row_remove)
    for action_id in ("review_prev", "review_next", "review_edit"):
        app.action(action_id)(review_move)


def _notice(client: WebClient, view: dict[str, Any], message: str, mrkdwn: bool = False) -> None:
    """Tell the person in their modal why nothing happened (replacing it with a short note;
    ``mrkdwn`` for messages built as mrkdwn, e.g. naming who has the request now)."""
    if not view.get("id"):
        return
    client.views_update(
        view_id=view["id"],
        view={
            "type": "modal",
            "title": {"type": "plain_text", "text": "Agency return"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [
                {
                    "type": "section",
                    "text": {"type": "mrkdwn" if mrkdwn else "plain_text", "text": message[:2900]},
                }
            ],
        },
    )
