"""The ``/rrm open`` modal: building it, pre-filling it, and reading its state back."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient

from bot.fakeslack import FakeSlack
from bot.services.reviews import OpenRequest
from bot.slack.blocks.limits import check_view
from bot.slack.blocks.open_review import (
    FIELDS,
    OpenDefaults,
    OpenDraft,
    draft_from_args,
    open_defaults,
    open_review_view,
)
from bot.slack.grammar import OpenArgs, parse_command
from bot.slack.open_state import (
    WARNED_KEY,
    default_contacts,
    draft_from_state,
    field_block,
    pseudonym_check,
    request_from_state,
    service_errors,
    suggest_reference,
)
from forms.calendar import WorkingCalendar
from forms.partnership import Partnership, default_partnership_path, load_partnership

LONDON = ZoneInfo("Europe/London")
COORD = "U0COORD1"
META = {"c": "C0REVIEWS"}
HOSTILE = "<!channel> & <@U0BAD|x> <https://evil.example|click>"
EMAILS = {"maternity.safeguarding@health.example": "U0MATEMAIL"}  # resolvable; others are not


@pytest.fixture(scope="module")
def partnership() -> Partnership:
    return load_partnership(default_partnership_path())


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(COORD, "coord", "Casey Coordinator", "casey@partnership.example")
        yield fake


def opened(slack: FakeSlack, view: dict[str, Any]) -> dict[str, Any]:
    """Open ``view`` on the fake with the real WebClient; the view Slack stored."""
    check_view(view)
    client = WebClient(base_url=slack.api_url, token=slack.bot_token)
    response = client.views_open(trigger_id=slack.trigger_id(COORD), view=view)
    assert response["ok"]
    stored: dict[str, Any] = response["view"]
    return stored


def build(
    partnership: Partnership,
    chosen: tuple[str, ...] = (),
    values: OpenDraft | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    values = values or OpenDraft(agencies=chosen)
    return open_review_view(
        partnership=partnership,
        reference="RR-2026-015",
        chosen=chosen,
        contacts=default_contacts(partnership, chosen, EMAILS.get),
        values=values,
        defaults=OpenDefaults(date(2026, 11, 20), date(2026, 12, 1), date(2026, 12, 8), time(10)),
        notice=notice,
        meta=META,
    )


def by_id(view: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def mrkdwn_texts(view: Mapping[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(view["blocks"])
    return found


# -- the view ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 3, 10])
def test_modal_is_accepted_with_0_3_and_10_agencies(
    partnership: Partnership, slack: FakeSlack, count: int
) -> None:
    chosen = tuple(a.id for a in partnership.agencies[:count])
    view = build(partnership, chosen)
    stored = opened(slack, view)
    assert stored["callback_id"] == "open_review"
    assert stored["title"]["text"] == "Open rapid review"
    assert stored["submit"]["text"] == "Open review"
    assert len(view["blocks"]) < 100
    ids = by_id(view)
    assert [f"o|{f}" for f in FIELDS] == [k for k in ids if k.startswith("o|") and "contact" not in k]
    assert [k for k in ids if k.startswith("o|contact|")] == [f"o|contact|{a}" for a in chosen]
    assert all(b["element"]["action_id"] == "v" for b in view["blocks"] if b["type"] == "input")
    assert json.loads(view["private_metadata"]) == META


def test_a_huge_partnership_still_fits(partnership: Partnership, slack: FakeSlack) -> None:
    agencies = [{"id": f"a{n}", "name": f"Agency {n}", "contacts": [f"U0A{n:04d}"]} for n in range(95)]
    big = Partnership.model_validate({**partnership.model_dump(), "agencies": agencies})
    chosen = tuple(a.id for a in big.agencies)
    view = build(big, chosen)
    opened(slack, view)
    assert len(view["blocks"]) == 100
    assert "more agencies get their default contacts" in view["blocks"][-1]["elements"][0]["text"]
    shown = [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("o|contact|")]
    values = {**COMPLETE, "agencies": list(chosen)}
    values.pop("contact_police"), values.pop("contact_health")
    request = request_from_state(
        {**state(**values), **{b: {"v": {"type": "users_select", "selected_user": "U0X"}} for b in shown}},
        partnership=big, tz=LONDON,
    )
    assert isinstance(request, OpenRequest)
    assert request.contacts["a0"] == "U0X" and request.contacts["a94"] is None


def test_fields_and_defaults(partnership: Partnership) -> None:
    ids = by_id(build(partnership))
    assert ids["o|reference"]["element"]["initial_value"] == "RR-2026-015"
    assert ids["o|child"]["hint"]["text"] == "Never a real name: e.g. Child A"
    assert [o["value"] for o in ids["o|under1"]["element"]["options"]] == ["yes", "no"]
    assert "initial_option" not in ids["o|under1"]["element"]
    assert ids["o|incident"]["optional"] is True and "initial_date" not in ids["o|incident"]["element"]
    assert ids["o|notified"]["element"]["initial_date"] == "2026-11-20"
    assert ids["o|period_from"]["hint"]["text"] == (
        "Default: 12 months before the incident; for a baby from the start of pregnancy"
    )
    assert ids["o|description"]["element"]["multiline"] is True
    assert "shown only in the meeting pack" in ids["o|description"]["hint"]["text"].lower()
    assert ids["o|meeting_date"]["element"]["initial_date"] == "2026-12-08"
    assert ids["o|meeting_time"]["element"] == {"type": "timepicker", "action_id": "v", "initial_time": "10:00"}
    assert ids["o|due"]["element"]["initial_date"] == "2026-12-01"
    assert ids["o|chair"]["element"]["type"] == "users_select"
    agencies = ids["o|agencies"]
    assert agencies["dispatch_action"] is True
    assert agencies["element"]["type"] == "multi_static_select"
    assert len(agencies["element"]["options"]) == 10


def test_open_defaults_count_working_days(partnership: Partnership) -> None:
    calendar = WorkingCalendar(tz="Europe/London")
    defaults = open_defaults(
        OpenDraft(), partnership, today=date(2026, 12, 18), add_working_days=calendar.add_working_days
    )
    assert defaults.notified == date(2026, 12, 18)
    assert defaults.due == date(2026, 12, 31)  # 25, 28 (Boxing Day substitute) closed
    assert defaults.meeting_time == time(10)
    given = open_defaults(
        OpenDraft(notified="2026-11-20"), partnership, today=date(2026, 12, 18),
        add_working_days=calendar.add_working_days,
    )
    assert (given.notified, given.due, given.meeting_date) == (
        date(2026, 11, 20), date(2026, 12, 1), date(2026, 12, 8)
    )


def test_contact_pickers_are_prefilled_from_the_partnership_file(partnership: Partnership) -> None:
    ids = by_id(build(partnership, ("police", "maternity", "csc")))
    police = ids["o|contact|police"]
    assert police["label"]["text"] == "Northshire Police contact"
    assert police["element"]["type"] == "users_select"
    assert police["element"]["initial_user"] == "U0POLICE1"
    assert "hint" not in police
    assert ids["o|contact|maternity"]["element"]["initial_user"] == "U0MATERN1"
    assert ids["o|contact|csc"]["element"]["initial_user"] == "U0CSC0001"


def test_an_unresolved_email_contact_says_so(partnership: Partnership) -> None:
    contacts = default_contacts(partnership, ("health", "maternity", "nope"), EMAILS.get)
    assert contacts == {"health": None, "maternity": "U0MATERN1"}
    health = by_id(build(partnership, ("health",)))["o|contact|health"]
    assert "initial_user" not in health["element"]
    assert health["hint"]["text"] == "No Slack user found for safeguarding@health.example: choose the contact"
    chosen = OpenDraft(agencies=("health",), contacts={"health": "U0CHOSEN"})
    again = by_id(build(partnership, ("health",), chosen))["o|contact|health"]
    assert again["element"]["initial_user"] == "U0CHOSEN" and "hint" not in again


def test_prefilled_from_the_text_command(partnership: Partnership, slack: FakeSlack) -> None:
    args = parse_command(
        'open rr-2026-014 child="Child A" notified=20/11/2026 meeting=2026-12-09T14:30 '
        "chair=<@U0CHAIR|chair> agencies=police,health under1=yes period=2025-02-01..2026-11-18 "
        "incident=2026-11-18"
    )
    assert isinstance(args, OpenArgs) and args.missing == ("due",)
    draft = draft_from_args(args)
    assert draft.under1 == "yes" and draft.meeting_time == "14:30" and draft.period_from == "2025-02-01"
    view = build(partnership, args.agencies or (), draft)
    opened(slack, view)
    ids = by_id(view)
    assert ids["o|reference"]["element"]["initial_value"] == "RR-2026-014"
    assert ids["o|child"]["element"]["initial_value"] == "Child A"
    assert ids["o|under1"]["element"]["initial_option"]["value"] == "yes"
    assert ids["o|notified"]["element"]["initial_date"] == "2026-11-20"
    assert ids["o|incident"]["element"]["initial_date"] == "2026-11-18"
    assert ids["o|period_from"]["element"]["initial_date"] == "2025-02-01"
    assert ids["o|period_to"]["element"]["initial_date"] == "2026-11-18"
    assert ids["o|meeting_date"]["element"]["initial_date"] == "2026-12-09"
    assert ids["o|meeting_time"]["element"]["initial_time"] == "14:30"
    assert ids["o|due"]["element"]["initial_date"] == "2026-12-01"  # the default
    assert ids["o|chair"]["element"]["initial_user"] == "U0CHAIR"
    chosen = [o["value"] for o in ids["o|agencies"]["element"]["initial_options"]]
    assert chosen == ["police", "health"]
    assert {"o|contact|police", "o|contact|health"} <= set(ids)


def test_unknown_agencies_from_the_text_command_are_named(partnership: Partnership) -> None:
    view = build(partnership, ("police", "polce"))
    assert "o|contact|polce" not in by_id(view)
    assert any("Not in the partnership file: polce" in t for t in mrkdwn_texts(view))


def test_hostile_text_is_raw_in_inputs_and_escaped_in_mrkdwn(
    partnership: Partnership, slack: FakeSlack
) -> None:
    draft = OpenDraft(child=HOSTILE, reference="RR-1", description=HOSTILE, agencies=("police",))
    view = build(partnership, ("police",), draft, notice=f"‘{HOSTILE}’ looks like a real name.")
    opened(slack, view)
    ids = by_id(view)
    assert ids["o|child"]["element"]["initial_value"] == HOSTILE
    assert ids["o|description"]["element"]["initial_value"] == HOSTILE
    notice = ids["notice"]["text"]["text"]
    assert "&lt;!channel&gt; &amp; &lt;@U0BAD|x&gt;" in notice
    for text in mrkdwn_texts(view):
        assert "<" not in text and ">" not in text


def test_pseudonym_warning_is_shown_once(partnership: Partnership) -> None:
    notice = pseudonym_check("Jayden Smith", META)
    assert notice == (
        "‘Jayden Smith’ looks like a real name: use a pseudonym such as Child A. "
        "Press Open review again to keep it, or change it."
    )
    assert pseudonym_check("Jayden Smith", {**META, WARNED_KEY: "Jayden Smith"}) is None
    assert pseudonym_check("Jayden Smyth", {WARNED_KEY: "Jayden Smith"}) is not None
    assert pseudonym_check("Child A", META) is None
    view = build(partnership, notice=notice)
    assert view["blocks"][0]["block_id"] == "notice"
    assert view["blocks"][0]["text"]["text"].startswith("⚠ ‘Jayden Smith’ looks like a real name")


def test_suggest_reference() -> None:
    assert suggest_reference(2026, []) == "RR-2026-001"
    assert suggest_reference(2026, ["RR-2026-014", "rr-2026-009", "RR-2025-120", "X-1"]) == "RR-2026-015"


# -- the state back ----------------------------------------------------------------------


def state(**fields: Any) -> dict[str, Any]:
    """A view's state.values as Slack sends it, from field=value (None: left blank)."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        block = "o|" + name.replace("contact_", "contact|")
        if name in ("reference", "child", "description"):
            element = {"type": "plain_text_input", "value": value}
        elif name == "under1":
            element = {"type": "radio_buttons", "selected_option": value and {"value": value}}
        elif name == "meeting_time":
            element = {"type": "timepicker", "selected_time": value}
        elif name == "chair" or name.startswith("contact_"):
            element = {"type": "users_select", "selected_user": value}
        elif name == "agencies":
            element = {"type": "multi_static_select",
                       "selected_options": [{"value": v} for v in value or ()]}
        else:
            element = {"type": "datepicker", "selected_date": value}
        out[block] = {"v": element}
    return out


