"""The partnership file: the shipped example and the line-aware rejections."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from forms.loader import FormDefinitionError
from forms.partnership import (
    EmailContact,
    default_partnership_path,
    load_partnership,
    load_partnership_text,
)

MINIMAL = """\
name: Northshire Safeguarding Children Partnership
timezone: Europe/London
referral_route: "Children's front door 01234 567890"
agencies:
  - id: police
    name: Northshire Police
    contacts: [U0POLICE1]
  - id: health
    name: Northshire Health NHS Trust
    contacts: [{email: safeguarding@health.example}]
"""


def _error(text: str) -> str:
    with pytest.raises(FormDefinitionError) as info:
        load_partnership_text(text, "partnership.yaml")
    return str(info.value)


def test_shipped_example_is_valid() -> None:
    partnership = load_partnership(default_partnership_path())
    assert partnership.name == "Northshire Safeguarding Children Partnership"
    assert [a.id for a in partnership.agencies] == [
        "police",
        "health",
        "gp",
        "hv",
        "maternity",
        "csc",
        "education",
        "probation",
        "housing",
        "ambulance",
    ]
    police = partnership.agency("police")
    assert police is not None
    assert police.contacts == ("U0POLICE1",) and police.escalation_contact == "U0POLLEAD"
    health = partnership.agency("health")
    assert health is not None and health.contacts == (
        EmailContact(email="safeguarding@health.example"),
    )
    assert partnership.coordinator_channel == "C0COORDS"
    assert partnership.defaults.due_working_days == 7
    assert partnership.defaults.meeting_clock == time(10, 0)


def test_defaults_when_optional_keys_are_absent() -> None:
    partnership = load_partnership_text(MINIMAL, "p.yaml")
    assert partnership.coordinator_channel is None
    assert (partnership.defaults.due_working_days, partnership.defaults.meeting_working_days) == (
        7,
        12,
    )
    assert partnership.defaults.meeting_time == "10:00"
    assert partnership.pack_auto_release is False
    assert partnership.extra_closed_days == ()
    assert partnership.reminders.before_due_working_days == (2, 1)
    assert (partnership.reminders.window_start, partnership.reminders.window_end) == (
        "09:00",
        "17:30",
    )


def test_optional_keys() -> None:
    text = MINIMAL + (
        "pack_auto_release: true\n"
        'extra_closed_days: [2026-12-24, "2026-12-31"]\n'
        'reminders: {before_due_working_days: [3], overdue_daily: false, window_end: "16:00"}\n'
        'defaults: {meeting_time: "14:30"}\n'
    )
    partnership = load_partnership_text(text, "p.yaml")
    assert partnership.pack_auto_release is True
    assert partnership.extra_closed_days == (date(2026, 12, 24), date(2026, 12, 31))
    assert partnership.reminders.before_due_working_days == (3,)
    assert partnership.reminders.overdue_daily is False
    assert partnership.defaults.meeting_clock == time(14, 30)


def test_unknown_key() -> None:
    message = _error(MINIMAL.replace("timezone:", "colour: red\ntimezone:"))
    assert message.startswith('partnership.yaml line 2: unknown key "colour"; allowed keys: name,')


def test_unknown_key_in_an_agency() -> None:
    message = _error(MINIMAL.replace("    name: Northshire Police", "    nmae: Northshire Police"))
    assert 'partnership.yaml line 6, agency police: unknown key "nmae"' in message


def test_duplicate_agency_id() -> None:
    message = _error(MINIMAL.replace("id: health", "id: police"))
    assert message == (
        'partnership.yaml line 8, agency police: duplicate agency id "police" '
        "(first used on line 5)"
    )


def test_bad_timezone() -> None:
    message = _error(MINIMAL.replace("Europe/London", "Europe/Londn"))
    assert message == (
        'partnership.yaml line 2: unknown time zone "Europe/Londn": '
        "use an IANA name such as Europe/London"
    )


def test_empty_contacts() -> None:
    message = _error(MINIMAL.replace("[U0POLICE1]", "[]"))
    assert message == "partnership.yaml line 7, agency police: contacts needs at least 1 item(s)"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("[U0POLICE1]", "[bob]"), '"bob" is not a Slack user id (U… or W…) or {email: …}'),
        (("safeguarding@health", "safeguarding-at-health"), "is not an email address"),
        (("id: police", "id: Police"), '"Police" is not a lower-case agency id'),
        (
            ("name: Northshire Police\n", "name: Northshire Police\n    escalation_contact: x\n"),
            '"x" is not a Slack user id',
        ),
        (
            ("agencies:", "defaults: {meeting_time: 10:00}\nagencies:"),
            "meeting_time: 10:00 is read by YAML as a number; it must be quoted,"
            ' e.g. meeting_time: "10:00"',
        ),
        (
            ("agencies:", 'defaults: {meeting_time: "25:00"}\nagencies:'),
            '"25:00" is not a time of day',
        ),
        (
            ("agencies:", 'reminders: {window_start: "18:00"}\nagencies:'),
            "window_end must be after window_start",
        ),
        (("agencies:", "coordinator_channel: general\nagencies:"), "is not a Slack channel id"),
        (
            ("agencies:", "extra_closed_days: [2026-02-30]\nagencies:"),
            "line 4: '2026-02-30' cannot be read",
        ),
    ],
)
def test_other_rejections(change: tuple[str, str], expected: str) -> None:
    assert expected in _error(MINIMAL.replace(*change))


def test_no_agencies_and_yaml_errors(tmp_path: Path) -> None:
    assert "agencies needs at least 1 item(s)" in _error(
        MINIMAL.split("agencies:")[0] + "agencies: []\n"
    )
    assert "YAML syntax error" in _error(MINIMAL + "  - id: [oops\n")
    path = tmp_path / "northshire.yaml"
    path.write_text(MINIMAL.replace("Europe/London", "Mars/Olympus"), encoding="utf-8")
    with pytest.raises(FormDefinitionError, match=r"northshire\.yaml line 2: unknown time zone"):
        load_partnership(path)
