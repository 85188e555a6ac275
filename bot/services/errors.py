"""Typed errors of the service layer. Each message is for the person who acted: it names the
problem and the fix. Adapters map them to an ephemeral message or modal errors."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """A request that cannot be done as asked; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ServiceError):
    """The person acting has no role that allows this."""


class NotFound(ServiceError):
    """The review or return named does not exist (for this team)."""


class InvalidRequest(ServiceError):
    """Input that cannot be used. `fields` maps a field name to its problem."""

    def __init__(self, fields: Mapping[str, str], message: str | None = None) -> None:
        self.fields = dict(fields)
        super().__init__(message or "\n".join(f"{k}: {v}" for k, v in self.fields.items()))


class NotInChannel(ServiceError):
    """The bot is not a member of the channel the command came from."""

    def __init__(self) -> None:
        super().__init__("Invite me first: /invite @rrm")


class ReturnClosed(ServiceError):
    """The return or its review no longer accepts changes."""


class StaleSection(ServiceError):
    """The section changed in another window since this page was shown."""


class TryAgain(ServiceError):
    """The database was busy; nothing was lost, the person can press the button again."""
