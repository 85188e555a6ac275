"""Encryption at rest (DESIGN §5): every answer value and free-text field is a Fernet token.

A ``Keyring`` holds the configured keys: the first encrypts, all decrypt. A key is rotated by
listing the new key first and the old one after it, running ``rotate`` (which re-encrypts
everything under the first key), then dropping the old key.

The database remembers which keys have encrypted data in it: ``key_fingerprints`` holds, per
key, a token of a known constant. ``verify_or_record`` at start refuses keys that cannot decrypt
every one of them, before anything is read or written with the wrong key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from forms.records import JSONValue
from storage.codec import JsonCodec
from storage.errors import StorageError
from storage.orm import KeyFingerprintRow, PackChunkRow, ProcessedRequestRow, metadata

ENCRYPTED_COLUMNS = (
    ("answers", "value"),
    ("reviews", "pseudonym"),
    ("reviews", "incident_description"),
    ("reviews", "case_summary"),
    ("reviews", "attendees"),
    ("reviews", "hold_reason"),
    ("returns", "extension_reason"),
    ("delegations", "reason"),
)
"""Every (table, column) holding Fernet tokens; ``rotate`` re-encrypts all of them. Not here:
``pack_chunks.blob`` (rendered chunks of pack PDFs, a cache), which ``rotate`` deletes."""
FINGERPRINT_PLAINTEXT = b"rrm-bot key fingerprint v1"
KEY_LOCK = 0x72726D2D6B6579  # "rrm-key": the pg_advisory_xact_lock key
_TOKEN_PREFIX = "gAAAAA"  # version byte 0x80 and a timestamp's zero high bytes, base64
_MIN_TOKEN_LENGTH = 100  # 73 bytes (version, time, IV, one block, HMAC), base64
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_+/-]{43}=")
_BATCH = 500
_PG_LOCK_WAIT = "120s"


class InvalidKey(ValueError):
    """A configured key is not a Fernet key; ``position`` counts from 1."""

    def __init__(self, position: int) -> None:
        super().__init__(f"the {ordinal(position)} key is not a Fernet key")
        self.position = position


class Undecryptable(StorageError):
    """A stored value cannot be decrypted with the configured keys (wrong key, or altered)."""


class KeyMismatch(StorageError):
    """The configured keys cannot decrypt what this database was encrypted with."""


class Keyring:
    """The configured Fernet keys (urlsafe base64 text): the first encrypts, all decrypt."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        fernets = [_fernet(key, position) for position, key in enumerate(keys, 1)]
        self._first = fernets[0]
        self._all = MultiFernet(fernets)
        self.size = len(fernets)

    def __repr__(self) -> str:
        return f"Keyring({self.size} key{'s' if self.size != 1 else ''})"

    def encrypt(self, data: bytes) -> str:
        """A token of ``data`` under the first key."""
        return self._all.encrypt(data).decode("ascii")

    def decrypt(self, token: str) -> bytes:
        """The data of a token made with any of the keys, else ``Undecryptable``."""
        try:
            return self._all.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise Undecryptable(
                "a stored value cannot be decrypted with the configured encryption keys"
            ) from None

    def reencrypt(self, token: str) -> str:
        """The same data as ``token``, encrypted under the first key."""
        return self.encrypt(self.decrypt(token))

    def can_decrypt(self, token: str) -> bool:
        """Whether any of the keys decrypts ``token``."""
        try:
            self.decrypt(token)
        except Undecryptable:
            return False
        return True

    def first_key_made(self, token: str) -> bool:
        """Whether the first key decrypts ``token``."""
        try:
            self._first.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return False
        return True


