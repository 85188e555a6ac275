"""Encryption at rest (DESIGN §5), on SQLite and PostgreSQL: what reaches the database is Fernet
tokens only; old keys listed after the new one still decrypt; rotation; the key fingerprint."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bot.keys import VARIABLE, KeyProblem, Keys
from bot.keys import rotate as rotate_keys
from bot.keys import verify_or_record as check_keys
from forms.records import JSONValue, NewReturn
from storage.codec import JsonCodec, PlainText, TextCodec
from storage.crypto import (
    FernetCodec,
    KeyMismatch,
    Keyring,
    TextCipher,
    Undecryptable,
    looks_like_token,
    rotate,
    verify_or_record,
)
from storage.db import make_session_factory
from storage.repositories import (
    SqlAnswerRepository,
    SqlPartnershipRepository,
    SqlReturnRepository,
    SqlReviewRepository,
)
from storage.uow import SqlUnitOfWork
from tests.integration.conftest import NOW, SECTIONS, new_review

OLD, NEW, OTHER = (Fernet.generate_key().decode() for _ in range(3))
PSEUDONYM = "Child QUOKKAPSEUDO 👶"
LONG_PSEUDONYM = "🦘" * 60  # 240 bytes of UTF-8: its token is far longer than 200 characters
DESCRIPTION = "WOMBATINCIDENT: admitted with a head injury — Zoë 子供"
PAGE: dict[str, JSONValue] = {
    "A1": "yes",
    "A3": ["gp", "health_visiting"],
    "A4": "NARRATIVENEEDLE seen at home\n\ttabbed A & B <x> <!channel> 🚸 \ud800",
    "A6": 3,
    "A8": "LONGNEEDLE" + "x" * 12_000 + "TAILNEEDLE",  # spills onto overflow pages
    "C2": [{"row_id": "r-1", "values": {"what": "ROWNEEDLE at A & E", "n": 1}}],
}
NEEDLES = [  # what must never be found in the raw rows or the file (the first six are typed)
    "QUOKKAPSEUDO",
    "WOMBATINCIDENT",
    "NARRATIVENEEDLE",
    "LONGNEEDLE",
    "TAILNEEDLE",
    "ROWNEEDLE",
    "health_visiting",  # an option value
    "Zo\\u00eb",  # JSON-escaped text
    "Zoë",
]


def ring(*keys: str) -> Keyring:
    return Keyring(list(keys))


@dataclass
class Repos:
    session: Session
    reviews: SqlReviewRepository
    returns: SqlReturnRepository
    answers: SqlAnswerRepository


@contextmanager
def repos(engine: Engine, keys: Keyring | None) -> Iterator[Repos]:
    """The repositories as the bot wires them (keys) or plain (None), committed on success."""
    codec = JsonCodec() if keys is None else FernetCodec(keys)
    cipher: TextCodec = PlainText() if keys is None else TextCipher(keys)
    with make_session_factory(engine)() as session:
        yield Repos(
            session,
            SqlReviewRepository(session, cipher),
            SqlReturnRepository(session),
            SqlAnswerRepository(session, codec),
        )
        session.commit()


def open_and_answer(
    engine: Engine, keys: Keyring | None, pseudonym: str = PSEUDONYM, reference: str = "RR-1"
) -> tuple[int, int]:
    """Open a review with one return and save PAGE in section A: (review id, return id)."""
    with repos(engine, keys) as r:
        partnership = SqlPartnershipRepository(r.session).ensure("T0001", "Northshire")
        SqlPartnershipRepository(r.session).ensure_agency(partnership.id, "police", "Police")
        draft = new_review(
            reference=reference, pseudonym=pseudonym, incident_description=DESCRIPTION
        )
        invite = NewReturn("police", "U0POLICE", date(2026, 11, 27))
        review = r.reviews.create(draft, [invite], SECTIONS, NOW)
        return_id = r.returns.list_for_review(review.id)[0].id
        r.answers.save_section(return_id, "A", 0, PAGE, "U0POLICE", NOW)
    return review.id, return_id


def read_back(
    engine: Engine, keys: Keyring, review_id: int, return_id: int
) -> tuple[str, str | None, dict[str, JSONValue]]:
    with repos(engine, keys) as r:
        review = r.reviews.get(review_id)
        assert review is not None
        return review.pseudonym, review.incident_description, r.answers.get(return_id)


def raw_values(engine: Engine) -> list[str]:
    """Every stored encrypted-column value, read with plain SQL."""
    with engine.connect() as connection:
        answers = connection.execute(text("SELECT value FROM answers")).scalars().all()
        reviews = connection.execute(
            text("SELECT pseudonym, incident_description FROM reviews")
        ).all()
    return [*answers, *(v for row in reviews for v in row if v is not None)]


def fingerprints(engine: Engine) -> list[tuple[int, str]]:
    query = text("SELECT id, token FROM key_fingerprints ORDER BY id")
    with engine.connect() as connection:
        return [(row.id, row.token) for row in connection.execute(query)]


def sqlite_file_bytes(engine: Engine) -> bytes:
    database = engine.url.database
    assert database
    return b"".join(p.read_bytes() for p in (Path(database), Path(database + "-wal")) if p.exists())


def env_keys(*keys: str) -> Keys:
    return Keys(ring(*keys), VARIABLE)


# --- what reaches the database -----------------------------------------------------------------


def test_raw_rows_hold_tokens_only(engine: Engine) -> None:
    open_and_answer(engine, ring(OLD))
    values = raw_values(engine)
    # one row per answer (the repeat answer has one row), the pseudonym, the description
    assert len(values) == len(PAGE) + 2
    for value in values:
        assert looks_like_token(value), value[:40]
        assert not any(needle in value for needle in NEEDLES)
    with engine.connect() as connection:
        raw = [
            *connection.execute(text("SELECT * FROM answers")),
            *connection.execute(text("SELECT * FROM reviews")),
        ]
    assert not any(needle in str(row) for row in raw for needle in NEEDLES)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_sqlite_file_holds_no_answer_text(engine: Engine) -> None:
    open_and_answer(engine, ring(OLD))
    engine.dispose()  # close every connection: the file and its WAL are all there is
    data = sqlite_file_bytes(engine)
    assert b"Northshire" in data  # the file is readable: what is not encrypted is found
    for needle in NEEDLES:
        assert needle.encode() not in data, needle


def test_round_trip(engine: Engine) -> None:
    review_id, return_id = open_and_answer(engine, ring(OLD), pseudonym=LONG_PSEUDONYM)
    assert read_back(engine, ring(OLD), review_id, return_id) == (LONG_PSEUDONYM, DESCRIPTION, PAGE)
    with repos(engine, ring(OLD)) as r:
        (listed,) = r.reviews.list_for_team("T0001")
        assert r.reviews.get_by_reference("T0001", "RR-1") == listed
        assert listed.pseudonym == LONG_PSEUDONYM
        changed = r.reviews.set_owner(review_id, "U0OTHER")
        assert (changed.pseudonym, changed.incident_description) == (LONG_PSEUDONYM, DESCRIPTION)


def test_a_review_without_description_stores_null(engine: Engine) -> None:
    with repos(engine, ring(OLD)) as r:
        partnership = SqlPartnershipRepository(r.session).ensure("T0001", "Northshire")
        SqlPartnershipRepository(r.session).ensure_agency(partnership.id, "police", "Police")
        review = r.reviews.create(new_review(incident_description=None), [], SECTIONS, NOW)
    assert review.incident_description is None
    with engine.connect() as connection:
        assert connection.execute(text("SELECT incident_description FROM reviews")).scalar() is None


def test_saving_the_same_page_again_is_still_a_no_op(engine: Engine) -> None:
    _, return_id = open_and_answer(engine, ring(OLD))
    before = raw_values(engine)
    with repos(engine, ring(OLD)) as r:
        result = r.answers.save_section(return_id, "A", 0, PAGE, "U0POLICE", NOW)
    assert not result.changed  # compared decrypted, although every token differs
    assert raw_values(engine) == before


# --- several keys, rotation ---------------------------------------------------------------------


def test_an_old_key_listed_after_the_new_one_still_decrypts(engine: Engine) -> None:
    review_id, return_id = open_and_answer(engine, ring(OLD))
    both = ring(NEW, OLD)
    assert read_back(engine, both, review_id, return_id) == (PSEUDONYM, DESCRIPTION, PAGE)
    with repos(engine, both) as r:
        r.answers.save_section(return_id, "B", 0, {"B1": "written under NEW"}, "U0POLICE", NOW)
    with engine.connect() as connection:
        token = connection.execute(
            text("SELECT value FROM answers WHERE question_id = 'B1'")
        ).scalar_one()
    assert Fernet(NEW).decrypt(token) == b'"written under NEW"'  # the first key encrypts
    with pytest.raises(InvalidToken):
        Fernet(OLD).decrypt(token)


def test_without_the_old_key_old_data_is_unreadable(engine: Engine) -> None:
    review_id, return_id = open_and_answer(engine, ring(OLD))
    with pytest.raises(Undecryptable, match="cannot be decrypted"):
        read_back(engine, ring(NEW), review_id, return_id)


def test_rotation_re_encrypts_under_the_first_key_only(engine: Engine) -> None:
    review_id, return_id = open_and_answer(engine, ring(OLD))
    open_and_answer(engine, ring(OLD), reference="RR-2")
    assert verify_or_record(engine, ring(OLD))
    count = rotate(make_session_factory(engine), ring(NEW, OLD))
    assert count == 2 * (len(PAGE) + 2)
    for value in raw_values(engine):
        Fernet(NEW).decrypt(value)
        with pytest.raises(InvalidToken):
            Fernet(OLD).decrypt(value)
    assert read_back(engine, ring(NEW), review_id, return_id) == (PSEUDONYM, DESCRIPTION, PAGE)
    assert len(fingerprints(engine)) == 1
    assert not verify_or_record(engine, ring(NEW))  # only the new key is needed now
    with pytest.raises(KeyMismatch):
        verify_or_record(engine, ring(OLD))


def test_rotation_is_all_or_nothing(engine: Engine) -> None:
    verify_or_record(engine, ring(OLD))
    _, return_id = open_and_answer(engine, ring(OLD))
    with repos(engine, ring(OTHER)) as r:  # one value under a key the rotation is not given
        r.answers.save_section(return_id, "E", 0, {"E1": "stray"}, "U0POLICE", NOW)
    before, prints = raw_values(engine), fingerprints(engine)
    with pytest.raises(KeyProblem) as caught:
        rotate_keys(make_session_factory(engine), env_keys(NEW, OLD))
    assert "answers.value of row" in str(caught.value) and "Nothing was changed" in str(
        caught.value
    )
    assert raw_values(engine) == before
    assert fingerprints(engine) == prints


def test_rotation_of_an_empty_database_records_the_key(engine: Engine) -> None:
    assert rotate(make_session_factory(engine), ring(NEW)) == 0
    assert not verify_or_record(engine, ring(NEW))


# --- the key fingerprint ------------------------------------------------------------------------


def test_the_fingerprint_is_recorded_once(engine: Engine) -> None:
    assert check_keys(engine, env_keys(OLD))
    assert not check_keys(engine, env_keys(OLD))
    assert not check_keys(engine, env_keys(OLD))
    ((_, token),) = fingerprints(engine)
    assert Fernet(OLD).decrypt(token) == b"rrm-bot key fingerprint v1"


def test_a_wrong_key_fails_at_start_with_the_fix(engine: Engine) -> None:
    open_and_answer(engine, ring(OLD))
    check_keys(engine, env_keys(OLD))
    with pytest.raises(KeyProblem) as caught:
        check_keys(engine, env_keys(NEW))
    assert str(caught.value) == (
        "RRM_ENCRYPTION_KEY does not match the key this database was encrypted with; use the "
        "original key (or list it after the new one to rotate)"
    )


def test_a_lost_key_file_is_named_in_the_message(engine: Engine, tmp_path: Path) -> None:
    check_keys(engine, env_keys(OLD))
    path = tmp_path / "rrm.db.key"
    keys = Keys(ring(NEW), f"the key file {path}", path, created=True)
    with pytest.raises(KeyProblem) as caught:
        check_keys(engine, keys)
    assert str(caught.value) == (
        f"the key file {path} does not match the key this database was encrypted with ({path} "
        "was missing and has just been created); restore the original key file from its "
        "backup, or set RRM_ENCRYPTION_KEY to the original key (list it after a new one to rotate)"
    )


def test_a_new_first_key_is_recorded_beside_the_old_one(engine: Engine) -> None:
    assert check_keys(engine, env_keys(OLD))
    assert check_keys(engine, env_keys(NEW, OLD))  # the new key starts encrypting
    assert not check_keys(engine, env_keys(NEW, OLD))
    assert len(fingerprints(engine)) == 2
    with pytest.raises(KeyProblem):  # data may exist under NEW now: OLD alone is not enough
        check_keys(engine, env_keys(OLD))
    with pytest.raises(KeyProblem):  # nor NEW alone, until rotate-key has run
        check_keys(engine, env_keys(NEW))


def test_processes_starting_together_record_one_fingerprint(engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        recorded = list(pool.map(lambda _: verify_or_record(engine, ring(OLD)), range(4)))
    assert sorted(recorded) == [False, False, False, True]
    assert len(fingerprints(engine)) == 1


def test_a_session_is_left_for_the_caller_to_commit(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        assert verify_or_record(session, ring(OLD))
        session.rollback()
    assert fingerprints(engine) == []


# --- a database written before encryption existed --------------------------------------------------


def test_plain_values_are_encrypted_at_the_first_start(engine: Engine) -> None:
    review_id, return_id = open_and_answer(engine, None)
    assert any("NARRATIVENEEDLE" in value for value in raw_values(engine))
    if engine.dialect.name == "sqlite":
        engine.dispose()
        assert all(needle.encode() in sqlite_file_bytes(engine) for needle in NEEDLES[:6])
    assert verify_or_record(engine, ring(OLD))
    for value in raw_values(engine):
        assert looks_like_token(value) and not any(needle in value for needle in NEEDLES)
    assert read_back(engine, ring(OLD), review_id, return_id) == (PSEUDONYM, DESCRIPTION, PAGE)
    if engine.dialect.name == "sqlite":
        engine.dispose()
        data = sqlite_file_bytes(engine)
        assert not any(needle.encode() in data for needle in NEEDLES)


def test_plain_values_are_refused_once_encryption_is_recorded(engine: Engine) -> None:
    verify_or_record(engine, ring(OLD))
    open_and_answer(engine, None)  # e.g. a unit of work wired without encryption
    with pytest.raises(KeyMismatch, match="cannot be decrypted"):
        rotate(make_session_factory(engine), ring(NEW, OLD))


# --- the bot's unit of work --------------------------------------------------------------------

UOW_TAKES_TEXT = "text" in inspect.signature(SqlUnitOfWork.__init__).parameters


@pytest.mark.skipif(not UOW_TAKES_TEXT, reason="SqlUnitOfWork does not take a TextCodec yet")
def test_the_unit_of_work_encrypts_reviews_and_answers(engine: Engine) -> None:
    keys = env_keys(OLD)
    uow = SqlUnitOfWork(make_session_factory(engine), keys.codec(), text=keys.text_cipher())
    with uow:
        partnership = uow.partnerships.ensure("T0001", "Northshire")
        uow.partnerships.ensure_agency(partnership.id, "police", "Police")
        review = uow.reviews.create(
            new_review(pseudonym=PSEUDONYM),
            [NewReturn("police", "U0P", date(2026, 11, 27))],
            SECTIONS,
            NOW,
        )
        return_id = uow.returns.list_for_review(review.id)[0].id
        uow.answers.save_section(return_id, "A", 0, PAGE, "U0P", NOW)
        uow.commit()
    for value in raw_values(engine):
        assert looks_like_token(value) and not any(needle in value for needle in NEEDLES)
    with uow:
        assert uow.reviews.get(review.id).pseudonym == PSEUDONYM  # type: ignore[union-attr]
        assert uow.answers.get(return_id) == PAGE



def test_view_responses_kept_for_retries_are_encrypted(engine: Engine) -> None:
    """A response kept for de-duplication holds typed answers: it is stored encrypted."""
    keys = ring(OLD)
    uow = SqlUnitOfWork(make_session_factory(engine), FernetCodec(keys), TextCipher(keys))
    with uow:
        assert uow.requests.claim("view:V1:h:U1:abc")
        uow.requests.store_response("view:V1:h:U1:abc", {"initial_value": "Mother's partner Dean"})
        uow.commit()
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT response FROM processed_requests")).scalar_one()
    assert "Dean" not in raw
    with uow:
        assert uow.requests.get_response("view:V1:h:U1:abc") == {
            "initial_value": "Mother's partner Dean"
        }
