"""The /rrm command grammar: what parses, what each mistake is told, and that nothing raises."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.grammar import (
    Command,
    CommandError,
    HelpCommand,
    OpenArgs,
    PackCommand,
    StatusCommand,
    SummaryCommand,
    parse_command,
    usage_text,
)
from bot.slack.mentions import escape_mrkdwn, parse_user, shown, split_words, unescape_slack

FULL = (
    'open RR-2026-014 child="Child A" notified=2026-11-20 meeting=2026-12-09T10:00 '
    "due=2026-12-02 chair=<@U0CHAIR|chair> agencies=police,health,csc"
)


def parsed(text: str) -> OpenArgs:
    result = parse_command(text)
    assert isinstance(result, OpenArgs), getattr(result, "text", result)
    return result


def problems(text: str) -> tuple[str, ...]:
    result = parse_command(text)
    assert isinstance(result, CommandError), result
    return result.problems


def problem(text: str) -> str:
    (only,) = problems(text)
    return only


# -- subcommands ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "help open"])
def test_help(text: str) -> None:
    assert parse_command(text) == HelpCommand()


def test_usage_lists_every_subcommand_with_an_example() -> None:
    usage = usage_text()
    for example in ("`/rrm open`", 'child="Child A"', "`/rrm status RR-2026-014`", "`/rrm help`",
                    "`/rrm pack RR-2026-014`", "`/rrm pack RR-2026-014 to=@alex,@sam`",
                    "`/rrm summary RR-2026-014`"):  # fmt: skip
        assert example in usage
    assert "<" not in usage  # nothing Slack would read as markup


def test_unknown_subcommand_shows_the_usage() -> None:
    result = parse_command("foo bar")
    assert isinstance(result, CommandError)
    assert result.problems == ("Unknown command `/rrm foo`.",)
    assert result.text.startswith("Unknown command `/rrm foo`.\n\n*How to use /rrm*")
    assert problem("child=x") == "Unknown command `/rrm child=x`."


def test_status() -> None:
    assert parse_command("status") == StatusCommand()
    assert parse_command("Status rr-2026-014") == StatusCommand("RR-2026-014")
    assert problem("status RR-1 RR-2").startswith("`/rrm status` takes one reference")
    assert "letters, digits and dashes" in problem("status RR_1")


# -- /rrm open -----------------------------------------------------------------------------


def test_pack() -> None:
    assert parse_command("pack rr-2026-014") == PackCommand("RR-2026-014")
    assert parse_command("Pack RR-1 to=<@U0A|alex>,<@U0B|sam b>,<@U0A|alex>") == PackCommand(
        "RR-1", ("U0A", "U0B"))  # fmt: skip
    assert parse_command("pack RR-1 to=<@U0A|alex>, <@U0B> @U0C") == PackCommand(
        "RR-1", ("U0A", "U0B", "U0C"))  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pack", "`/rrm pack` needs a reference, e.g. /rrm pack RR-2026-014"),
        ("pack to=<@U0A>", "`/rrm pack` needs a reference, e.g. /rrm pack RR-2026-014"),
        ("pack RR-1 to=", "`to=` needs at least one person, e.g. to=@alex,@sam"),
        ("pack RR-1 to=@alex", "`@alex`: that is not a Slack user — type @ and pick the person"),
        ("pack RR-1 to=<#C0X|cases>", "`&lt;#C0X|cases&gt;`: that is a channel, not a person"),
        ("pack RR-1 cc=<@U0A>", "unknown key `cc=` — `/rrm pack` takes only to=@alex,@sam"),
        ("pack RR-1 <@U0A>", "unexpected `&lt;@U0A&gt;` — name the people as to=@alex,@sam"),
        ("pack RR-1 to=<@U0A> to=<@U0B>", "`to=` is given twice"),
        ("summary", "`/rrm summary` needs a reference, e.g. /rrm summary RR-2026-014"),
        ("summary RR-1 RR-2", "`/rrm summary` takes one reference"),
        ("summary RR/1", "reference `RR/1`: use letters, digits and dashes only"),
    ],
)
def test_pack_and_summary_mistakes(text: str, expected: str) -> None:
    result = parse_command(text)
    assert isinstance(result, CommandError)
    assert result.problems[0].startswith(expected), result.problems
    name = text.split()[0]
    assert f"*How to use /rrm {name}*" in result.text


def test_summary() -> None:
    assert parse_command("summary rr-2026-014") == SummaryCommand("RR-2026-014")


def test_open_with_everything() -> None:
    args = parsed(FULL + " incident=18/11/2026 under1=yes period=2025-11-18..2026-11-18")
    assert args == OpenArgs(
        reference="RR-2026-014",
        child="Child A",
        notified=date(2026, 11, 20),
        meeting=date(2026, 12, 9),
        meeting_time=time(10, 0),
        due=date(2026, 12, 2),
        chair="U0CHAIR",
        agencies=("police", "health", "csc"),
        incident=date(2026, 11, 18),
        under1=True,
        period=(date(2025, 11, 18), date(2026, 11, 18)),
    )
    assert args.missing == ()


def test_open_alone_and_partial_open_the_modal() -> None:
    assert parse_command("open") == OpenArgs()
    args = parsed('open child="Child B" agencies=police')
    assert args.missing == ("reference", "notified", "meeting", "due", "chair")
    assert parsed("open rr-2026-015").reference == "RR-2026-015"


@pytest.mark.parametrize(
    ("value", "day", "at"),
    [
        ("2026-12-09T10:00", date(2026, 12, 9), time(10, 0)),
        ('"2026-12-09 10:00"', date(2026, 12, 9), time(10, 0)),
        ("2026-12-09 14:30", date(2026, 12, 9), time(14, 30)),
        ("09/12/2026 10:00", date(2026, 12, 9), time(10, 0)),
        ("“09/12/2026 9:15”", date(2026, 12, 9), time(9, 15)),
        ("9/12/2026", date(2026, 12, 9), None),
        ("2026-12-09", date(2026, 12, 9), None),
    ],
)
def test_meeting_forms(value: str, day: date, at: time | None) -> None:
    args = parsed(f"open meeting={value} due=2026-12-02")
    assert (args.meeting, args.meeting_time, args.due) == (day, at, date(2026, 12, 2))


def test_a_meeting_date_alone_takes_the_default_time() -> None:
    assert parsed("open meeting=2026-12-09").meeting_at(time(10)) == datetime(2026, 12, 9, 10)
    assert parsed("open meeting=2026-12-09T14:00").meeting_at(time(10)) == datetime(
        2026, 12, 9, 14
    )
    assert OpenArgs().meeting_at(time(10)) is None


@pytest.mark.parametrize(
    "child",
    ['"Child A"', "'Child A'", "“Child A”", "‘Child A’", "”Child A”", "Child A", '"Child  A"'],
)
def test_child_in_every_kind_of_quote(child: str) -> None:
    expected = "Child  A" if "  " in child else "Child A"
    assert parsed(f"open child={child} notified=2026-11-20").child == expected


def test_child_keeps_apostrophes_and_ampersands() -> None:
    assert parsed("open child='O'Brien baby'").child == "O'Brien baby"
    assert parsed('open child="Sibling 1 &amp; 2"').child == "Sibling 1 & 2"
    assert parsed("open child=Baby B's twin due=2026-12-02").child == "Baby B's twin"


@pytest.mark.parametrize(
    ("value", "user"),
    [("<@U0CHAIR|chair>", "U0CHAIR"), ("<@U0CHAIR>", "U0CHAIR"), ("@U0CHAIR", "U0CHAIR"),
     ("<@W0ENT123|Dr Jane Smith>", "W0ENT123")],
)
def test_chair_mentions(value: str, user: str) -> None:
    assert parsed(f"open chair={value} due=2026-12-02").chair == user


def test_agencies_are_normalised() -> None:
    assert parsed("open agencies=Police,HEALTH,csc").agencies == ("police", "health", "csc")
    assert parsed("open agencies=police, health ,csc due=2026-12-02").agencies == (
        "police", "health", "csc")
    assert parsed('open agencies="police, health"').agencies == ("police", "health")


def test_value_after_a_space() -> None:
    assert parsed("open due= 2026-12-02").due == date(2026, 12, 2)
    assert parsed('open child= "Child A"').child == "Child A"


def test_under1_and_period() -> None:
    assert parsed("open under1=NO").under1 is False
    assert parsed("open period=01/01/2025..31/12/2025").period == (
        date(2025, 1, 1), date(2025, 12, 31))
    assert parsed("open period=2025-01-01 .. 2025-01-01").period == (
        date(2025, 1, 1), date(2025, 1, 1))


# -- mistakes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("open notified=30/02/2026",
         "`notified=30/02/2026`: 30/02/2026 is not a real date: February 2026 has 28 days."),
        ("open chair=@alice",
         "`chair=@alice`: that is not a Slack user — type @ and pick the person so Slack "
         "links the name"),
        ("open meating=2026-12-09", "unknown key `meating=` — did you mean `meeting=`?"),
        ("open agency=police", "unknown key `agency=` — did you mean `agencies=`?"),
        ("open colour=red", "unknown key `colour=` — the keys are child, notified, meeting, "
         "due, chair, agencies, incident, under1, period"),
        ("open child=", '`child=` needs a value, e.g. child="Child A"'),
        ('open child=""', '`child=` needs a value, e.g. child="Child A"'),
        ("open due=2026-12-02 due=2026-12-03",
         "`due=` is given twice (`due=2026-12-02` and `due=2026-12-03`) — give it once"),
        ("open under1=maybe", "`under1=maybe`: answer yes or no, e.g. under1=yes"),
        ("open period=2026-01-01..2025-01-01",
         "`period=2026-01-01..2025-01-01`: the period ends before it starts — give FROM..TO "
         "with the earlier date first"),
        ("open period=2026-01-01",
         "`period=2026-01-01`: give two dates joined by .., e.g. period=2025-11-01..2026-11-01"),
        ("open agencies=police,police",
         "`agencies=police,police`: police is named more than once — name each agency once"),
        ("open RR_2026/1", "reference `RR_2026/1`: use letters, digits and dashes only, "
         "e.g. RR-2026-014"),
        ("open " + "R" * 41, f"reference `{'R' * 41}` is 41 characters long; use at most 40"),
        ("open ref=RR-1", 'unknown key `ref=` — the reference goes first without a key, '
         'e.g. /rrm open RR-2026-014 child="Child A" …'),
        ('open child="Child A" RR-1', "unexpected `RR-1` — after the reference give key=value "
         "arguments, e.g. due=2026-12-02"),
        ('open child="Child A notified=2026-11-20',
         '`child="Child A notified=2026-11-20`: the quote is never closed — end the value with '
         'a quote too, e.g. child="Child A"'),
    ],
)
def test_each_mistake_names_the_field_and_the_fix(text: str, expected: str) -> None:
    assert problem(text) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("<!subteam^S0CHAIRS|@chairs>", "that is a user group"),
        ("<#C0REVIEWS|rapid-reviews>", "that is a channel"),
        ("<!here>", "that is a special mention"),
        ("U0CHAIR|x", "that is not a Slack user"),
    ],
)
def test_chair_that_is_not_a_person(value: str, says: str) -> None:
    assert says in problem(f"open chair={value}")


def test_several_mistakes_are_reported_together() -> None:
    result = parse_command("open RR-1 notified=2026-13-01 meeting=tomorrow chair=bob x")
    assert isinstance(result, CommandError)
    assert [p.split("`")[1] for p in result.problems] == [
        "notified=2026-13-01", "meeting=tomorrow", "chair=bob", "x"]
    assert result.text.startswith("There are 4 problems:\n• `notified=2026-13-01`")
    assert "*How to use /rrm open*" in result.text


def test_a_time_on_a_plain_date_is_refused() -> None:
    assert "without a time" in problem("open incident=2026-11-20T10:00")
    assert "not a real time" in problem("open meeting=2026-12-09T25:00")


def test_echoed_input_cannot_inject_markup() -> None:
    (one, two) = problems("open notified=&lt;!channel&gt; <!everyone>")
    assert "<" not in one + two and "&lt;!channel&gt;" in one
    assert problem("open under1=`rm`").startswith("`under1='rm'`")


# -- never raises --------------------------------------------------------------------------

_PIECES = st.sampled_from([
    "open", "status", "help", " ", "=", '"', "“", "”", "'", "‘", "’", "<", ">", "|", "@",
    "<@U0ABC|a b>", "@U0X1", "child=", "notified=", "meeting=", "period=", "..", ",",
    "agencies=", "2026-12-09", "10:00", "&amp;", "&lt;", "\n", "\x00", "under1=", "chair=",
    "RR-1", "30/02/2026", "\u202e", "`", "pack", "summary", "to=", "to=<@U0A|a>",
])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.lists(st.one_of(_PIECES, st.text(max_size=3))).map("".join)))
def test_any_text_gives_a_command_or_an_error(text: str) -> None:
    result = parse_command(text)
    assert isinstance(result, Command | CommandError)  # every command /rrm has, or an error
    if isinstance(result, CommandError):
        assert result.problems and all(result.problems)
        assert "<" not in result.text and ">" not in result.text


# -- the text helpers ----------------------------------------------------------------------


def test_helpers() -> None:
    assert unescape_slack("a &amp;lt; b &lt; c") == "a &lt; b < c"
    assert escape_mrkdwn("<!channel> & co") == "&lt;!channel&gt; &amp; co"
    assert shown("x" * 100, 10) == "x" * 9 + "…"
    assert parse_user(" <@U0ABC|name> ") == ("U0ABC", None)
    words, unclosed = split_words('open child=“Child A” <@U1|a b>  x="y')
    assert [w.value for w in words] == ["open", "Child A", "<@U1|a b>"]
    assert unclosed is not None and "never closed" in unclosed
