"""End to end: ``/rrm template REF`` DMs the chronology (and moves) columns as CSV files by the
three-step upload; whoever is neither a contact of the review nor a coordinator is refused."""

from __future__ import annotations

import csv
import io

from bot.fakeslack import FakeSlack
from forms.loader import default_question_set_path, load_question_set
from forms.model import RepeatQuestion
from forms.paste import parse_paste
from tests.e2e.conftest import CASES, CHAIR, COORD, POLICE, RunningBot
from tests.e2e.test_e2e_returns import open_review

UPLOAD_STEPS = {"files.getUploadURLExternal", "upload", "files.completeUploadExternal"}
CHRONOLOGY = "RR-2026-014-chronology-template.csv"


def test_a_contact_gets_the_template_in_their_dm(bot: RunningBot, fake: FakeSlack) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    fake.clear_calls()

    sent = police.command("template rr-2026-014", CASES)

    assert sent.status == 200
    reply = police.await_ephemeral(sent).text
    assert reply == (
        "The template (RR-2026-014-chronology-template.csv, RR-2026-014-moves-template.csv) "
        "is in your direct messages."
    )
    assert {c.method for c in fake.calls} >= UPLOAD_STEPS
    dm = fake.dm_channel(POLICE)
    assert dm is not None
    files = {f.name: f for f in fake.files_in(dm)}
    assert set(files) == {CHRONOLOGY, "RR-2026-014-moves-template.csv"}
    content = files[CHRONOLOGY].content
    assert content is not None and content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8
    text = content.decode("utf-8-sig")
    heading, example = list(csv.reader(io.StringIO(text)))
    assert heading == [
        "Date", "Source", "Person(s) involved", "Event type", "What happened",
        "Action taken / outcome", "Information shared with / received from",
        "Is this a key practice episode?",
    ]  # fmt: skip
    assert example[0] == "14/03/2025 10:30"
    chronology = load_question_set(default_question_set_path()).question("B")
    assert isinstance(chronology, RepeatQuestion)
    assert parse_paste(chronology, [text]).ok  # what it says comes back as one good row
    card = police.last_dm()
    assert "The chronology columns for RR-2026-014" in card.text
    assert fake.files_in(CASES) == []


def test_a_coordinator_may_get_it_too(bot: RunningBot, fake: FakeSlack) -> None:
    coord = open_review(bot)
    reply = coord.await_ephemeral(coord.command("template RR-2026-014", CASES)).text
    assert reply.endswith("is in your direct messages.")
    dm = fake.dm_channel(COORD)
    assert dm is not None and len(fake.files_in(dm)) == 2


def test_anyone_else_is_refused_and_gets_no_file(bot: RunningBot, fake: FakeSlack) -> None:
    open_review(bot)
    chair = bot.person(CHAIR)
    fake.clear_calls()

    refused = chair.await_ephemeral(chair.command("template RR-2026-014", CASES)).text

    assert refused == (
        "Only coordinators and the agency contacts of RR-2026-014 can get its chronology template."
    )
    assert fake.calls_to("files.getUploadURLExternal") == []
    assert fake.calls_to("files.completeUploadExternal") == []


def test_an_unknown_reference_or_none_says_what_to_type(bot: RunningBot) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    unknown = police.await_ephemeral(police.command("template RR-2099-001", CASES)).text
    assert unknown == "There is no review RR-2099-001. Check the reference in your request message."
    missing = police.await_ephemeral(police.command("template", CASES)).text
    assert missing.startswith("`/rrm template` needs a reference, e.g. /rrm template RR-2026-014")


def test_help_lists_the_template(bot: RunningBot) -> None:
    police = bot.person(POLICE)
    help_text = police.await_ephemeral(police.command("help", CASES)).text
    assert "`/rrm template RR-2026-014` — the chronology columns as a CSV file" in help_text
