"""No personal data in logs (DESIGN §5): every log record of a whole end-to-end run — the root
logger at DEBUG, every logger's records caught, before the bot is built as ``rrm serve`` builds
it — holds no answer, no pseudonym, no free text and no token or key, at any level.

Libraries that log request and response bodies at DEBUG (Bolt, the Slack SDK's clients) are
quietened where the bot is built (``bot.logsafety``), never here.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.fakeslack import FakeSlack
from bot.services import export, retention
from tests.e2e.conftest import CASES, CHAIR, COORD, POLICE, SECRET, RunningBot, settings_for
from tests.e2e.test_e2e_returns import EVENT, shown, start

REF = "RR-2026-014"
PSEUDONYM = "Child QX7"
OPEN = (
    f'open {REF} child="{PSEUDONYM}" notified=2026-11-20 meeting=2026-12-09T10:00 '
    "due=2026-12-02 chair=<@U0CHAIR|chair> agencies=police,health,csc"
)
TYPED = {
    "0.2": "Zanzibar-role-answer",
    "A4": "Quokka narrative answer about the family",
    "B5": "Wombat event description",
    "E2a": "Axolotl sibling still at risk",
    "J1b": "Pangolin learning point",
    "K1.role": "Okapi approver role",
}
SUMMARY, ATTENDEE, REASON = "Narwhal case summary", "Dr Ibex Attendee", "Capybara inquest"


class Everything(logging.Handler):
    """Keeps every record, formatted with its arguments and any traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        if record.stack_info:
            text += record.stack_info
        self.lines.append((f"{record.levelname} {record.name}", text))


@pytest.fixture
def logs() -> Iterator[Everything]:
    root = logging.getLogger()
    handler, level = Everything(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    silenced = {}
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            silenced[name] = (logger.disabled, logger.propagate)
            logger.disabled = False
            if not logger.propagate:
                logger.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for name, logger in logging.root.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.removeHandler(handler)
                if name in silenced:
                    logger.disabled = silenced[name][0]


@pytest.fixture
def bot(logs: Everything, fake: FakeSlack, tmp_path: Path, clean_env: Path) -> Iterator[RunningBot]:
    """Built after the logging is set up, as in ``rrm serve``."""
    running = RunningBot(fake, settings_for(fake, f"sqlite:///{tmp_path}/rrm.db"))
    yield running
    running.stop()


def test_a_whole_review_logs_no_answer_pseudonym_or_secret(
    logs: Everything, bot: RunningBot, fake: FakeSlack, tmp_path: Path
) -> None:
    coord, police, chair = bot.person(COORD), bot.person(POLICE), bot.person(CHAIR)
    assert "Opened rapid review" in coord.await_ephemeral(coord.command(OPEN, CASES)).text
    start(police)
    police.fill({"0.2": TYPED["0.2"]})
    assert police.submit().ok
    police.choose("A1", "yes_child")
    police.fill({"A4": TYPED["A4"]})
    assert police.submit().ok
    police.click_in_view("row_add", {"q": "B"})
    police.fill({**EVENT, "B1": "05/03/2026", "B5": TYPED["B5"]})
    police.await_view(police.submit())
    for _ in range(3):
        assert police.submit().ok
    police.choose("E2", "yes")
    police.fill({"E2a": TYPED["E2a"]})
    police.close()  # saved from the closed window; the owner and chair are alerted
    police.wait_for(lambda: fake.dm_messages(CHAIR), what="the risk alert")
    start(police)
    for _ in range(12):
        page = shown(police.current_view())
        if "Review your return" in page:
            break
        if "Section 11 of 12" in page:
            police.fill({"J1": "no", "J1b": TYPED["J1b"]})
        if "Section 12 of 12" in page:
            police.choose("K1", "yes")
            police.fill({"K1.role": TYPED["K1.role"], "K1.date": "2026-11-25", "K2": "yes"})
        assert police.submit().ok
    assert police.submit().ok  # submitted
    police.wait_for(lambda: "return_edit" in str(police.last_dm().blocks), what="the done card")

    chair.await_ephemeral(chair.command(f"status {REF}", CASES))
    chair.command(f"pack {REF}", CASES)
    chair.wait_for(lambda: len(chair.ephemerals()) >= 3, timeout=60, what="the pack")
    coord.await_view(coord.command(f"summary {REF}", CASES))
    coord.fill({"summary": SUMMARY, "attendees": ATTENDEE})
    assert coord.submit().ok
    coord.await_ephemeral(coord.command(f"lock {REF}", CASES))
    coord.await_view(coord.command(f"close {REF}", CASES))
    coord.fill({"outcome": "local_review"})
    assert coord.submit().ok
    coord.await_ephemeral(coord.command(f"hold {REF} reason={REASON}", CASES))
    coord.await_ephemeral(coord.command(f"hold {REF} off", CASES))
    export.export_review(bot.runtime.ctx, team_id=fake.team_id, reference=REF,
                         out=tmp_path / "export", actor="cli")  # fmt: skip
    assert retention.purge_due(bot.runtime.ctx, retention_days=0).purged  # closed "long ago"
    bot.restart()  # a restart reads the keys and the database again

    key_file = Path(f"{tmp_path}/rrm.db.key")
    secrets = [fake.bot_token, SECRET, *key_file.read_text().split()]
    needles = [*TYPED.values(), PSEUDONYM, SUMMARY, ATTENDEE, REASON, *secrets]
    assert any(level.startswith("DEBUG") for level, _ in logs.lines)  # everything was caught
    found = [(where, needle, text[:160]) for where, text in logs.lines for needle in needles
             if needle in text]  # fmt: skip
    assert not found, "\n".join(sorted({f"{where}: {needle}" for where, needle, _ in found}))
