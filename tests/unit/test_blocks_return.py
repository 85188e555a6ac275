"""Block Kit of the agency-return modals: every page of the shipped question set, empty and
fully answered, passes our limit checks and the fake Slack's ``views.open`` (real WebClient)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.fakeslack import FakeSlack
from bot.slack.blocks import (
    BlockLimitError,
    ReturnContext,
    check_message,
    check_view,
    errors_for_slack,
    escape_mrkdwn,
    excerpt,
    page_view,
    plain,
    review_view,
    row_errors_for_slack,
    row_summary,
    row_view,
)
from bot.slack.blocks.review_page import paginate
from forms import model
from forms.engine import Page, apply_page, completeness, page_for, pages, stored_answer_errors
from forms.loader import default_question_set_path, load_question_set
from forms.parsing import JSONValue

USER = "U0POLICE1"
HOSTILE = "<!channel> <https://evil.example|click> & co"
ROUTE = "Front door 01234 567890 <tel:999> & out of hours"
CONTEXT = ReturnContext("RR-2026-014", "Child <!channel> A", "Northshire Police & <@U0BOSS>")
META: dict[str, JSONValue] = {"r": 42, "s": "A", "v": 3}


def text_of(n: int) -> str:
    unit = HOSTILE + " Lorem ipsum dolor sit amet 😀.\n"
    return (unit * (n // len(unit) + 1))[:n]


def value_for(spec: model.Question | model.AnyField, rows: int) -> JSONValue:
    """A valid stored value that shows as many follow-ups and boxes as possible."""
    if isinstance(spec, model.RepeatQuestion):
        count = spec.max_rows or rows
        return [
            {"row_id": f"{spec.id}-r{i}", "values": {f.id: value_for(f, rows) for f in spec.fields}}
            for i in range(count)
        ]
    if isinstance(spec, model.YesNoSpec):
        return "yes"
    if isinstance(spec, model.SingleSpec):
        return next(o.value for o in spec.options if o.skip_to is None)
    if isinstance(spec, model.MultiSpec):
        return [o.value for o in spec.options]
    if isinstance(spec, model.TextSpec):
        return text_of(spec.max_length)
    if isinstance(spec, model.DateSpec):
        return "2025-03-14T10:00" if spec.allow_time else "2025-03-14"
    if isinstance(spec, model.DateTimeSpec):
        return "2025-03-14T10:00"
    return 3


def full_answers(form: model.QuestionSet, rows: int = 40, **over: JSONValue) -> dict[str, JSONValue]:
    answers: dict[str, JSONValue] = {}
    for q in form.questions:
        answers[q.id] = value_for(q, rows)
        if isinstance(q, model.MultiQuestion) and q.other:
            answers[f"{q.id}.other"] = text_of(300)
    answers.update(over)
    assert stored_answer_errors(form, answers) == {}
    return answers


@pytest.fixture(scope="module")
def form() -> model.QuestionSet:
    return load_question_set(default_question_set_path())


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(clock=lambda: 1_795_000_000.0) as fake:
        fake.add_user(USER, "pat", "Pat Police")
        yield fake


@pytest.fixture(scope="module")
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.api_url)


def accepted(slack: FakeSlack, client: WebClient, view: dict[str, Any]) -> None:
    """Our checks pass and the fake Slack (Slack's own limits) opens the modal."""
    check_view(view)
    opened = client.views_open(trigger_id=slack.trigger_id(USER), view=view)
    assert opened["ok"]


def page(form: model.QuestionSet, answers: dict[str, JSONValue], section: str) -> Page:
    found = page_for(form, answers, section)
    assert found is not None
    return found


def view_of(form: model.QuestionSet, answers: dict[str, JSONValue], section: str, **kw: Any) -> dict[str, Any]:
    return page_view(
        form=form, page=page(form, answers, section), answers=answers, context=CONTEXT, meta=META, **kw
    )


def blocks_by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def mrkdwn_texts(obj: Any) -> Iterator[str]:
    if isinstance(obj, dict):
        if obj.get("type") == "mrkdwn":
            yield obj["text"]
        for value in obj.values():
            yield from mrkdwn_texts(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from mrkdwn_texts(item)


def assert_escaped(view: dict[str, Any]) -> None:
    for text in mrkdwn_texts(view):
        assert "<" not in text and ">" not in text, text
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), text


# -- every page, empty and full ------------------------------------------------------------


@pytest.mark.parametrize("c4", ["yes", "no"])
def test_every_page_full_and_empty_is_accepted(
    form: model.QuestionSet, slack: FakeSlack, client: WebClient, c4: str
) -> None:
    for answers in ({}, full_answers(form, C4=c4, E2="yes")):
        shown = pages(form, answers)
        assert len(shown) == len(form.sections)
        for p in shown:
            view = page_view(
                form=form, page=p, answers=answers, context=CONTEXT, meta=META, referral_route=ROUTE
            )
            accepted(slack, client, view)
            assert_escaped(view)
            assert view["callback_id"] == "return_page" and view["notify_on_close"] is True
            assert view["title"]["text"] == "Agency return"
            assert json.loads(view["private_metadata"]) == META
            assert view["submit"]["text"] == ("Review" if p.number == p.total else "Next")
            ids = blocks_by_id(view)
            assert ("nav" in ids) == (p.number > 1)
            assert "Press " in ids["save"]["elements"][0]["text"]
            assert f"Section {p.number} of {p.total}" in ids["hdr"]["text"]["text"]


def test_row_and_review_views_are_accepted(
    form: model.QuestionSet, slack: FakeSlack, client: WebClient
) -> None:
    answers = full_answers(form)
    for q in form.questions:
        if isinstance(q, model.RepeatQuestion):
            row = answers[q.id][0]  # type: ignore[index]
            for values in ({}, row["values"]):  # type: ignore[index]
                view = row_view(question=q, row_id="r-new", values=values, context=CONTEXT, meta=META)
                accepted(slack, client, view)
                assert_escaped(view)
    for state in ({}, answers):
        view = review_view(form=form, answers=state, completeness=completeness(form, state), context=CONTEXT, meta=META)
        accepted(slack, client, view)
        assert_escaped(view)


# -- branching, current risk -------------------------------------------------------------------


def test_c4_follow_ups_appear_from_the_draft(form: model.QuestionSet) -> None:
    empty = blocks_by_id(view_of(form, {}, "C"))
    assert "q|C4" in empty and "q|C5" not in empty and "q|C7" not in empty
    assert empty["q|C4"]["dispatch_action"] is True
    assert "dispatch_action" not in empty["q|C2|0"]

    yes = blocks_by_id(view_of(form, {}, "C", draft={"C4": "yes"}))
    assert {"q|C5", "q|C6", "q|C6.risks"} <= set(yes) and "q|C7" not in yes
    assert yes["q|C4"]["element"]["initial_option"]["value"] == "yes"

    no = blocks_by_id(view_of(form, {"C4": "yes"}, "C", draft={"C4": "no"}))
    assert "q|C7" in no and "q|C5" not in no


def test_gate_answer_in_draft_renumbers_the_pages(form: model.QuestionSet) -> None:
    view = view_of(form, {}, "A", draft={"A1": "no_involvement"})
    ids = blocks_by_id(view)
    assert "Section 2 of 3" in ids["hdr"]["text"]["text"]
    assert "q|A1a|0" in ids and "q|A2" not in ids
    assert ids["q|A1"]["dispatch_action"] is True


def test_current_risk_shows_the_referral_route(form: model.QuestionSet) -> None:
    shown = blocks_by_id(view_of(form, {}, "E", draft={"E2": "yes"}, referral_route=ROUTE))
    assert shown["risk"]["text"]["text"] == (
        "⚠ *If a child is at immediate risk, act now:* " + escape_mrkdwn(ROUTE)
    )
    assert "q|E2a|0" in shown and shown["q|E2a|0"]["optional"] is False
    assert shown["q|E2"]["dispatch_action"] is True
    stored = blocks_by_id(view_of(form, {"E2": "yes"}, "E", referral_route=ROUTE))
    assert "risk" in stored
    assert "risk" not in blocks_by_id(view_of(form, {"E2": "yes"}, "E"))
    assert "risk" not in blocks_by_id(view_of(form, {"E2": "no"}, "E", referral_route=ROUTE))
    cleared = view_of(form, {"E2": "yes"}, "E", draft={"E2": None}, referral_route=ROUTE)
    assert "risk" not in blocks_by_id(cleared)
    assert "risk" not in blocks_by_id(view_of(form, {"E2": "yes"}, "F", referral_route=ROUTE))


# -- escaping and long text ------------------------------------------------------------------


def test_hostile_text_is_escaped_in_mrkdwn_and_raw_in_inputs(form: model.QuestionSet) -> None:
    answers = full_answers(form, **{"0.2": HOSTILE, "0.3.other": HOSTILE})
    view = view_of(form, answers, "0", notice=HOSTILE)
    ids = blocks_by_id(view)
    assert_escaped(view)
    assert "Child &lt;!channel&gt; A" in ids["hdr"]["text"]["text"]
    assert "&lt;@U0BOSS&gt;" in ids["hdr"]["text"]["text"]
    assert escape_mrkdwn(HOSTILE) in ids["notice"]["text"]["text"]
    assert ids["q|0.2"]["element"]["initial_value"] == HOSTILE
    assert ids["q|0.3.other"]["element"]["initial_value"] == HOSTILE
    rows = blocks_by_id(view_of(form, answers, "B"))
    assert "&lt;!channel&gt;" in rows["r|B|B-r0"]["text"]["text"]


def test_a_12000_character_answer_fills_four_boxes(form: model.QuestionSet) -> None:
    long = text_of(12_000)
    ids = blocks_by_id(view_of(form, {"A4": long}, "A"))
    boxes = [ids[f"q|A4|{n}"]["element"] for n in range(4)]
    assert "q|A4|4" not in ids
    assert "".join(b["initial_value"] for b in boxes) == long
    assert all(b["max_length"] == 3000 and b["multiline"] for b in boxes)
    assert ids["q|A4|1"]["label"]["text"].endswith("(continued)")
    empty = blocks_by_id(view_of(form, {}, "A"))
    assert {"q|A4|0", "q|A4|1"} <= set(empty) and "q|A4|2" not in empty
    assert "q|A4|3" in blocks_by_id(view_of(form, {"A4": "x" * 6001}, "A"))

    review = review_view(form=form, answers={"A4": long}, completeness=completeness(form, {"A4": long}), context=CONTEXT, meta=META)
    texts = [t for t in mrkdwn_texts(review) if "Brief summary" in t]
    line = next(ln for t in texts for ln in t.split("\n") if "Brief summary" in ln)
    shown = line.split("* ", 1)[1]
    assert shown.endswith("…") and len(shown) <= len(escape_mrkdwn(long[:120])) + 1
    assert escape_mrkdwn(excerpt(long, 120)) in line


def test_text_helpers() -> None:
    assert escape_mrkdwn("a & <b> <!here>") == "a &amp; &lt;b&gt; &lt;!here&gt;"
    assert excerpt("short", 10) == "short"
    assert excerpt("one two three four five", 14) == "one two three…"
    assert excerpt("line one\n\nline   two", 40) == "line one line two"
    assert len(excerpt("x" * 500, 120)) == 120
    assert plain("<b> & raw", 100) == "<b> & raw"
    assert plain("y" * 30, 24) == "y" * 23 + "…"


# -- repeats, buttons, errors ----------------------------------------------------------------


def test_repeat_rows_have_edit_remove_and_add(form: model.QuestionSet) -> None:
    answers = full_answers(form, rows=2)
    ids = blocks_by_id(view_of(form, answers, "B"))
    heading = ids["r|B"]
    assert "2 events" in heading["text"]["text"]
    assert heading["accessory"]["action_id"] == "row_add"
    assert json.loads(heading["accessory"]["value"]) == {"q": "B"}
    edit, remove = ids["ra|B|B-r1"]["elements"]
    assert (edit["action_id"], remove["action_id"]) == ("row_edit", "row_remove")
    assert json.loads(edit["value"]) == json.loads(remove["value"]) == {"q": "B", "row": "B-r1"}
    assert remove["confirm"]["style"] == "danger"
    assert ids["r|B|B-r0"]["text"]["text"].startswith("*Event 1* · 14/03/2025 10:00")
    h1 = blocks_by_id(view_of(form, answers, "H"))["r|H1"]
    assert "accessory" not in h1 and "3 episodes · at most 3" in h1["text"]["text"]


def test_many_rows_switch_to_a_compact_layout(
    form: model.QuestionSet, slack: FakeSlack, client: WebClient
) -> None:
    answers = full_answers(form, rows=120)
    view = view_of(form, answers, "B")
    accepted(slack, client, view)
    actions = [e for b in view["blocks"] if b["block_id"].startswith("rga|B|") for e in b["elements"]]
    assert len(actions) == 240
    assert [json.loads(e["value"])["row"] for e in actions[:4]] == ["B-r0", "B-r0", "B-r1", "B-r1"]
    assert actions[0]["text"]["text"] == "Edit 1"


def test_errors_map_to_block_ids(form: model.QuestionSet) -> None:
    answers = full_answers(form, rows=2)
    raw = {"A4": "", "A2": ["nobody"], "A3": "maybe"}
    _, errors = apply_page(form, {"A1": "yes_child"}, "A", raw)
    errors.update({"B.rows[B-r1].B1": "2025-13 is not a real date.", "B": "At least 1 rows are needed."})
    errors["0.3.other"] = "x" * 400
    result = errors_for_slack(errors, page(form, answers, "A"), form, answers)
    assert set(result.errors) == {"q|A2", "q|A3"}
    assert set(result.row_errors) == {"B.rows[B-r1].B1", "B", "0.3.other"}
    assert result.row_errors["B.rows[B-r1].B1"].startswith("Event 2, Date (and time if relevant): 2025-13")
    assert result.notice is not None and result.notice.startswith("Please check: ")
    narrative = errors_for_slack({"A4": "Too long.", "0.3.other": "x" * 400}, page(form, answers, "0"), form)
    assert set(narrative.errors) == {"q|0.3.other"} and len(narrative.errors["q|0.3.other"]) <= 150
    a_page = errors_for_slack({"A4": "Too long."}, page(form, answers, "A"), form)
    assert a_page.errors == {"q|A4|0": "Too long."} and a_page.notice is None


def test_row_view(form: model.QuestionSet, slack: FakeSlack, client: WebClient) -> None:
    chronology = form.question("B")
    assert isinstance(chronology, model.RepeatQuestion)
    values: dict[str, JSONValue] = {"B1": "2025-03", "B3": ["father"], "B5": text_of(5000)}
    view = row_view(
        question=chronology, row_id="r-9", values=values, context=CONTEXT, meta=META,
        form=form, answers={"A2": ["child", "mother"]},
    )
    accepted(slack, client, view)
    ids = blocks_by_id(view)
    assert view["callback_id"] == "repeat_row" and view["submit"]["text"] == "Save row"
    assert view["title"]["text"] == "Edit event"
    assert json.loads(view["private_metadata"]) == {**META, "q": "B", "row": "r-9"}
    assert ids["q|B1"]["element"]["initial_value"] == "2025-03"
    assert [o["value"] for o in ids["q|B3"]["element"]["options"]] == ["child", "mother", "father"]
    assert "".join(ids[f"q|B5|{n}"]["element"].get("initial_value", "") for n in range(3)) == values["B5"]
    assert row_summary(chronology, values).startswith("03/2025 (approx.) · Father · ")
    assert row_summary(chronology, {}) == "(nothing entered yet)"
    errors = {"B.rows[r-9].B5": "Too long.", "B.rows[r-9].B1": "Bad date.", "B.rows[r-1].B1": "x"}
    assert row_errors_for_slack(errors, chronology, "r-9") == {"q|B5|0": "Too long.", "q|B1": "Bad date."}
    new = row_view(question=chronology, row_id="r-10", values={}, context=CONTEXT, meta=META)
    assert new["title"]["text"] == "Add event"


# -- review page -------------------------------------------------------------------------------


def review_pages(form: model.QuestionSet, answers: dict[str, JSONValue]) -> list[dict[str, Any]]:
    status = completeness(form, answers)
    views, page_no = [], 0
    while True:
        view = review_view(form=form, answers=answers, completeness=status, context=CONTEXT, meta=META, page_no=page_no)
        views.append(view)
        nav = blocks_by_id(view).get("review_nav", {"elements": []})["elements"]
        nxt = [e for e in nav if e["action_id"] == "review_next"]
        if not nxt:
            return views
        page_no = int(nxt[0]["value"])
        assert page_no == len(views)


def test_review_pages_stay_within_limits(form: model.QuestionSet, slack: FakeSlack, client: WebClient) -> None:
    answers = full_answers(form, rows=200)
    views = review_pages(form, answers)
    assert len(views) > 1
    seen = set()
    for view in views:
        accepted(slack, client, view)
        assert len(view["blocks"]) <= 100
        seen |= {b["block_id"] for b in view["blocks"] if re.fullmatch(r"s\|[^|]+", b["block_id"])}
        assert view["submit"]["text"] == "Submit return" and view["callback_id"] == "return_review"
    assert seen == {f"s|{s.id}" for s in form.sections}
    forty = review_pages(form, full_answers(form, rows=40))
    assert all(len(v["blocks"]) <= 100 for v in forty)
    last = review_view(form=form, answers=answers, completeness=completeness(form, answers), context=CONTEXT, meta=META, page_no=99)
    assert last["blocks"] == views[-1]["blocks"]


def test_review_lists_what_blocks_submission(form: model.QuestionSet, slack: FakeSlack, client: WebClient) -> None:
    answers: dict[str, JSONValue] = {"A1": "yes_child", "K1": "no", "K2": "no", "A4": HOSTILE}
    (view,) = review_pages(form, answers)
    accepted(slack, client, view)
    assert view["submit"]["text"] == "Check answers"
    status = blocks_by_id(view)["status|0"]["text"]["text"]
    assert "Before you can submit" in status and "Rationale" in status
    assert "The return can only be submitted once you confirm this" in status
    ids = blocks_by_id(view)
    edit = ids["s|K"]["accessory"]
    assert (edit["action_id"], edit["value"], edit["text"]["text"]) == ("review_edit", "K", "Edit")
    k_text = ids["s|K|0"]["text"]["text"]
    assert "⚠" in k_text and "No" in k_text
    assert "⚠ *Required:* Rationale" in ids["s|J|0"]["text"]["text"]
    assert escape_mrkdwn(HOSTILE) in ids["s|A|0"]["text"]["text"]


def test_paginate_splits_long_sections() -> None:
    sections: list[list[Any]] = [[1, 2, 3], [4] * 7, [5, 6]]
    assert paginate(sections, 4) == [[1, 2, 3], [4, 4, 4, 4], [4, 4, 4], [5, 6]]


# -- limits ------------------------------------------------------------------------------------


def modal(*blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "submit": {"type": "plain_text", "text": "OK"}, "blocks": list(blocks), **extra}


def inp(element: dict[str, Any], label: str = "L", **extra: Any) -> dict[str, Any]:
    return {"type": "input", "label": {"type": "plain_text", "text": label}, "element": element, **extra}


def opts(n: int, text: str = "o") -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": text}, "value": f"v{i}"} for i in range(n)]


@pytest.mark.parametrize(
    ("view", "problem"),
    [
        (modal(*[{"type": "divider"}] * 101), "101 blocks, the limit is 100"),
        (modal(title={"type": "plain_text", "text": "x" * 25}), "/title/text: 25 characters"),
        (modal(submit={"type": "plain_text", "text": "x" * 25}), "/submit/text: 25 characters"),
        (modal(private_metadata="x" * 3001), "/private_metadata: 3,001 characters"),
        (modal({"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}), "duplicate block_id"),
        (modal({"type": "divider", "block_id": "b" * 256}), "/blocks/0/block_id: 256 characters"),
        (modal(inp({"type": "plain_text_input", "action_id": "v", "max_length": 5000})), "max_length: 5,000"),
        (modal(inp({"type": "plain_text_input", "action_id": "v"}, label="l" * 2001)), "/label/text: 2,001"),
        (modal(inp({"type": "plain_text_input", "placeholder": {"type": "plain_text", "text": "p" * 151}})), "placeholder/text: 151"),
        (modal(inp({"type": "radio_buttons", "options": opts(11)})), "11 options, the limit is 10"),
        (modal(inp({"type": "static_select", "options": opts(101)})), "101 options, the limit is 100"),
        (modal(inp({"type": "checkboxes", "options": opts(2, "t" * 76)})), "options/0/text/text: 76"),
        (modal(inp({"type": "radio_buttons", "options": opts(2), "initial_option": opts(3)[2]})), "initial option"),
        (modal({"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}), "/blocks/0/text/text: 3,001"),
        (modal({"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "b"}, "value": "v" * 2001}]}), "value: 2,001"),
        ({"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [inp({"type": "plain_text_input"})]}, "needs a submit button"),
        ({"type": "modal", "blocks": []}, "a modal needs a title"),
        (modal({"type": "section", "text": {"type": "mrkdwn", "text": ""}}), "/blocks/0/text/text: empty text"),
    ],
)
def test_check_view_names_each_problem(view: dict[str, Any], problem: str) -> None:
    with pytest.raises(BlockLimitError) as caught:
        check_view(view)
    assert problem in str(caught.value)


def test_check_message() -> None:
    check_message([{"type": "divider"}] * 50)
    with pytest.raises(BlockLimitError, match="51 blocks, the limit is 50"):
        check_message([{"type": "divider"}] * 51)
