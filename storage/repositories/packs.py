"""Meeting packs as recorded: version, kind, recipients, sha256 and Slack file ids. The bot keeps
no pack content (DESIGN §3 "The pack"): only what is needed to say which version went to whom,
to check a copy against its hash, and to delete the Slack copies later."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms.records import NewPack, PackKind, PackRecord
from storage.errors import NotFound, StorageError
from storage.orm import PackRow, PartnershipRow, ReviewRow


class DuplicatePackVersion(StorageError):
    """Another process recorded this version of the review's pack first (roll back, then
    compile again with the next version)."""

    def __init__(self, review_id: int, version: int) -> None:
        super().__init__(f"review {review_id} already has a pack version {version}")
        self.review_id = review_id
        self.version = version


def _ids(text: str) -> tuple[str, ...]:
    value = json.loads(text)
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _text(ids: Sequence[str]) -> str:
    return json.dumps(list(ids), ensure_ascii=True, separators=(",", ":"))


def to_pack(row: PackRow) -> PackRecord:
    """The domain record of a pack row."""
    return PackRecord(
        id=row.id,
        review_id=row.review_id,
        version=row.version,
        kind=PackKind(row.kind),
        created_at=row.created_at,
        created_by=row.created_by,
        recipients=_ids(row.recipients),
        html_sha256=row.html_sha256,
        pdf_sha256=row.pdf_sha256,
        file_ids=_ids(row.file_ids),
    )


class SqlPackRepository:
    """Pack records in SQL. Never commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def next_version(self, review_id: int) -> int:
        """The version the review's next pack gets: 1, then one more than the last."""
        last = self._session.scalar(
            select(func.max(PackRow.version)).where(PackRow.review_id == review_id)
        )
        return (last or 0) + 1

    def add(self, new: NewPack) -> PackRecord:
        """Record a compiled pack. Raises ``DuplicatePackVersion`` if the review already has
        ``new.version`` (a concurrent compile won: roll the unit of work back)."""
        if new.version < 1:
            raise ValueError(f"a pack version starts at 1, got {new.version}")
        if self._session.get(ReviewRow, new.review_id) is None:
            raise NotFound(f"review {new.review_id} does not exist")
        row = PackRow(
            review_id=new.review_id,
            version=new.version,
            kind=PackKind(new.kind).value,
            created_at=new.created_at,
            created_by=new.created_by,
            recipients=_text(new.recipients),
            html_sha256=new.html_sha256,
            pdf_sha256=new.pdf_sha256,
            file_ids=_text(()),
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:  # the only unique key is (review_id, version)
            raise DuplicatePackVersion(new.review_id, new.version) from exc
        return to_pack(row)

    def get(self, pack_id: int) -> PackRecord | None:
        """A pack by id, or None."""
        row = self._session.get(PackRow, pack_id)
        return None if row is None else to_pack(row)

    def list_for_review(self, review_id: int) -> list[PackRecord]:
        """A review's packs, oldest version first."""
        rows = self._session.scalars(
            select(PackRow).where(PackRow.review_id == review_id).order_by(PackRow.version)
        )
        return [to_pack(row) for row in rows]

    def latest(self, review_id: int) -> PackRecord | None:
        """The review's newest pack, or None when none was compiled yet."""
        row = self._session.scalars(
            select(PackRow)
            .where(PackRow.review_id == review_id)
            .order_by(PackRow.version.desc())
            .limit(1)
        ).one_or_none()
        return None if row is None else to_pack(row)

    def add_files(self, pack_id: int, file_ids: Sequence[str]) -> PackRecord:
        """Remember the Slack files a pack was uploaded as (appended, each id once)."""
        row = self._session.get(PackRow, pack_id, with_for_update=True)
        if row is None:
            raise NotFound(f"pack {pack_id} does not exist")
        row.file_ids = _text(list(dict.fromkeys([*_ids(row.file_ids), *file_ids])))
        self._session.flush()
        return to_pack(row)

    def teams(self) -> list[str]:
        """The Slack team of every partnership in the database (``rrm pack`` picks one)."""
        query = select(PartnershipRow.team_id).order_by(PartnershipRow.id)
        return list(self._session.scalars(query))