class FernetCodec:
    """The ``AnswerCodec`` of the bot: JSON, then a Fernet token under the first key."""

    def __init__(self, keys: Keyring | Sequence[str | bytes]) -> None:
        self._ring = keys if isinstance(keys, Keyring) else Keyring(keys)

    def encode(self, value: JSONValue) -> str:
        """The token of ``value``'s JSON."""
        return self._ring.encrypt(JsonCodec().encode(value).encode("ascii"))

    def decode(self, text: str) -> JSONValue:
        """The value of a token (``Undecryptable`` for a wrong key or an altered value)."""
        value: JSONValue = json.loads(self._ring.decrypt(text))
        return value


class TextCipher:
    """The ``TextCodec`` of the bot: a free-text field as a Fernet token; None stays None."""

    def __init__(self, keys: Keyring | Sequence[str | bytes]) -> None:
        self._ring = keys if isinstance(keys, Keyring) else Keyring(keys)

    def encrypt(self, text: str | None) -> str | None:
        """The token of ``text`` (any Python string round-trips)."""
        return None if text is None else self._ring.encrypt(text.encode("utf-8", "surrogatepass"))

    def decrypt(self, stored: str | None) -> str | None:
        """The text of a token (``Undecryptable`` for a wrong key or an altered value)."""
        if stored is None:
            return None
        return self._ring.decrypt(stored).decode("utf-8", "surrogatepass")

    def encrypt_bytes(self, data: bytes) -> str:
        """The token of binary ``data``."""
        return self._ring.encrypt(data)

    def decrypt_bytes(self, stored: str) -> bytes:
        """The data of a token (``Undecryptable`` for a wrong key or an altered value)."""
        return self._ring.decrypt(stored)


def verify_or_record(bind: Engine | Session, keys: Keyring, at: datetime | None = None) -> bool:
    """Check ``keys`` against the database at start; True if a fingerprint was recorded.

    Raises ``KeyMismatch`` when a recorded fingerprint cannot be decrypted. Records the first
    key's fingerprint when none of the recorded ones is its own (the first start, or a new key
    listed first for rotation). On the first start, values stored before encryption existed
    are encrypted too. With an ``Engine`` this commits; a ``Session`` is left to the caller.
    """
    with _transaction(bind) as connection:
        tokens = list(connection.scalars(select(KeyFingerprintRow.token)))
        if not all(keys.can_decrypt(token) for token in tokens):
            raise KeyMismatch(
                "the configured encryption keys do not match the keys this database was "
                "encrypted with"
            )
        if any(keys.first_key_made(token) for token in tokens):
            return False
        if not tokens:
            _reencrypt_all(connection, keys, legacy=True)
        _record(connection, keys, at)
        return True


def rotate(
    session_factory: Callable[[], Session], keys: Keyring, at: datetime | None = None
) -> int:
    """Re-encrypt every encrypted value under the first key, in one transaction, then make the
    first key's fingerprint the only one. Returns how many values were re-encrypted.

    Raises ``KeyMismatch`` (and changes nothing) if any value cannot be decrypted.
    """
    with session_factory() as session, _transaction(session, own=True) as connection:
        first_start = connection.scalar(select(KeyFingerprintRow.id).limit(1)) is None
        count = _reencrypt_all(connection, keys, legacy=first_start)
        # Responses kept only to answer Slack's retries are dropped rather than re-encrypted,
        # and so are the rendered chunks of pack PDFs (a cache: the next pack renders them).
        connection.execute(update(ProcessedRequestRow).values(response=None))
        connection.execute(delete(PackChunkRow))
        connection.execute(delete(KeyFingerprintRow))
        _record(connection, keys, at)
        return count


def looks_like_token(stored: str) -> bool:
    """Whether ``stored`` has the shape of a Fernet token (plain JSON or text never does)."""
    return stored.startswith(_TOKEN_PREFIX) and len(stored) >= _MIN_TOKEN_LENGTH


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 21st ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _fernet(key: str | bytes, position: int) -> Fernet:
    """Fernet would accept trailing junk after the padding; a key must be exactly 32 bytes in
    base64 (44 characters, as ``Fernet.generate_key()`` writes it)."""
    text = key.decode("ascii", "replace") if isinstance(key, bytes) else key
    if not _KEY_SHAPE.fullmatch(text):
        raise InvalidKey(position)
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise InvalidKey(position) from None