COMPLETE = {
    "reference": "rr-2026-015",
    "child": "Child A",
    "under1": "no",
    "incident": "2026-03-20",
    "notified": "2026-03-23",
    "period_from": None,
    "period_to": None,
    "description": "Fell from a window.",
    "meeting_date": "2026-04-08",
    "meeting_time": "10:00",
    "due": "2026-03-31",
    "chair": "U0CHAIR",
    "agencies": ["police", "health"],
    "contact_police": "U0POLICE1",
    "contact_health": "U0HEALTH9",
}


def test_complete_state_is_a_request(partnership: Partnership) -> None:
    request = request_from_state(state(**COMPLETE), partnership=partnership, tz=LONDON)
    assert request == OpenRequest(
        reference="RR-2026-015",
        pseudonym="Child A",
        notification_date=date(2026, 3, 23),
        meeting_at=datetime(2026, 4, 8, 10, tzinfo=LONDON),
        due_date=date(2026, 3, 31),
        chair="U0CHAIR",
        contacts={"police": "U0POLICE1", "health": "U0HEALTH9"},
        under_1=False,
        incident_date=date(2026, 3, 20),
        incident_description="Fell from a window.",
    )


def test_meeting_time_is_local_across_the_clock_change(partnership: Partnership) -> None:
    # British Summer Time starts on 29 March 2026 and ends on 25 October 2026.
    for day, offset in (("2026-03-27", 0), ("2026-03-30", 1), ("2026-10-26", 0)):
        values = {**COMPLETE, "meeting_date": day, "due": "2026-03-25"}
        request = request_from_state(state(**values), partnership=partnership, tz=LONDON)
        assert isinstance(request, OpenRequest)
        assert request.meeting_at.utcoffset() == timedelta(hours=offset)
        assert request.meeting_at.astimezone(LONDON).time() == time(10)
    skipped = request_from_state(
        state(**{**COMPLETE, "meeting_date": "2026-03-29", "meeting_time": "01:30"}),
        partnership=partnership, tz=LONDON,
    )
    assert isinstance(skipped, OpenRequest)
    assert skipped.meeting_at.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"


