"""User text is stored as typed, less control and bidi characters (DESIGN §5; forms.text)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.model import MultiQuestion, Option, TextQuestion
from forms.parsing import parse_answer, parse_other
from forms.text import REMOVED, clean_text, is_clean

C0_REMOVED = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = [
    "\u202a",  # LRE
    "\u202b",  # RLE
    "\u202c",  # PDF
    "\u202d",  # LRO
    "\u202e",  # RLO
    "\u2066",  # LRI
    "\u2067",  # RLI
    "\u2068",  # FSI
    "\u2069",  # PDI
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u061c",  # ALM
]
UNCHANGED = [
    "A & B <x>",
    "<!channel> <!here> <@U0ABC|someone> <https://evil.example|click>",
    "{{7*7}} ${7*7} {% raw %} %s %(x)s",
    "x" * 20_000,
    "الطفل أ أُدخل المستشفى يوم ١٤ نوفمبر",  # Arabic
    "הילד הובא לבית החולים",  # Hebrew
    "Baby B 👶🏽 was seen by the HV 👩‍⚕️ 🇬🇧",
    "  leading and trailing spaces, inner   runs  and\ttabs  ",
    "line one\nline two\n\n\nafter blank lines\n",
    "\u00a0no-break\u200bzero-width\u200djoiner\ufeffbom\u2028line sep\u00ad",
    "Ελληνικά, Русский, 中文, हिन्दी, 한국어",
]


def test_nul_and_c0_controls_are_removed_but_newline_and_tab_kept() -> None:
    for char in C0_REMOVED:
        assert clean_text(f"a{char}b") == "ab", repr(char)
    assert clean_text("a\tb\nc") == "a\tb\nc"


def test_del_and_c1_controls_are_removed() -> None:
    assert clean_text("a\x7fb") == "ab"
    for char in C1:
        assert clean_text(f"a{char}b") == "ab", repr(char)


def test_line_endings_become_newlines() -> None:
    assert clean_text("one\r\ntwo\rthree\nfour") == "one\ntwo\nthree\nfour"
    assert clean_text("\r\n\r\n") == "\n\n"
    assert clean_text("\r\r\n") == "\n\n"


@pytest.mark.parametrize("char", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_bidi_controls_are_removed(char: str) -> None:
    assert clean_text(f"invoice{char}gpj.exe") == "invoicegpj.exe"


def test_a_right_to_left_override_cannot_disguise_text() -> None:
    disguised = "No concerns \u202eseniltsaf\u202c noted"
    assert clean_text(disguised) == "No concerns seniltsaf noted"


def test_a_lone_surrogate_becomes_the_replacement_character() -> None:
    assert clean_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert clean_text("😀") == "😀"  # a real astral character is one code point


@pytest.mark.parametrize("text", UNCHANGED, ids=lambda t: t[:20])
def test_everything_else_is_kept_exactly(text: str) -> None:
    assert clean_text(text) == text
    assert is_clean(text)


def test_the_removed_set_is_exactly_the_controls_and_bidi_marks() -> None:
    expected = set(C0_REMOVED) | {"\r", "\x7f"} | set(C1) | set(BIDI)
    assert expected == REMOVED


ANY_CHARACTER = st.characters(codec=None, exclude_categories=())  # surrogates included
AWKWARD = st.sampled_from([*sorted(REMOVED), "\r", "\n", "\t", "\ud800", "\udfff", "é", "👶"])
TEXTS = st.text(alphabet=st.one_of(ANY_CHARACTER, AWKWARD))


@given(TEXTS)
def test_clean_text_is_idempotent_and_leaves_no_forbidden_character(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert not REMOVED & set(cleaned)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in cleaned)
    cleaned.encode("utf-8")  # always encodable


@given(TEXTS)
def test_clean_text_only_deletes_or_replaces(text: str) -> None:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = ["\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in normalised if c not in REMOVED]
    assert clean_text(text) == "".join(kept)


# --- applied where raw text is parsed ---------------------------------------------------------

TEXT = TextQuestion(id="C1", text="What happened?", kind="text", max_length=3000)
SHORT = TextQuestion(id="C2", text="Initials?", kind="text", max_length=10)
MULTI = MultiQuestion(
    id="D1",
    text="Who?",
    kind="multi",
    options=(Option(value="mother", label="Mother"),),
    other=True,
)


def test_parsed_text_answers_are_cleaned() -> None:
    parsed = parse_answer(TEXT, "Seen\x00 at\r\nhome\u202e")
    assert (parsed.value, parsed.errors) == ("Seen at\nhome", {})


def test_other_text_is_cleaned() -> None:
    parsed = parse_other(MULTI, "uncle\u2066\x07")
    assert (parsed.value, parsed.errors) == ("uncle", {})


def test_text_of_only_removed_characters_is_blank() -> None:
    assert parse_answer(TEXT, "\x00\u202e\r\n").value is None


def test_the_length_limit_applies_to_the_cleaned_text() -> None:
    assert parse_answer(SHORT, "abcde\x00\x00\x00\x00\x00\x00fghij").value == "abcdefghij"
    assert parse_answer(SHORT, "abcde\r\nfghi").value == "abcde\nfghi"
    parsed = parse_answer(SHORT, "x" * 11)
    assert parsed.errors == {"C2": "This answer is 11 characters long; the limit is 10."}