def _record(connection: Connection, keys: Keyring, at: datetime | None) -> None:
    token = keys.encrypt(FINGERPRINT_PLAINTEXT)
    connection.execute(insert(KeyFingerprintRow).values(token=token, recorded_at=at or _now()))


def _now() -> datetime:
    return datetime.now(UTC)


def _reencrypt_all(connection: Connection, keys: Keyring, legacy: bool) -> int:
    """Re-encrypt every value of ``ENCRYPTED_COLUMNS`` under the first key; with ``legacy``,
    plain values (stored before encryption existed) are encrypted instead of refused."""
    _lock_tables(connection)
    return sum(_reencrypt(connection, t, c, keys, legacy) for t, c in ENCRYPTED_COLUMNS)


def _reencrypt(connection: Connection, table: str, column: str, keys: Keyring, legacy: bool) -> int:
    t = metadata.tables[table]
    key, value = t.c.id, t.c[column]
    change = update(t).where(key == bindparam("row")).values({column: bindparam("new")})
    count, last = 0, 0
    while True:
        rows = connection.execute(
            select(key, value).where(key > last, value.is_not(None)).order_by(key).limit(_BATCH)
        ).all()
        if not rows:
            return count
        where = f"{table}.{column}"
        connection.execute(
            change,
            [{"row": i, "new": _reencrypted(keys, stored, legacy, where, i)} for i, stored in rows],
        )
        count += len(rows)
        last = rows[-1][0]


def _reencrypted(keys: Keyring, stored: str, legacy: bool, where: str, row_id: int) -> str:
    if legacy and not looks_like_token(stored):
        return keys.encrypt(stored.encode("utf-8", "surrogatepass"))
    try:
        return keys.reencrypt(stored)
    except Undecryptable:
        raise KeyMismatch(
            f"{where} of row {row_id} cannot be decrypted with the configured encryption keys"
        ) from None


@contextmanager
def _transaction(bind: Engine | Session, own: bool = False) -> Iterator[Connection]:
    """A connection in a transaction that holds the key lock. An engine's connection, or a
    session's with ``own``, begins (SQLite: as the writer) and commits here; otherwise the
    session's transaction is the caller's to commit."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            _lock(connection, begin=True)
            yield connection
            connection.commit()
            _checkpoint(connection)
        return
    connection = bind.connection()
    _lock(connection, begin=own)
    yield connection
    if own:
        bind.commit()
        _checkpoint(bind.connection())


def _lock(connection: Connection, begin: bool) -> None:
    """Serialise key checks and rotations: SQLite takes the write lock, PostgreSQL an advisory
    lock for the transaction (waiting long enough for another process's rotation)."""
    if connection.dialect.name == "sqlite":
        if begin:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{_PG_LOCK_WAIT}'")
    connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": KEY_LOCK})


def _lock_tables(connection: Connection) -> None:
    """Keep other processes from writing encrypted columns while they are re-encrypted
    (SQLite: the write lock already does; there the old cells are zeroed as they are
    rewritten, so no plain or old-key copy stays in the file's free space)."""
    if connection.dialect.name == "sqlite":  # stays on for this pooled connection: harmless
        connection.exec_driver_sql("PRAGMA secure_delete = ON")
    else:
        tables = ", ".join(sorted({table for table, _ in ENCRYPTED_COLUMNS}))
        connection.exec_driver_sql(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


def _checkpoint(connection: Connection) -> None:
    """SQLite: copy the WAL into the database file and empty it, so that the pages written
    before a re-encryption do not linger there (best effort: readers may hold it)."""
    if connection.dialect.name == "sqlite":
        with suppress(StorageError, OperationalError):
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
