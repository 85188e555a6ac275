"""PostgreSQL trouble under the running bot (DESIGN §6), on a throw-away cluster of the test's
own (initdb in a temp folder, its own port — never the shared server).

An outage: a page saved while the database is down is answered at once with "Couldn't save just
now — press Next again", the text stays in the modal and nothing is half-written; once the
cluster is back the same Next saves it, without restarting the bot. A lock held past
``lock_timeout``: the same answer, and the same Next afterwards saves the page (the refusal is
not replayed as if it were the page's answer).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bot.fakeslack import FakeSlack, SlackPerson, flatten_blocks
from tests.e2e.conftest import CASES, COORD, POLICE, RunningBot, settings_for
from tests.faults.conftest import Cluster, wait_until
from tests.signing import send

pytestmark = pytest.mark.timeout(90)

OPEN = ('open RR-2026-014 child="Child A" notified=2026-11-20 meeting=2026-12-09T10:00 '
        "due=2026-12-02 chair=<@U0CHAIR|chair> agencies=police,csc")  # fmt: skip
TRY_AGAIN = "Couldn't save just now — press Next again; your text is still here."


@pytest.fixture
def database(cluster: Cluster) -> Iterator[str]:
    with cluster.database() as url:
        yield url


@pytest.fixture
def bot(database: str, fake: FakeSlack, clean_env: Path) -> Iterator[RunningBot]:
    key = Fernet.generate_key().decode()
    running = RunningBot(fake, settings_for(fake, database, rrm_encryption_key=key))
    yield running
    running.stop()


def health(bot: RunningBot) -> int:
    return send(f"{bot.url}/healthz").status


def police_on_first_page(bot: RunningBot) -> SlackPerson:
    coord, police = bot.person(COORD), bot.person(POLICE)
    assert "Opened rapid review" in coord.await_ephemeral(coord.command(OPEN, CASES), 10).text
    police.wait_for(police.dm_messages, 10, "the request")
    police.open_from(police.last_dm(), "return_start")
    return police


def saved_sections(bot: RunningBot) -> tuple[dict[str, object], dict[str, int], list[object]]:
    """The police return's answers, its non-zero section revisions and its audited saves."""
    with bot.runtime.ctx.uow as uow:
        ret = next(r for r in uow.returns.list_for_review(1) if r.contact_user_id == POLICE)
        revisions = {s: n for s, n in uow.answers.revisions(ret.id).items() if n}
        saves = [a.details["section"] for a in uow.audit.list_for_review(1)
                 if a.action == "page.saved"]  # fmt: skip
        return dict(uow.answers.get(ret.id)), revisions, saves


def test_an_outage_asks_to_press_next_again_and_the_bot_recovers(
    bot: RunningBot, cluster: Cluster
) -> None:
    police = police_on_first_page(bot)
    police.fill({"0.2": "Typed before the outage"})
    assert police.submit().ok  # page 1 saved; page 2 (Involvement) shown

    cluster.stop()
    try:
        assert health(bot) == 503
        police.fill({"A1": "yes_child", "A4": "Typed during the outage"})
        started = time.monotonic()
        refused = police.submit()
        took = time.monotonic() - started
    finally:
        cluster.start()

    assert refused.status == 200 and refused.response_action == "errors", refused.body
    assert list(refused.errors.values()) == [TRY_AGAIN]
    assert took < 3.0  # not after a connect timeout: Slack drops an answer after 3 s
    assert "Section 2 of 12" in "\n".join(flatten_blocks(police.current_view().blocks))
    assert police.state_values()["q|A4|0"]["v"]["value"] == "Typed during the outage"
    wait_until(lambda: health(bot) == 200, 10, "the bot to reach the database again")
    assert saved_sections(bot)[1:] == ({"0": 1}, ["0"])  # nothing of page 2 was written

    again = police.submit()  # the same Next, on the same inputs, on the same bot

    assert again.ok, again.body
    assert "Section 3 of 12" in json.dumps(again.body)
    answers, revisions, saves = saved_sections(bot)
    assert answers["0.2"] == "Typed before the outage"
    assert answers["A4"] == "Typed during the outage"
    assert (revisions, saves) == ({"0": 1, "A": 1}, ["0", "A"])


def test_a_save_held_up_by_a_lock_is_refused_then_saved_by_next_again(
    bot: RunningBot, database: str
) -> None:
    police = police_on_first_page(bot)
    other = create_engine(database)
    try:
        with other.connect() as held:  # another window's save, stuck holding the section
            held.execute(text("SELECT revision FROM section_revisions "
                              "WHERE section_id = '0' FOR UPDATE"))  # fmt: skip
            police.fill({"0.2": "Typed while it was held"})
            refused = police.submit()  # waits lock_timeout (1.5 s), then gives up
            held.rollback()
    finally:
        other.dispose()

    assert refused.status == 200 and list(refused.errors.values()) == [TRY_AGAIN], refused.body
    again = police.submit()  # the same Next on the same inputs: saved now, not the refusal again

    assert again.ok, again.body
    assert "Section 2 of 12" in json.dumps(again.body)
    answers, revisions, saves = saved_sections(bot)
    assert answers["0.2"] == "Typed while it was held"
    assert (revisions, saves) == ({"0": 1}, ["0"])
