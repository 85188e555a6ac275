"""Loading the encryption keys from the settings (DESIGN §3 RRM_ENCRYPTION_KEY, §5)."""

from __future__ import annotations

import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.keys import MAKE_KEY, KeyProblem, Keys, describe_keys, key_file_path, load_keys
from bot.settings import Settings
from storage.crypto import Keyring, ordinal

pytestmark = pytest.mark.usefixtures("clean_env")

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
PG_URL = "postgresql://rrm@db.example:5432/rrm"


def settings(database_url: str, key: str | None = None) -> Settings:
    secret = None if key is None else SecretStr(key)
    return Settings(_env_file=None, database_url=database_url, rrm_encryption_key=secret)


def sqlite_settings(folder: Path, key: str | None = None) -> Settings:
    return settings(f"sqlite:///{folder / 'rrm.db'}", key)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def first_key_of(keys: Keys) -> bytes:
    """The key that encrypts: the one Fernet key that decrypts a fresh token."""
    token = keys.codec().encode("probe")
    candidates = [k for k in (KEY_A, KEY_B) if _decrypts(k, token)]
    assert len(candidates) == 1
    return candidates[0].encode()


def _decrypts(key: str, token: str) -> bool:
    try:
        Fernet(key).decrypt(token)
    except Exception:
        return False
    return True


# --- SQLite: the key file beside the database ---------------------------------------------------


def test_a_key_file_is_created_beside_the_database_with_mode_0600(tmp_path: Path) -> None:
    keys = load_keys(sqlite_settings(tmp_path))
    path = tmp_path / "rrm.db.key"
    assert keys.key_file == path and keys.created
    assert mode(path) == 0o600
    Fernet(path.read_text().strip())  # a valid key
    assert keys.warnings == (
        f"created {path}: back it up separately from the database — without it the answers "
        "cannot be read",
    )
    assert keys.source == f"the key file {path}"


def test_the_key_file_is_reused(tmp_path: Path) -> None:
    first = load_keys(sqlite_settings(tmp_path))
    again = load_keys(sqlite_settings(tmp_path))
    assert not again.created and again.warnings == ()
    token = first.codec().encode({"A1": "yes"})
    assert again.codec().decode(token) == {"A1": "yes"}


def test_the_key_file_is_made_with_o_excl_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "rrm.db.key"
    path.write_text(KEY_A + "\n")
    path.chmod(0o600)
    keys = load_keys(sqlite_settings(tmp_path))
    assert path.read_text() == KEY_A + "\n"
    assert not keys.created
    assert Fernet(KEY_A).decrypt(keys.text_cipher().encrypt("Child A") or "") == b"Child A"


