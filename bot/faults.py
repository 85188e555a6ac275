"""Named kill points, for the fault-injection tests (DESIGN §8): the bot kills itself with
SIGKILL at a named point so that a test can restart it and check that nothing was lost.

``RRM_KILL_AT=NAME`` arms the point NAME the first time it is reached; ``RRM_KILL_AT=NAME:N``
the N-th time (a test picks N from its seed). Unset, every point is a no-op. The variable is
read once, the first time any point is reached or the server is built, never at import.

Points: ``after-commit-before-response`` (a page was committed, its answer not yet sent),
``before-commit`` (a page save was claimed against duplicates, not yet saved),
``after-response`` (an answer went out: the process dies as the next request arrives, or
``AFTER_RESPONSE_GRACE`` seconds later, wherever its follow-up work is) and ``mid-sweep`` (one
reminder of a sweep was sent and recorded, the others not yet).
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

ENV = "RRM_KILL_AT"
AFTER_COMMIT = "after-commit-before-response"
BEFORE_COMMIT = "before-commit"
AFTER_RESPONSE = "after-response"
MID_SWEEP = "mid-sweep"
POINTS = (AFTER_COMMIT, BEFORE_COMMIT, AFTER_RESPONSE, MID_SWEEP)
AFTER_RESPONSE_GRACE = 0.5
"""Seconds an armed ``after-response`` waits for a next request before dying anyway (long
enough for the server to write the answer out)."""


@dataclass
class KillSwitch:
    """The armed point (None: nothing is armed) and the hit that kills."""

    point: str | None = None
    at: int = 1
    seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def parse(cls, text: str | None) -> KillSwitch:
        """``NAME`` or ``NAME:N``; raises ValueError for an unknown point or a bad N."""
        if not text or not text.strip():
            return cls()
        name, _, count = text.strip().partition(":")
        if name not in POINTS:
            raise ValueError(f"{ENV}={text!r}: unknown kill point; known: {', '.join(POINTS)}")
        if count and not (count.isdigit() and int(count) >= 1):
            raise ValueError(f"{ENV}={text!r}: the count after ':' must be a whole number >= 1")
        return cls(name, int(count or 1))

    def reached(self, name: str) -> bool:
        """Count a pass through ``name``; True when this pass is the armed one."""
        if name != self.point:
            return False
        with self.lock:
            self.seen += 1
            return self.seen == self.at


@functools.cache
def switch() -> KillSwitch:
    """This process's kill switch, from ``RRM_KILL_AT`` (read on first use)."""
    return KillSwitch.parse(os.environ.get(ENV))


def kill_point(name: str) -> None:
    """Die here (SIGKILL, no clean-up at all) if ``name`` is the armed point and this is the
    armed pass; otherwise do nothing."""
    if switch().reached(name):
        die(name)


def die(name: str) -> None:
    """Say where on stderr (for the test's log), then SIGKILL this process."""
    os.write(2, f"rrm: killed at {name} ({ENV})\n".encode())
    os.kill(os.getpid(), signal.SIGKILL)


def after_response(app: WSGIApplication) -> WSGIApplication:
    """``app`` with the ``after-response`` point around each request (``app`` itself when that
    point is not armed). Once the armed answer has been handed to the server, the process dies
    as the next request arrives (before it is read by the app), or after a short grace."""
    if switch().point != AFTER_RESPONSE:
        return app
    dying = threading.Event()

    def served() -> None:
        if switch().reached(AFTER_RESPONSE):
            dying.set()
            timer = threading.Timer(AFTER_RESPONSE_GRACE, die, (AFTER_RESPONSE,))
            timer.daemon = True
            timer.start()

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if dying.is_set():
            die(AFTER_RESPONSE)
        return _Closing(app(environ, start_response), served)

    return wrapped


class _Closing:
    """A response body that calls ``then`` once the server has taken all of it (PEP 3333
    ``close``)."""

    def __init__(self, body: Iterable[bytes], then: Callable[[], None]) -> None:
        self._body = body
        self._then = then

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._then()
