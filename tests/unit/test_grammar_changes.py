"""The grammar of ``/rrm add``, ``edit``, ``extend``, ``remove`` and ``owner``: what parses, what
each mistake is told (with the correct form), and that nothing raises."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.grammar import SUBCOMMANDS, CommandError, parse_command, usage_text
from bot.slack.grammar_changes import (
    AddCommand,
    AgencyName,
    EditCommand,
    ExtendCommand,
    OwnerCommand,
    RemoveCommand,
)

REF = "RR-2026-014"


def problems(text: str) -> tuple[str, ...]:
    result = parse_command(text)
    assert isinstance(result, CommandError), result
    return result.problems


def usage_of(text: str) -> str:
    result = parse_command(text)
    assert isinstance(result, CommandError), result
    return result.usage


def test_every_change_subcommand_is_listed_in_the_help_with_an_example() -> None:
    usage = usage_text()
    for name in ("add", "edit", "extend", "remove", "owner"):
        assert name in SUBCOMMANDS
        assert f"`/rrm {name} RR-2026-014" in usage
    assert "<" not in usage


# -- add --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"add {REF} probation", AddCommand(REF, AgencyName("probation"))),
        ("ADD rr-2026-014 Probation", AddCommand(REF, AgencyName("probation"))),
        (f"add {REF} gp <@U0GP1|gp>", AddCommand(REF, AgencyName("gp"), "U0GP1")),
        (f"add {REF} gp @U0GP1", AddCommand(REF, AgencyName("gp"), "U0GP1")),
        (
            f'add {REF} "St Mary\'s Primary" <@U0HEAD|head>',
            AddCommand(REF, AgencyName("St Mary's Primary", quoted=True), "U0HEAD"),
        ),
        (
            f"add {REF} “Other Area &amp; Co” <@U0HEAD>",
            AddCommand(REF, AgencyName("Other Area & Co", quoted=True), "U0HEAD"),
        ),
    ],
)
def test_add_parses(text: str, expected: AddCommand) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("add", "`/rrm add` needs a reference first, e.g. /rrm add RR-2026-014 probation"),
        (f"add {REF}", "name the agency after the reference, e.g. /rrm add RR-2026-014 police"),
        (f"add {REF} agency=police", "name the agency after the reference"),
        (f"add {REF} Police!", "`Police!` is not an agency id"),
        (f'add {REF} "St Mary\'s"', 'a new agency needs its contact: /rrm add RR-2026-014 "St'),
        (f"add {REF} St Marys", "a new agency's name goes in quotes"),
        (f"add {REF} gp sam", "`sam`: that is not a Slack user"),
        (f"add {REF} gp <#C0CASES|cases>", "that is a channel, not a person"),
        (f"add {REF} gp <@U0A> <@U0B>", "at most one contact"),
        (f'add {REF} "   " <@U0A>', "the agency's name is empty"),
        (f'add {REF} "{"x" * 101}" <@U0A>', "101 characters long; use at most 100"),
        ("add RR 2026 police", "`2026` is not an agency id"),
    ],
)
def test_add_mistakes(text: str, says: str) -> None:
    assert any(says in p for p in problems(text)), problems(text)
    assert usage_of(text).startswith("*How to use /rrm add*")


def test_a_new_agencys_name_is_escaped_when_echoed() -> None:
    (only,) = problems(f'add {REF} "&lt;!channel&gt; School"')
    assert "&lt;!channel&gt; School" in only and "<!channel>" not in only


# -- edit -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"edit {REF} due=2026-12-03", EditCommand(REF, due=date(2026, 12, 3))),
        (f"edit {REF} due=03/12/2026", EditCommand(REF, due=date(2026, 12, 3))),
        (
            f"edit {REF} meeting=2026-12-10T14:00",
            EditCommand(REF, meeting=date(2026, 12, 10), meeting_time=time(14, 0)),
        ),
        (
            f"edit {REF} meeting=2026-12-10 14:00 chair=<@U0CH2|pat>",
            EditCommand(REF, meeting=date(2026, 12, 10), meeting_time=time(14, 0), chair="U0CH2"),
        ),
        (f"edit {REF} meeting=2026-12-10", EditCommand(REF, meeting=date(2026, 12, 10))),
        (
            f"edit {REF} chair=@U0CH2 due=2026-12-03 meeting=2026-12-10",
            EditCommand(REF, meeting=date(2026, 12, 10), due=date(2026, 12, 3), chair="U0CH2"),
        ),
    ],
)
def test_edit_parses(text: str, expected: EditCommand) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("edit due=2026-12-03", "`/rrm edit` needs a reference first"),
        (f"edit {REF}", "say what changes: meeting=, due= or chair="),
        (f"edit {REF} due=2026-13-01", "`due=2026-13-01`:"),
        (f"edit {REF} meeting=tomorrow", "`meeting=tomorrow`:"),
        (f"edit {REF} chair=bob", "`chair=bob`: that is not a Slack user"),
        (f"edit {REF} due=", "`due=` needs a value, e.g. due=2026-12-02"),
        (f"edit {REF} due=2026-12-03 due=2026-12-04", "`due=` is given twice"),
        (f"edit {REF} venue=hall", "unknown key `venue=` — `/rrm edit` changes meeting=, due="),
        (f"edit {REF} 2026-12-03", "unexpected `2026-12-03` — give what changes as key=value"),
    ],
)
def test_edit_mistakes(text: str, says: str) -> None:
    assert any(says in p for p in problems(text)), problems(text)
    assert usage_of(text).startswith("*How to use /rrm edit*")


# -- extend -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f'extend {REF} police due=2026-12-04 reason="awaiting records"',
            ExtendCommand(REF, AgencyName("police"), date(2026, 12, 4), "awaiting records"),
        ),
        (
            f"extend {REF} police reason=awaiting &lt;b&gt; records due=04/12/2026",
            ExtendCommand(REF, AgencyName("police"), date(2026, 12, 4), "awaiting <b> records"),
        ),
        (
            f'extend {REF} "St Mary\'s Primary" due=2026-12-04 reason=half term',
            ExtendCommand(
                REF, AgencyName("St Mary's Primary", quoted=True), date(2026, 12, 4), "half term"
            ),
        ),
    ],
)
def test_extend_parses(text: str, expected: ExtendCommand) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (f"extend {REF} police due=2026-12-04", "say why — the reason is required"),
        (f'extend {REF} police due=2026-12-04 reason=""', "the reason is required"),
        (f"extend {REF} police reason=late", "give the new due date"),
        (f"extend {REF} due=2026-12-04 reason=late", "name the agency after the reference"),
        (f"extend {REF} police due=soon reason=late", "`due=soon`:"),
        (f"extend {REF} police due=2026-12-04 reason=a reason=b", "`reason=` is given twice"),
        (f"extend {REF} police due=2026-12-04 why=late", "unknown key `why=`"),
        (f"extend {REF} police due=2026-12-04 reason={'x' * 501}", "use at most 500"),
    ],
)
def test_extend_mistakes(text: str, says: str) -> None:
    assert any(says in p for p in problems(text)), problems(text)
    assert usage_of(text).startswith("*How to use /rrm extend*")


# -- remove and owner ---------------------------------------------------------------------------


def test_remove_and_owner_parse() -> None:
    assert parse_command(f"remove {REF} housing") == RemoveCommand(REF, AgencyName("housing"))
    assert parse_command(f'remove {REF} "St Mary\'s"') == RemoveCommand(
        REF, AgencyName("St Mary's", quoted=True)
    )
    assert parse_command(f"owner {REF} <@U0CAT|cat>") == OwnerCommand(REF, "U0CAT")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("remove", "`/rrm remove` needs a reference first"),
        (f"remove {REF}", "name the agency after the reference"),
        (f"remove {REF} housing police", "takes a reference and one agency"),
        ("owner", "`/rrm owner` needs a reference first"),
        (f"owner {REF}", "name the new owner, e.g. /rrm owner RR-2026-014 @alex"),
        (f"owner {REF} alex", "`alex`: that is not a Slack user"),
        (f"owner {REF} <!subteam^S1|coords>", "that is a user group"),
        (f"owner {REF} <@U0A> <@U0B>", "takes a reference and one person"),
        ("owner RR_2026 <@U0A>", "use letters, digits and dashes only"),
    ],
)
def test_remove_and_owner_mistakes(text: str, says: str) -> None:
    assert any(says in p for p in problems(text)), problems(text)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["add", "edit", "extend", "remove", "owner"]),
    st.text(alphabet=st.sampled_from(list("ab =@<>|\"“”'&;:.-/0123456789URT#!^")), max_size=40),
)
def test_nothing_raises_and_every_problem_shows_the_correct_form(name: str, rest: str) -> None:
    result = parse_command(f"{name} {rest}")
    if isinstance(result, CommandError):
        assert result.problems and result.usage.startswith(f"*How to use /rrm {name}*")