def test_a_baby_and_an_explicit_period(partnership: Partnership) -> None:
    values = {**COMPLETE, "under1": "yes", "period_from": "2025-06-01", "period_to": "2026-03-20",
              "description": "   "}
    request = request_from_state(state(**values), partnership=partnership, tz=LONDON)
    assert isinstance(request, OpenRequest)
    assert request.under_1 is True
    assert (request.period_from, request.period_to) == (date(2025, 6, 1), date(2026, 3, 20))
    assert request.incident_description is None


@pytest.mark.parametrize(
    ("changes", "block", "message"),
    [
        ({"reference": None}, "o|reference", "Give a reference, e.g. RR-2026-015."),
        ({"reference": "RR 2026/15"}, "o|reference", "Use letters, digits and dashes only, e.g. RR-2026-015."),
        ({"child": " "}, "o|child", "Give the child's pseudonym, e.g. Child A."),
        ({"child": "C" * 61}, "o|child", "The pseudonym is 61 characters long: use at most 60, e.g. Child A."),
        ({"under1": None}, "o|under1", "Answer yes or no: is the child under 1 or not independently mobile?"),
        ({"notified": None}, "o|notified", "Give the notification date."),
        ({"incident": "20/03/2026"}, "o|incident", "Choose the incident date from the calendar."),
        ({"meeting_date": None}, "o|meeting_date", "Give the meeting date."),
        ({"meeting_time": None}, "o|meeting_time", "Give the meeting time, e.g. 10:00."),
        ({"due": None}, "o|due", "Give the return due date."),
        ({"due": "2026-02-30"}, "o|due", "Choose the return due date from the calendar."),
        ({"chair": None}, "o|chair", "Choose the chair."),
        ({"agencies": None}, "o|agencies", "Choose at least one agency."),
        ({"agencies": ["police", "mi5"]}, "o|agencies", "Choose the agencies from the list again."),
        ({"contact_police": None}, "o|contact|police", "Choose a contact for Northshire Police."),
        ({"period_from": "2026-03-22", "period_to": "2026-03-21"}, "o|period_from",
         "The review period must start before it ends: choose an earlier start or a later end."),
        ({"period_from": "2026-04-01"}, "o|period_from",
         "The review period must start before it ends: choose an earlier start or a later end."),
    ],
)
def test_each_problem_names_the_field_and_the_fix(
    partnership: Partnership, changes: dict[str, Any], block: str, message: str
) -> None:
    errors = request_from_state(state(**{**COMPLETE, **changes}), partnership=partnership, tz=LONDON)
    assert errors == {block: message}


