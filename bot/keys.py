"""The encryption keys of the bot (DESIGN §3 ``RRM_ENCRYPTION_KEY``, §5), from the settings.

``RRM_ENCRYPTION_KEY`` lists one or more Fernet keys, comma-separated: the first encrypts, all
decrypt. PostgreSQL requires it (every process must share it). On SQLite without it, the key
lives in a file beside the database (``<database file>.key``, mode 0600), created at the first
start; that file may list several keys the same way.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.settings import Settings
from storage import crypto
from storage.crypto import FernetCodec, InvalidKey, KeyMismatch, Keyring, TextCipher, ordinal

VARIABLE = "RRM_ENCRYPTION_KEY"
MAKE_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
_READ_RETRY_S = 0.5  # a key file found empty may be being written by its creator


class KeyProblem(Exception):
    """The keys cannot be used; the message names the variable or file and the fix."""


@dataclass(frozen=True)
class Keys:
    """The loaded keys, where they came from, and what the operator should be told."""

    keyring: Keyring = field(repr=False)
    source: str  # "RRM_ENCRYPTION_KEY", "the key file <path>" or "a temporary key"
    key_file: Path | None = None
    created: bool = False
    warnings: tuple[str, ...] = ()

    def codec(self) -> FernetCodec:
        """The answer codec for the unit of work."""
        return FernetCodec(self.keyring)

    def text_cipher(self) -> TextCipher:
        """The free-text codec for the unit of work."""
        return TextCipher(self.keyring)


def load_keys(settings: Settings) -> Keys:
    """The keys named by the settings; on SQLite without ``RRM_ENCRYPTION_KEY``, the key file
    beside the database, created (with a warning to back it up) if missing.

    Raises ``KeyProblem``: no key on PostgreSQL, a malformed key, an unreadable key file.
    """
    if settings.rrm_encryption_key is not None:
        return Keys(_keyring(settings.rrm_encryption_key.get_secret_value(), VARIABLE), VARIABLE)
    path = _sqlite_key_path(settings)
    if path is None:
        return Keys(Keyring([Fernet.generate_key()]), "a temporary key (in-memory database)")
    if path.exists():
        return _read_key_file(path)
    try:
        _create_key_file(path)
    except FileExistsError:  # another process created it first
        return _read_key_file(path)
    warning = (
        f"created {path}: back it up separately from the database — without it the answers "
        "cannot be read"
    )
    return Keys(_read_key_file(path).keyring, _file_source(path), path, True, (warning,))


def describe_keys(settings: Settings) -> tuple[str, tuple[str, ...]]:
    """For ``rrm check-config``: a one-line summary and warnings, creating nothing. A key
    missing on PostgreSQL is a warning here (like a missing bot token: ``rrm serve`` refuses).

    Raises ``KeyProblem`` for a malformed key or an unreadable key file.
    """
    if settings.rrm_encryption_key is not None:
        ring = _keyring(settings.rrm_encryption_key.get_secret_value(), VARIABLE)
        if ring.size == 1:
            return f"Fernet, 1 key from {VARIABLE}", ()
        rotating = "the first encrypts; after rrm rotate-key only the first is needed"
        return f"Fernet, {ring.size} keys from {VARIABLE} ({rotating})", ()
    if settings.is_postgres:
        return f"{VARIABLE} not set (needed on PostgreSQL for rrm serve)", (_missing_on_pg(),)
    path = _sqlite_key_path(settings)
    if path is None:
        return "Fernet, a temporary key (in-memory database)", ()
    if not path.exists():
        return f"Fernet, key file {path} (created at the first start: back it up)", ()
    keys = _read_key_file(path)
    return f"Fernet, key file {path}", keys.warnings


def verify_or_record(bind: Engine | Session, keys: Keys) -> bool:
    """Check the keys against the database's fingerprints at start (recording the first key's
    when new); True if one was recorded. Raises ``KeyProblem`` when they do not match."""
    try:
        return crypto.verify_or_record(bind, keys.keyring)
    except KeyMismatch:
        raise KeyProblem(_mismatch(keys)) from None


def rotate(session_factory: Callable[[], Session], keys: Keys) -> int:
    """``rrm rotate-key``: re-encrypt everything under the first key; how many values.

    Raises ``KeyProblem`` (nothing changed) when some value cannot be decrypted."""
    try:
        return crypto.rotate(session_factory, keys.keyring)
    except KeyMismatch as exc:
        raise KeyProblem(
            f"{exc}: list every key the data was encrypted with in {keys.source}, the new key "
            "first, and run rrm rotate-key again. Nothing was changed."
        ) from None


def key_file_path(database_url: str) -> Path | None:
    """``<database file>.key`` for a SQLite file URL; None for an in-memory database (whose
    key, like its data, lives only as long as the process)."""
    database = make_url(database_url).database
    if database in (None, "", ":memory:"):
        return None
    if database.startswith("file:"):
        raise KeyProblem(
            f"{VARIABLE} is not set, and a key file cannot be made beside a file: URI "
            f"database; make a key with\n    {MAKE_KEY}"
        )
    return Path(database + ".key").absolute()


def _sqlite_key_path(settings: Settings) -> Path | None:
    if settings.is_postgres:
        raise KeyProblem(_missing_on_pg())
    return key_file_path(settings.database_url)


def _missing_on_pg() -> str:
    return (
        f"{VARIABLE} is not set: PostgreSQL needs it, the same in every bot process. Make a "
        f"key with\n    {MAKE_KEY}\nand keep it in your secrets store, never beside the "
        "database backups."
    )


def _keyring(listed: str, where: str) -> Keyring:
    keys = [k.strip() for k in listed.split(",") if k.strip()]
    if not keys:
        raise KeyProblem(f"{where} lists no key; make one with\n    {MAKE_KEY}")
    try:
        return Keyring(keys)
    except InvalidKey as exc:
        raise KeyProblem(
            f"the {ordinal(exc.position)} key in {where} is not a Fernet key (32 bytes, urlsafe "
            f"base64, 44 characters); make one with\n    {MAKE_KEY}"
        ) from None


def _read_key_file(path: Path) -> Keys:
    deadline = time.monotonic() + _READ_RETRY_S
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise KeyProblem(f"the key file {path} is not a file")
        listed = path.read_text(encoding="ascii").strip()
        while not listed and time.monotonic() < deadline:  # its creator is writing it
            time.sleep(0.05)
            listed = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyProblem(f"cannot read the key file {path}: {exc}") from None
    if not listed:
        raise KeyProblem(f"the key file {path} is empty: restore it from its backup")
    warnings: tuple[str, ...] = ()
    if mode & 0o077:
        warnings = (
            f"{path} can be read by other users (mode {stat.S_IMODE(mode):04o}): chmod 600 {path}",
        )
    source = _file_source(path)
    return Keys(_keyring(listed, source), source, path, False, warnings)


def _create_key_file(path: Path) -> None:
    """Write a new key to ``path`` atomically (O_EXCL: never over an existing file), 0600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise
    except OSError as exc:
        raise KeyProblem(
            f"cannot create the key file {path}: {exc.strerror}; set {VARIABLE} instead"
        ) from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, Fernet.generate_key() + b"\n")
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise KeyProblem(f"cannot write the key file {path}: {exc.strerror}") from None
    os.close(fd)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the new file's directory entry durable (a lost key loses every answer)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _file_source(path: Path) -> str:
    return f"the key file {path}"


def _mismatch(keys: Keys) -> str:
    if keys.key_file is None:
        return (
            f"{keys.source} does not match the key this database was encrypted with; use the "
            "original key (or list it after the new one to rotate)"
        )
    created = f" ({keys.key_file} was missing and has just been created)" if keys.created else ""
    return (
        f"{keys.source} does not match the key this database was encrypted with{created}; "
        f"restore the original key file from its backup, or set {VARIABLE} to the original key "
        "(list it after a new one to rotate)"
    )
