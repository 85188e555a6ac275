"""Kept chunks of the pack PDF (migration 0007, ``uow.chunks``) on SQLite and PostgreSQL: kept and
read back, encrypted at rest, replaced, pruned, deleted by the purge and by a key rotation, and
the migration down and up again."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta

from cryptography.fernet import Fernet
from sqlalchemy import Engine, inspect, text

from forms.pack.pdf import Chunk
from forms.pack.pdf_cache import decode_chunk, encode_chunk
from storage.crypto import FernetCodec, Keyring, TextCipher, looks_like_token, rotate
from storage.db import make_session_factory
from storage.uow import SqlUnitOfWork
from tests.integration.conftest import NOW, Opened, UowFactory

KEY, OTHER_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
NEEDLE = "PLATYPUSANSWER seen at home"
PDF = b"%PDF-1.7\n1 0 obj << >> stream\nBT (" + NEEDLE.encode() + b") Tj ET\nendstream\n%%EOF\n"
A, B, C = ("a" * 64, "b" * 64, "c" * 64)
LATER = NOW + timedelta(days=3)

OpenReview = Callable[..., Opened]


def blob(n: int = 0) -> bytes:
    """A kept chunk's blob, as the renderer makes them (with the answer text in its PDF)."""
    pdf = PDF.replace(b"1 0 obj", f"{n} 0 obj".encode())
    return encode_chunk(Chunk(pdf=pdf, pages=1, anchors=[(0, "return-police", 1.0, 2.0)],
                              links=[], bookmarks=[(0, 2, "Northshire Police", 1.0, 2.0, "open")]))  # fmt: skip


def encrypting(engine: Engine, *keys: str) -> UowFactory:
    """Units of work that encrypt as the bot's do."""
    ring = Keyring(list(keys or (KEY,)))
    factory = make_session_factory(engine)
    return lambda: SqlUnitOfWork(factory, FernetCodec(ring), TextCipher(ring))


def test_chunks_are_kept_read_back_and_replaced(
    engine: Engine, open_review: OpenReview, uow_factory: UowFactory
) -> None:
    review = open_review().review.id
    other = open_review(reference="RR-2026-015").review.id
    uows = encrypting(engine)
    with uows() as uow:
        uow.chunks.put(review, {A: blob(1), B: blob(2)}, NOW)
        uow.chunks.put(other, {A: blob(3)}, NOW)
        uow.commit()
    with uows() as uow:
        assert uow.chunks.load(review) == {A: blob(1), B: blob(2)}
        assert uow.chunks.keys(other) == {A}
        uow.chunks.put(review, {B: blob(4), C: blob(5)}, LATER)  # B replaced, C added
        uow.commit()
    with uows() as uow:
        kept = uow.chunks.load(review)
        assert kept == {A: blob(1), B: blob(4), C: blob(5)}
        assert decode_chunk(kept[B] or b"").pdf.startswith(b"%PDF-")
        assert uow.chunks.load(other) == {A: blob(3)}
        assert uow.chunks.load(review + other + 1) == {}
    with encrypting(engine, OTHER_KEY)() as uow:  # another key: kept, but unreadable
        assert uow.chunks.load(review) == {A: None, B: None, C: None}
    with uow_factory() as uow:  # not encrypted: unreadable too, never an error
        assert uow.chunks.load(review) == {A: None, B: None, C: None}


def test_chunks_are_encrypted_at_rest(engine: Engine, open_review: OpenReview) -> None:
    review = open_review().review.id
    with encrypting(engine)() as uow:
        uow.chunks.put(review, {A: blob(1)}, NOW)
        uow.commit()
    with engine.connect() as connection:
        (stored,) = connection.execute(text("SELECT blob FROM pack_chunks")).scalars()
    assert looks_like_token(stored)
    raw = stored.encode()
    for needle in (NEEDLE.encode(), b"%PDF", b"Northshire Police", b"return-police"):
        assert needle not in raw
        assert base64.b64encode(needle)[:12] not in raw
    assert Fernet(KEY).decrypt(raw) == blob(1)


def test_prune_keeps_what_the_latest_pack_used_and_what_came_since(
    engine: Engine, open_review: OpenReview
) -> None:
    review = open_review().review.id
    other = open_review(reference="RR-2026-015").review.id
    uows = encrypting(engine)
    with uows() as uow:
        uow.chunks.put(review, {A: blob(1), B: blob(2)}, NOW)
        uow.chunks.put(other, {B: blob(3)}, NOW)
        uow.commit()
    with uows() as uow:  # a warm-up keeps C while a pack that started at LATER is compiled
        uow.chunks.put(review, {C: blob(4)}, LATER + timedelta(seconds=5))
        assert uow.chunks.touch(review, [A, "d" * 64], LATER) == 1
        uow.commit()
    with uows() as uow:
        assert uow.chunks.prune(review, keep={A}, before=LATER) == 1  # B: not used, older
        uow.commit()
    with uows() as uow:
        assert uow.chunks.keys(review) == {A, C}
        assert uow.chunks.keys(other) == {B}  # another review's are not touched
        assert uow.chunks.prune(review, keep=set(), before=LATER) == 0  # A was used at LATER
        assert uow.chunks.delete_for_review(review) == 2
        uow.commit()
    with uows() as uow:
        assert uow.chunks.keys(review) == set() and uow.chunks.keys(other) == {B}


def test_the_purge_deletes_the_reviews_chunks(engine: Engine, open_review: OpenReview) -> None:
    review = open_review().review.id
    other = open_review(reference="RR-2026-015").review.id
    uows = encrypting(engine)
    with uows() as uow:
        uow.chunks.put(review, {A: blob(1), B: blob(2)}, NOW)
        uow.chunks.put(other, {A: blob(3)}, NOW)
        uow.commit()
    with uows() as uow:
        uow.retention.purge(review, LATER)
        uow.commit()
    with uows() as uow:
        assert uow.chunks.keys(review) == set()
        assert uow.chunks.keys(other) == {A}
        # A warm-up that read the review before the purge keeps nothing after it.
        assert not uow.chunks.put(review, {C: blob(4)}, LATER)
        assert not uow.chunks.put(review + other + 1, {C: blob(4)}, LATER)  # no such review
        assert uow.chunks.put(other, {}, LATER)
        uow.commit()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM pack_chunks")).scalar() == 1


def test_a_key_rotation_deletes_every_kept_chunk(engine: Engine, open_review: OpenReview) -> None:
    review = open_review().review.id
    with encrypting(engine)() as uow:
        uow.chunks.put(review, {A: blob(1)}, NOW)
        uow.commit()
    rotate(make_session_factory(engine), Keyring([OTHER_KEY, KEY]))
    with encrypting(engine, OTHER_KEY)() as uow:
        assert uow.chunks.load(review) == {}


def test_migration_0007_goes_down_and_up_again(engine: Engine, open_review: OpenReview) -> None:
    from alembic import command

    from storage.migrate import alembic_config, head_revision, upgrade

    review = open_review().review.id
    with encrypting(engine)() as uow:
        uow.chunks.put(review, {A: blob(1)}, NOW)
        uow.commit()
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006")
    assert "pack_chunks" not in set(inspect(engine).get_table_names())
    assert upgrade(engine) == head_revision()
    with encrypting(engine)() as uow:
        assert uow.chunks.load(review) == {}
        uow.chunks.put(review, {A: blob(2)}, LATER)
        uow.commit()
    with encrypting(engine)() as uow:
        assert uow.chunks.load(review) == {A: blob(2)}
