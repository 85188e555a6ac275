"""The pseudonym check (DESIGN §5): warn on identifying details, never on a pseudonym."""

from __future__ import annotations

import pytest

from forms.pseudonym import nhs_check_digit_ok, pseudonym_warnings

PSEUDONYMS = [
    "Child A",
    "Baby B",
    "Sibling 1",
    "Child A (sibling)",
    "Infant C",
    "Young person D",
    "J.S.",
    "JS",
    "J S",
    "Child AB",
    "Baby 2",
    "child a",
    "CHILD A",
    "Child Q",
    "Child Amber",
    "Baby Boy C",
    "Half-sibling 2",
    "Twin 1 and Twin 2",
    "Older sibling of Child A",
    "Child A's brother",
    "Child A, born March 2024",
    "Child A (12/03)",
    "Baby 31/02/2024",
    "Young person 17",
    "Unborn baby of Mother A",
    "",
]


@pytest.mark.parametrize("text", PSEUDONYMS)
def test_pseudonyms_pass(text: str) -> None:
    assert pseudonym_warnings(text) == []


@pytest.mark.parametrize(
    ("text", "shown", "kind"),
    [
        ("943 476 5919", "943 476 5919", "an NHS number"),
        ("9434765919", "9434765919", "an NHS number"),
        ("Child A 943-476-5919", "943-476-5919", "an NHS number"),
        ("1234567890", "1234567890", "an NHS number or another identifying number"),
        ("NHS 123 456 7890", "123 456 7890", "an NHS number or another identifying number"),
        ("Child A 03/03/2024", "03/03/2024", "a date of birth"),
        ("Baby 3.3.24.", "3.3.24", "a date of birth"),
        ("Child A 3-3-2024", "3-3-2024", "a date of birth"),
        ("Born 2024-03-05", "2024-03-05", "a date of birth"),
        ("3 March 2024", "3 March 2024", "a date of birth"),
        ("Child A b. 3rd of Mar 2024", "3rd of Mar 2024", "a date of birth"),
        ("March 3, 2024", "March 3, 2024", "a date of birth"),
        ("Child A BB1 2AB", "BB1 2AB", "a postcode"),
        ("M1 1AE", "M1 1AE", "a postcode"),
        ("SW1A 1AA", "SW1A 1AA", "a postcode"),
        ("child a sw1a1aa", "sw1a1aa", "a postcode"),
        ("Jayden Smith", "Jayden Smith", "a real name"),
        ("Mary-Jane O'Neill", "Mary-Jane O'Neill", "a real name"),
        ("Child A (Jayden Smith)", "Jayden Smith", "a real name"),
        ("Smith, Jayden", "Smith, Jayden", "a real name"),
        ("JAYDEN SMITH", "JAYDEN SMITH", "a real name"),
        ("Maria de la Cruz", "Maria de la Cruz", "a real name"),
        ("Baby Zoë Åberg", "Zoë Åberg", "a real name"),
    ],
)
def test_identifying_details_warn(text: str, shown: str, kind: str) -> None:
    warnings = pseudonym_warnings(text)
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"‘{shown}’ looks like {kind}")
    assert "use a pseudonym such as Child A" in warnings[0]


def test_several_problems_are_each_named_once() -> None:
    warnings = pseudonym_warnings("Jayden Smith 03/03/2024 BB1 2AB 943 476 5919 Jayden Smith")
    kinds = [w.split(" looks like ")[1].split(":")[0] for w in warnings]
    assert kinds == ["an NHS number", "a date of birth", "a postcode", "a real name"]


def test_nhs_check_digit() -> None:
    assert nhs_check_digit_ok("9434765919")
    assert nhs_check_digit_ok("4010232137")
    assert not nhs_check_digit_ok("9434765918")
    assert not nhs_check_digit_ok("1234567890")  # remainder gives check 10: never valid
    assert not nhs_check_digit_ok("943476591")
    assert not nhs_check_digit_ok("94347659x9")


def test_warnings_are_plain_sentences() -> None:
    (warning,) = pseudonym_warnings("Jayden Smith")
    assert warning == "‘Jayden Smith’ looks like a real name: use a pseudonym such as Child A."