def test_an_agency_chosen_just_before_submitting_gets_its_default_contact(
    partnership: Partnership,
) -> None:
    values = {**COMPLETE, "agencies": ["police", "health", "csc"]}
    request = request_from_state(state(**values), partnership=partnership, tz=LONDON)
    assert isinstance(request, OpenRequest)
    assert request.contacts == {"police": "U0POLICE1", "health": "U0HEALTH9", "csc": None}


@pytest.mark.parametrize(
    "junk", [None, [], "x", {"o|child": "x"}, {"o|child": {"v": []}}, {"o|agencies": {"v": {"selected_options": "x"}}}]
)
def test_malformed_state_never_raises(partnership: Partnership, junk: Any) -> None:
    errors = request_from_state(junk, partnership=partnership, tz=LONDON)
    assert isinstance(errors, dict) and "o|reference" in errors and "o|chair" in errors
    assert draft_from_state(junk).agencies is None


def test_draft_from_state_rerenders_what_was_chosen(partnership: Partnership, slack: FakeSlack) -> None:
    draft = draft_from_state(state(**{**COMPLETE, "agencies": ["police", "health", "csc"]}))
    assert draft.agencies == ("police", "health", "csc")
    assert draft.contacts == {"police": "U0POLICE1", "health": "U0HEALTH9"}
    assert draft.meeting_time == "10:00" and draft.under1 == "no" and draft.period_from is None
    view = build(partnership, draft.agencies or (), draft)
    opened(slack, view)
    ids = by_id(view)
    assert ids["o|contact|health"]["element"]["initial_user"] == "U0HEALTH9"
    assert ids["o|contact|csc"]["element"]["initial_user"] == "U0CSC0001"
    assert ids["o|incident"]["element"]["initial_date"] == "2026-03-20"


def test_service_errors_show_on_the_right_inputs() -> None:
    names = ("child", "agencies", "due", "meeting", "incident", "period", "chair", "reference")
    assert {n: field_block(n) for n in names} == {
        "child": "o|child", "agencies": "o|agencies", "due": "o|due", "meeting": "o|meeting_date",
        "incident": "o|incident", "period": "o|period_from", "chair": "o|chair",
        "reference": "o|reference",
    }
    assert field_block("meeting_time") == "o|meeting_time"
    assert field_block("something new") == "o|reference"
    errors = service_errors({"reference": "RR-2026-015 is already in use; choose another reference.",
                             "due": "x" * 400})
    assert errors["o|reference"] == "RR-2026-015 is already in use; choose another reference."
    assert len(errors["o|due"]) <= 150
