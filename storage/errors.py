"""Typed storage errors that the service layer maps to a clear message."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every error raised on purpose by ``storage``."""


class StorageBusy(StorageError):
    """The database was locked or too slow (busy/lock/statement timeout); retrying may succeed.

    The unit of work must be rolled back (leaving its ``with`` block does that).
    """


class StorageUnavailable(StorageBusy):
    """The database could not be reached (connection refused or lost, server shutting down);
    nothing was written, and retrying once it is back will succeed."""


class NotFound(StorageError):
    """A referenced row (partnership, agency, review, return, section) does not exist."""


class DuplicateReference(StorageError):
    """A review with this reference already exists in this Slack team."""

    def __init__(self, team_id: str, reference: str) -> None:
        super().__init__(f"review {reference!r} already exists in team {team_id}")
        self.team_id = team_id
        self.reference = reference


class SectionConflict(StorageError):
    """A page was saved from a revision of its section that is no longer current.

    Nothing was changed; the user's text should be kept and the page shown again.
    """

    def __init__(self, return_id: int, section_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"section {section_id!r} of return {return_id} changed since the page was shown "
            f"(page revision {expected}, stored revision {current})"
        )
        self.return_id = return_id
        self.section_id = section_id
        self.expected = expected
        self.current = current
