"""Due reminders in SQL: the plan of each review, and the sweep's claims.

Claiming is exactly-once between processes. On PostgreSQL the due rows are selected
``FOR UPDATE SKIP LOCKED`` and marked claimed in the same short transaction, so two sweeps never
see the same row. On SQLite the due rows are read, then one conditional ``UPDATE … WHERE
state = 'pending'`` claims them under the database's single write lock: another sweep may have
claimed some in between, and the row count says how many this one won; the rows are read back
by the sweep's own claim token. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from forms.reminders import (
    CONTACT_KINDS,
    DueItem,
    Kind,
    Reminder,
    ReminderState,
    Role,
    Synced,
)
from storage.orm import ReviewRow
from storage.orm_reminders import ERROR, ReminderRow
from storage.repositories._sql import insert_for, rowcount

PENDING, CLAIMED, SENT = ReminderState.PENDING, ReminderState.CLAIMED, ReminderState.SENT
_LIVE = (PENDING.value, CLAIMED.value, SENT.value)


def to_reminder(row: ReminderRow) -> Reminder:
    """The domain record of a reminder row."""
    return Reminder(
        id=row.id,
        review_id=row.review_id,
        return_id=row.return_id,
        kind=Kind(row.kind),
        role=Role(row.role),
        recipient=row.recipient,
        series=row.series,
        slot=row.slot,
        due_at=row.due_at,
        send_after=row.send_after,
        state=ReminderState(row.state),
        attempts=row.attempts,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


class SqlReminderRepository:
    """Reminders in SQL. Never commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _postgres(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    # -- the plan -------------------------------------------------------------------------

    def lock_review(self, review_id: int) -> None:
        """Serialise re-planning of one review: call first in the unit of work, before the
        facts are read (PostgreSQL: the review's row lock; SQLite: the write lock)."""
        if self._postgres:
            self._session.execute(
                select(ReviewRow.id)
                .where(ReviewRow.id == review_id)
                .with_for_update(key_share=True)
            )
        else:
            self._session.execute(
                update(ReviewRow).where(ReviewRow.id == review_id).values(id=ReviewRow.id)
            )

    def sync(self, review_id: int, items: Sequence[DueItem], now: datetime) -> Synced:
        """Make the review's plan match ``items``: pending rows no longer planned are cancelled,
        planned ones still to come are added (or restored, if they were cancelled), and rows
        already claimed, sent, failed or superseded are left as they are. Items due before
        ``now`` are not added: a new plan never sends what it would have sent in the past."""
        wanted = {item.slot: item for item in items}
        table = cast(Table, ReminderRow.__table__)
        connection = self._session.connection()
        rows = connection.execute(  # plain rows, not ORM objects: a review has hundreds
            select(table.c.id, table.c.slot, table.c.state, table.c.recipient).where(
                table.c.review_id == review_id, table.c.kind != Kind.NUDGE.value
            )
        ).all()
        cancelled_ids: list[int] = []
        recipients: list[dict[str, object]] = []  # pending rows whose recipient changed
        restored: list[dict[str, object]] = []
        kept = 0
        for row_id, slot, state, recipient in rows:
            item = wanted.get(slot)
            if state == PENDING and item is None:
                cancelled_ids.append(row_id)
            elif state == PENDING and item is not None:
                kept += 1
                if recipient != item.recipient:
                    recipients.append({"row_id": row_id, "new_recipient": item.recipient})
            elif state == ReminderState.CANCELLED and item is not None and item.due_at >= now:
                restored.append(
                    {"row_id": row_id, "new_recipient": item.recipient, "due": item.due_at}
                )
        by_id = table.c.id == bindparam("row_id")
        if cancelled_ids:
            connection.execute(
                update(table)
                .where(table.c.id.in_(cancelled_ids))
                .values(state=ReminderState.CANCELLED.value, last_error="no longer due")
            )
        if recipients:
            connection.execute(
                update(table).where(by_id).values(recipient=bindparam("new_recipient")),
                recipients,
            )
        if restored:
            connection.execute(
                update(table)
                .where(by_id)
                .values(
                    state=PENDING.value,
                    recipient=bindparam("new_recipient"),
                    last_error=None,
                    send_after=bindparam("due"),
                    attempts=0,
                ),
                restored,
            )
        known = {slot for _, slot, _, _ in rows}
        new = [item for slot, item in wanted.items() if slot not in known and item.due_at >= now]
        if new:
            insert = insert_for(self._session, ReminderRow).on_conflict_do_nothing(
                index_elements=["review_id", "slot"]
            )
            self._session.execute(insert, [self._values(review_id, i, now) for i in new])
        return Synced(len(new), len(cancelled_ids), len(restored), kept)

    @staticmethod
    def _values(review_id: int, item: DueItem, now: datetime) -> dict[str, object]:
        return {
            "review_id": review_id,
            "return_id": item.return_id,
            "kind": item.kind.value,
            "role": item.role.value,
            "recipient": item.recipient,
            "series": item.series,
            "slot": item.slot,
            "due_at": item.due_at,
            "send_after": item.due_at,
            "state": PENDING.value,
            "attempts": 0,
            "created_at": now,
        }

    def list_for_review(self, review_id: int) -> list[Reminder]:
        """Every item of the review, in time order."""
        rows = self._session.scalars(
            select(ReminderRow)
            .where(ReminderRow.review_id == review_id)
            .order_by(ReminderRow.due_at, ReminderRow.id)
        )
        return [to_reminder(row) for row in rows]

    def sent_counts(self, review_id: int) -> dict[int, int]:
        """Reminders sent to each return's contact (nudges included), by return id."""
        counted = self._session.execute(
            select(ReminderRow.return_id, func.count())
            .where(
                ReminderRow.review_id == review_id,
                ReminderRow.state == SENT.value,
                ReminderRow.kind.in_([k.value for k in CONTACT_KINDS]),
            )
            .group_by(ReminderRow.return_id)
        )
        return {return_id: n for return_id, n in counted if return_id is not None}

    # -- nudges ---------------------------------------------------------------------------

    def last_nudge(self, return_id: int) -> datetime | None:
        """When the return's contact was last nudged (claimed or sent), or None."""
        return self._session.scalar(
            select(func.max(ReminderRow.due_at)).where(
                ReminderRow.return_id == return_id,
                ReminderRow.kind == Kind.NUDGE.value,
                ReminderRow.state.in_([CLAIMED.value, SENT.value]),
            )
        )

    def add_nudge(self, review_id: int, item: DueItem, worker: str) -> Reminder | None:
        """Record a nudge as claimed by ``worker`` (it is sent at once); None when one with
        the same slot exists already (another coordinator's nudge won)."""
        values = self._values(review_id, item, item.due_at)
        values.update(state=CLAIMED.value, claimed_by=worker, claimed_at=item.due_at)
        insert = insert_for(self._session, ReminderRow).values(values)
        done = self._session.execute(
            insert.on_conflict_do_nothing(index_elements=["review_id", "slot"]).returning(
                ReminderRow.id
            )
        ).first()
        return None if done is None else self._get(done[0])

    # -- the sweep ------------------------------------------------------------------------

    def reclaim_expired(self, claimed_before: datetime) -> int:
        """Take back claims older than the lease (their sweep died): pending again."""
        result = self._session.execute(
            update(ReminderRow)
            .where(ReminderRow.state == CLAIMED.value, ReminderRow.claimed_at < claimed_before)
            .values(state=PENDING.value, claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)

    def claim_due(self, now: datetime, worker: str, limit: int) -> tuple[list[Reminder], int]:
        """Claim up to ``limit`` due items for ``worker`` (a token unique to this claim).

        Before claiming, a due item with a later due item of the same series (due by ``now``
        and not given up) is marked superseded: after downtime only the latest goes. Returns
        the claimed items and how many were superseded.
        """
        due = (
            select(ReminderRow.id)
            .where(ReminderRow.state == PENDING.value, ReminderRow.send_after <= now)
            .order_by(ReminderRow.send_after, ReminderRow.id)
            .limit(limit)
        )
        if self._postgres:  # rows another sweep holds are skipped, not waited for
            due = due.with_for_update(skip_locked=True)
        ids = list(self._session.scalars(due))
        if not ids:
            return [], 0
        superseded = self._supersede(ids, now)
        left = [i for i in ids if i not in superseded]
        if not left or self._claim(left, worker, now) == 0:
            return [], len(superseded)
        rows = self._session.scalars(
            select(ReminderRow)
            .where(ReminderRow.claimed_by == worker, ReminderRow.state == CLAIMED.value)
            .order_by(ReminderRow.send_after, ReminderRow.id)
        )
        return [to_reminder(row) for row in rows], len(superseded)

    def _claim(self, ids: list[int], worker: str, now: datetime) -> int:
        """Mark those of ``ids`` still pending as claimed by ``worker``: how many it won.

        PostgreSQL: this transaction holds their row locks, taken while they were pending, so
        the ids alone say which (repeating the state would let a planner with stale statistics
        walk the pending index instead of the key). SQLite: the conditional update, once per
        row by its rowid."""
        values = {"state": CLAIMED.value, "claimed_by": worker, "claimed_at": now}
        table = cast(Table, ReminderRow.__table__)
        if self._postgres:
            statement = update(table).where(table.c.id.in_(ids)).values(values)
            return rowcount(self._session.connection().execute(statement))
        statement = update(table).where(
            table.c.id == bindparam("claim_id"), table.c.state == PENDING.value
        )
        params = [{"claim_id": i} for i in ids]
        return rowcount(self._session.connection().execute(statement.values(values), params))

    def _supersede(self, ids: list[int], now: datetime) -> set[int]:
        """Mark superseded those of ``ids`` with a later item of their series due by ``now``
        (pending, claimed or sent); their ids."""
        later = aliased(ReminderRow)
        newer_due = exists().where(
            later.review_id == ReminderRow.review_id,
            later.series == ReminderRow.series,
            later.due_at > ReminderRow.due_at,
            later.due_at <= now,
            later.state.in_(_LIVE),
        )
        chosen: ColumnElement[bool] = ReminderRow.id.in_(ids)
        if not self._postgres:  # see _claim: PostgreSQL holds their locks
            chosen = and_(chosen, ReminderRow.state == PENDING.value)
        done = self._session.execute(
            update(ReminderRow)
            .where(chosen, newer_due)
            .values(state=ReminderState.SUPERSEDED.value, last_error="a later one was due")
            .returning(ReminderRow.id)
            .execution_options(synchronize_session=False)
        )
        return set(done.scalars())

    def mark_sent(self, reminder_id: int, worker: str, at: datetime, recipient: str) -> bool:
        """Record that Slack accepted it; False if the claim was lost (taken back meanwhile)."""
        return self._finish(reminder_id, worker, SENT, sent_at=at, recipient=recipient)

    def give_up(self, reminder_id: int, worker: str, state: ReminderState, error: str) -> bool:
        """End a claimed item as failed, cancelled or superseded, saying why."""
        return self._finish(reminder_id, worker, state, last_error=error[:ERROR])

    def release(
        self,
        reminder_id: int,
        worker: str,
        send_after: datetime,
        *,
        error: str | None = None,
        attempted: bool = False,
    ) -> bool:
        """Put a claimed item back, not to be sent before ``send_after`` (outside the
        recipient's window, or waiting to be tried again after a failure)."""
        values: dict[str, object] = {"send_after": send_after, "claimed_by": None}
        values["claimed_at"] = None
        if error is not None:
            values["last_error"] = error[:ERROR]
        if attempted:
            values["attempts"] = ReminderRow.attempts + 1
        return self._finish(reminder_id, worker, PENDING, **values)

    def _finish(
        self, reminder_id: int, worker: str, state: ReminderState, **values: object
    ) -> bool:
        result = self._session.execute(
            update(ReminderRow)
            .where(
                ReminderRow.id == reminder_id,
                ReminderRow.claimed_by == worker,
                ReminderRow.state == CLAIMED.value,
            )
            .values(state=state.value, **values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    def get(self, reminder_id: int) -> Reminder | None:
        """A reminder by id, or None."""
        row = self._session.get(ReminderRow, reminder_id)
        return None if row is None else to_reminder(row)

    def _get(self, reminder_id: int) -> Reminder:
        found = self.get(reminder_id)
        assert found is not None
        return found

    def count_by_state(self) -> dict[ReminderState, int]:
        """How many items are in each state (for reports and benchmarks)."""
        counted = self._session.execute(
            select(ReminderRow.state, func.count()).group_by(ReminderRow.state)
        )
        return {ReminderState(state): n for state, n in counted}