def test_processes_starting_together_share_one_key_file(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        loaded = list(pool.map(lambda _: load_keys(sqlite_settings(tmp_path)), range(8)))
    assert sum(keys.created for keys in loaded) == 1
    token = loaded[0].codec().encode("same key")
    assert all(keys.codec().decode(token) == "same key" for keys in loaded)


def test_a_key_file_readable_by_others_gets_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "rrm.db.key"
    path.write_text(KEY_A)
    path.chmod(0o644)
    keys = load_keys(sqlite_settings(tmp_path))
    assert keys.warnings == (f"{path} can be read by other users (mode 0644): chmod 600 {path}",)
    path.chmod(0o640)
    assert "mode 0640" in load_keys(sqlite_settings(tmp_path)).warnings[0]


def test_a_malformed_key_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "rrm.db.key"
    path.write_text(f"{KEY_A},not-a-key\n")
    path.chmod(0o600)
    with pytest.raises(
        KeyProblem, match=re.escape(f"the 2nd key in the key file {path} is not a Fernet")
    ):
        load_keys(sqlite_settings(tmp_path))


def test_an_empty_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rrm.db.key"
    path.write_text("\n")
    with pytest.raises(KeyProblem, match=re.escape(f"the key file {path} is empty: restore it")):
        load_keys(sqlite_settings(tmp_path))


def test_a_key_file_listing_several_keys_rotates_like_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "rrm.db.key"
    path.write_text(f"{KEY_B},{KEY_A}\n")
    path.chmod(0o600)
    keys = load_keys(sqlite_settings(tmp_path))
    assert keys.keyring.size == 2
    assert first_key_of(keys) == KEY_B.encode()


def test_the_variable_wins_over_the_key_file_and_no_file_is_made(tmp_path: Path) -> None:
    keys = load_keys(sqlite_settings(tmp_path, KEY_A))
    assert keys.source == "RRM_ENCRYPTION_KEY" and keys.key_file is None
    assert not (tmp_path / "rrm.db.key").exists()


def test_a_folder_that_cannot_hold_the_key_file_is_a_clear_problem(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(
        KeyProblem,
        match=r"cannot create the key file .*: No such file or directory; set RRM_ENCRYPTION_KEY",
    ):
        load_keys(sqlite_settings(missing))


def test_an_in_memory_database_gets_a_temporary_key_and_no_file(tmp_path: Path) -> None:
    for url in ("sqlite://", "sqlite:///:memory:"):
        keys = load_keys(settings(url))
        assert keys.key_file is None and keys.warnings == ()
        assert keys.codec().decode(keys.codec().encode([1, "x"])) == [1, "x"]
    assert list(tmp_path.iterdir()) == []


def test_key_file_path() -> None:
    assert key_file_path("sqlite:////var/lib/rrm/rrm.db") == Path("/var/lib/rrm/rrm.db.key")
    assert key_file_path("sqlite:///./rrm.db") == Path.cwd() / "rrm.db.key"
    assert key_file_path("sqlite://") is None


# --- PostgreSQL: the variable is required --------------------------------------------------------


def test_postgres_without_a_key_is_refused_with_how_to_make_one() -> None:
    with pytest.raises(KeyProblem) as caught:
        load_keys(settings(PG_URL))
    message = str(caught.value)
    assert message.startswith("RRM_ENCRYPTION_KEY is not set: PostgreSQL needs it")
    assert MAKE_KEY in message
    assert MAKE_KEY == (
        'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )


def test_postgres_with_keys_uses_them_first_one_encrypting() -> None:
    keys = load_keys(settings(PG_URL, f" {KEY_B} , {KEY_A} "))
    assert keys.source == "RRM_ENCRYPTION_KEY" and keys.keyring.size == 2
    assert first_key_of(keys) == KEY_B.encode()
    old = Fernet(KEY_A).encrypt(b'"old answer"').decode()
    assert keys.codec().decode(old) == "old answer"


# --- malformed keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "position"),
    [
        ("not-a-key", "1st"),
        (f"{KEY_A},{KEY_A[:-2]}", "2nd"),
        (f"{KEY_A},{KEY_B},{KEY_A}x", "3rd"),
        (f"{KEY_A}, {'A' * 44}", "2nd"),  # 44 characters but not 32 bytes of base64
        (Fernet.generate_key().hex(), "1st"),
    ],
)
def test_a_malformed_key_is_named_by_position(listed: str, position: str) -> None:
    with pytest.raises(KeyProblem) as caught:
        load_keys(settings(PG_URL, listed))
    message = str(caught.value)
    assert message.startswith(f"the {position} key in RRM_ENCRYPTION_KEY is not a Fernet key")
    assert MAKE_KEY in message


def test_a_list_of_only_commas_is_no_key() -> None:
    with pytest.raises(KeyProblem, match="RRM_ENCRYPTION_KEY lists no key"):
        load_keys(settings(PG_URL, " , ,"))


def test_a_blank_variable_counts_as_unset(tmp_path: Path) -> None:
    with pytest.raises(KeyProblem, match="RRM_ENCRYPTION_KEY is not set"):
        load_keys(settings(PG_URL, "   "))


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                    (13, "13th"), (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")]
)  # fmt: skip
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


# --- secrets stay secret; check-config creates nothing ------------------------------------------


def test_keys_are_never_printed() -> None:
    keys = load_keys(settings(PG_URL, f"{KEY_A},{KEY_B}"))
    for shown in (repr(keys), str(keys), repr(keys.keyring), repr(keys.codec())):
        assert KEY_A not in shown and KEY_B not in shown
    assert repr(Keyring([KEY_A])) == "Keyring(1 key)"


def test_describe_keys_creates_no_file(tmp_path: Path) -> None:
    line, warnings = describe_keys(sqlite_settings(tmp_path))
    assert (
        line
        == f"Fernet, key file {tmp_path / 'rrm.db.key'} (created at the first start: back it up)"
    )
    assert warnings == () and not (tmp_path / "rrm.db.key").exists()
    load_keys(sqlite_settings(tmp_path))
    os.chmod(tmp_path / "rrm.db.key", 0o604)
    line, warnings = describe_keys(sqlite_settings(tmp_path))
    assert line == f"Fernet, key file {tmp_path / 'rrm.db.key'}" and "mode 0604" in warnings[0]
    assert describe_keys(settings(PG_URL, f"{KEY_A},{KEY_B}"))[0].startswith(
        "Fernet, 2 keys from RRM_ENCRYPTION_KEY (the first encrypts"
    )
    line, warnings = describe_keys(settings(PG_URL))
    assert line == "RRM_ENCRYPTION_KEY not set (needed on PostgreSQL for rrm serve)"
    assert warnings[0].startswith("RRM_ENCRYPTION_KEY is not set: PostgreSQL needs it")
    with pytest.raises(KeyProblem, match="the 1st key in RRM_ENCRYPTION_KEY is not a Fernet key"):
        describe_keys(settings(PG_URL, "nope"))
