"""Saving pages of answers: round trips, upserts, revisions, conflicts and retries."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, text

from forms.records import JSONValue
from storage.codec import JsonCodec
from storage.db import make_session_factory
from storage.errors import NotFound, SectionConflict, StorageBusy
from storage.orm import AnswerRow
from storage.uow import SqlUnitOfWork
from tests.integration.conftest import held_elsewhere

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
UowFactory = Callable[[], SqlUnitOfWork]
NARRATIVE = "Line one\nLine two\r\n\ttabbed — Zoë 子供 🚸 A & B <x> \"q\" 's' \\ <!channel>"
PAGE: dict[str, JSONValue] = {
    "A1": "Yes",  # yes_no
    "A2": "universal_services",  # single
    "A3": ["gp", "health_visiting"],  # multi
    "A4": NARRATIVE,  # text
    "A5": "2026-11-14",  # date
    "A6": 3,  # number (int)
    "A7": 2.5,  # number (float)
    "A8": "x" * 12_000,  # four full boxes and more: never truncated
    "C2": [  # repeat: stable order is the order given, not by row id
        {"row_id": "r-b", "values": {"date": "2026-01-02", "what": "Seen at A & E <triage>"}},
        {"row_id": "r-a", "values": {"date": "2026-02-03", "what": NARRATIVE, "n": 1}},
    ],
}


def save(
    uow_factory: UowFactory,
    return_id: int,
    section: str,
    base: int,
    values: dict[str, JSONValue],
    at: datetime = NOW,
) -> tuple[int, bool]:
    """Save one page in its own unit of work and commit; returns (revision, changed)."""
    with uow_factory() as uow:
        result = uow.answers.save_section(return_id, section, base, values, "U0POLICE", at)
        uow.commit()
    assert (result.return_id, result.section_id) == (return_id, section)
    return result.revision, result.changed


def stored(uow_factory: UowFactory, return_id: int) -> tuple[dict[str, JSONValue], dict[str, int]]:
    with uow_factory() as uow:
        return uow.answers.get(return_id), uow.answers.revisions(return_id)


def answer_rows(engine: Engine, return_id: int) -> int:
    with engine.connect() as connection:
        query = text("SELECT count(*) FROM answers WHERE return_id = :r")
        return int(connection.execute(query, {"r": return_id}).scalar_one())


def test_a_page_round_trips_every_value_kind(uow_factory: UowFactory, return_id: int) -> None:
    assert save(uow_factory, return_id, "A", 0, PAGE) == (1, True)
    answers, revisions = stored(uow_factory, return_id)
    assert answers == PAGE
    assert answers["C2"] == PAGE["C2"]  # rows in the order given, not sorted by row id
    assert type(answers["A6"]) is int and type(answers["A7"]) is float
    assert revisions == {"A": 1, "B": 0, "C": 0, "E": 0}


def test_the_same_page_saved_twice_leaves_one_copy(
    uow_factory: UowFactory, return_id: int, engine: Engine
) -> None:
    assert save(uow_factory, return_id, "A", 0, PAGE) == (1, True)
    assert save(uow_factory, return_id, "A", 1, PAGE) == (1, False)  # unchanged: no bump
    changed = {**PAGE, "A1": "No"}
    assert save(uow_factory, return_id, "A", 1, changed) == (2, True)
    assert stored(uow_factory, return_id)[0] == changed
    assert answer_rows(engine, return_id) == len(PAGE) - 1 + 2  # C2 has two rows


def test_stale_revision_is_a_conflict_that_changes_nothing(
    uow_factory: UowFactory, return_id: int
) -> None:
    save(uow_factory, return_id, "A", 0, {"A1": "Yes", "A4": "first window"})
    with pytest.raises(SectionConflict) as conflict, uow_factory() as uow:
        uow.answers.save_section(return_id, "A", 0, {"A1": "No", "A2": "new"}, "U0OTHER", NOW)
        uow.commit()
    assert (conflict.value.section_id, conflict.value.expected, conflict.value.current) == (
        "A",
        0,
        1,
    )
    assert "section 'A'" in str(conflict.value)
    assert stored(uow_factory, return_id) == (
        {"A1": "Yes", "A4": "first window"},
        {"A": 1, "B": 0, "C": 0, "E": 0},
    )


def test_a_stale_but_identical_retry_is_a_successful_no_op(
    uow_factory: UowFactory, return_id: int
) -> None:
    page: dict[str, JSONValue] = {"A1": "Yes", "A3": ["gp"], "A5": None}
    assert save(uow_factory, return_id, "A", 0, page) == (1, True)
    assert save(uow_factory, return_id, "A", 0, page) == (1, False)  # double click / Slack retry
    assert stored(uow_factory, return_id)[1]["A"] == 1


def test_none_and_empty_list_delete_an_answer(uow_factory: UowFactory, return_id: int) -> None:
    save(uow_factory, return_id, "A", 0, {"A1": "Yes", "A3": ["gp"], "A4": "text"})
    save(uow_factory, return_id, "A", 1, {"A1": None, "A3": []})
    assert stored(uow_factory, return_id)[0] == {"A4": "text"}


def test_sections_are_independent(uow_factory: UowFactory, return_id: int) -> None:
    assert save(uow_factory, return_id, "A", 0, {"A1": "Yes"}) == (1, True)
    assert save(uow_factory, return_id, "B", 0, {"B1": "No"}) == (1, True)
    assert stored(uow_factory, return_id) == (
        {"A1": "Yes", "B1": "No"},
        {"A": 1, "B": 1, "C": 0, "E": 0},
    )


def test_repeat_rows_upsert_by_row_id_and_removed_rows_go(
    uow_factory: UowFactory, return_id: int, engine: Engine
) -> None:
    row1: JSONValue = {"row_id": "r1", "values": {"what": "first"}}
    row2: JSONValue = {"row_id": "r2", "values": {"what": "second"}}
    save(uow_factory, return_id, "C", 0, {"C2": [row1]})
    save(uow_factory, return_id, "C", 1, {"C2": [row1, row2]})  # r1 saved again: still one r1
    assert answer_rows(engine, return_id) == 2
    edited: JSONValue = {"row_id": "r1", "values": {"what": "first, corrected"}}
    save(uow_factory, return_id, "C", 2, {"C2": [row2, edited]})
    assert stored(uow_factory, return_id)[0] == {"C2": [row2, edited]}
    save(uow_factory, return_id, "C", 3, {"C2": [edited]})
    assert stored(uow_factory, return_id)[0] == {"C2": [edited]}
    assert answer_rows(engine, return_id) == 1


def test_a_page_of_several_questions_is_written_in_one_go(
    uow_factory: UowFactory, return_id: int, engine: Engine
) -> None:
    row1: JSONValue = {"row_id": "r1", "values": {"what": "first"}}
    row2: JSONValue = {"row_id": "r2", "values": {"what": "second"}}
    save(uow_factory, return_id, "C", 0, {"C1": "kept", "C2": [row1, row2], "C3": "gone soon"})
    later = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    save(uow_factory, return_id, "C", 1, {"C1": "kept", "C2": [row2], "C3": None, "C4": "new"},
         at=later)  # fmt: skip

    assert stored(uow_factory, return_id)[0] == {"C1": "kept", "C2": [row2], "C4": "new"}
    with engine.connect() as connection:
        written = {
            q: at
            for q, at in connection.execute(
                select(AnswerRow.question_id, AnswerRow.updated_at).where(
                    AnswerRow.return_id == return_id
                )
            )
        }
    assert written == {"C1": NOW, "C2": later, "C4": later}  # the unchanged answer untouched


def test_one_repeat_row_edited_on_its_own(
    uow_factory: UowFactory, return_id: int, engine: Engine
) -> None:
    save(uow_factory, return_id, "C", 0, {"C2": [{"row_id": "r1", "values": {"what": "a"}}]})
    with uow_factory() as uow:
        add = uow.answers.upsert_row(return_id, "C", "C2", "r2", {"what": "b"}, 1, "U0P", NOW)
        again = uow.answers.upsert_row(return_id, "C", "C2", "r2", {"what": "b"}, 1, "U0P", NOW)
        edit = uow.answers.upsert_row(return_id, "C", "C2", "r1", {"what": "a2"}, 2, "U0P", NOW)
        with pytest.raises(SectionConflict):
            uow.answers.upsert_row(return_id, "C", "C2", "r1", {"what": "a3"}, 2, "U0P", NOW)
        uow.commit()
    assert [(r.revision, r.changed) for r in (add, again, edit)] == [
        (2, True),
        (2, False),
        (3, True),
    ]
    assert stored(uow_factory, return_id)[0] == {
        "C2": [
            {"row_id": "r1", "values": {"what": "a2"}},
            {"row_id": "r2", "values": {"what": "b"}},
        ]
    }
    assert answer_rows(engine, return_id) == 2
    with uow_factory() as uow:
        gone = uow.answers.delete_row(return_id, "C", "C2", "r1", 3, "U0P", NOW)
        retry = uow.answers.delete_row(return_id, "C", "C2", "r1", 3, "U0P", NOW)
        with pytest.raises(SectionConflict):
            uow.answers.delete_row(return_id, "C", "C2", "r2", 3, "U0P", NOW)
        uow.commit()
    assert [(r.revision, r.changed) for r in (gone, retry)] == [(4, True), (4, False)]
    assert stored(uow_factory, return_id)[0] == {"C2": [{"row_id": "r2", "values": {"what": "b"}}]}


@pytest.mark.parametrize(
    "value",
    [
        [{"row_id": "", "values": {}}],
        [{"row_id": "r1"}],
        [{"row_id": "r1", "values": {}}, {"row_id": "r1", "values": {}}],
        [{"row_id": "r1", "values": {}}, "plain"],
        [{"row_id": "r1", "values": "not a dict"}],
        [{"row_id": "r" * 65, "values": {}}],
    ],
)
def test_malformed_repeat_values_are_refused(
    uow_factory: UowFactory, return_id: int, value: JSONValue
) -> None:
    with pytest.raises(ValueError), uow_factory() as uow:
        uow.answers.save_section(return_id, "C", 0, {"C2": value}, "U0P", NOW)
    assert stored(uow_factory, return_id)[1]["C"] == 0


def test_unknown_section_is_not_found(uow_factory: UowFactory, return_id: int) -> None:
    with pytest.raises(NotFound, match="no section 'Z'"), uow_factory() as uow:
        uow.answers.save_section(return_id, "Z", 0, {"Z1": "x"}, "U0P", NOW)


class Base64JsonCodec:
    """Stands in for encryption at rest: what is stored is not the plain JSON."""

    def encode(self, value: JSONValue) -> str:
        return base64.b64encode(JsonCodec().encode(value).encode()).decode()

    def decode(self, text: str) -> JSONValue:
        return JsonCodec().decode(base64.b64decode(text).decode())


def test_answer_values_go_through_the_codec(engine: Engine, return_id: int) -> None:
    session_factory = make_session_factory(engine)
    with SqlUnitOfWork(session_factory, codec=Base64JsonCodec()) as uow:
        uow.answers.save_section(return_id, "A", 0, PAGE, "U0P", NOW)
        uow.commit()
    with SqlUnitOfWork(session_factory, codec=Base64JsonCodec()) as uow:
        assert uow.answers.get(return_id) == PAGE
    with engine.connect() as connection:
        raw = connection.execute(
            text("SELECT value FROM answers WHERE question_id = 'A4'")
        ).scalar_one()
    assert "Line one" not in raw
    assert JsonCodec().decode(base64.b64decode(raw).decode()) == NARRATIVE


def test_a_held_lock_surfaces_as_storage_busy_and_a_retry_succeeds(
    engine: Engine, uow_factory: UowFactory, return_id: int
) -> None:
    def hold_the_section(wait: Callable[[], None]) -> None:
        with engine.connect() as connection:
            connection.execute(
                text("UPDATE section_revisions SET revision = revision WHERE return_id = :r"),
                {"r": return_id},
            )
            wait()
            connection.rollback()

    with held_elsewhere(hold_the_section):
        started = time.monotonic()
        with pytest.raises(StorageBusy):
            save(uow_factory, return_id, "A", 0, {"A1": "Yes"})
        assert time.monotonic() - started < 3
    assert save(uow_factory, return_id, "A", 0, {"A1": "Yes"}) == (1, True)
