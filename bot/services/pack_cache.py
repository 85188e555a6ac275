"""Rendering each received return's part of the pack PDF in the background, when the return is
received or amended, so that compiling the pack (days later, while the chair waits) merges it
instead of rendering it (DESIGN §7; ``forms.pack.pdf_cache``).

``schedule_warm(ctx, review_id)`` is called (through ``ctx.later``) after a return is submitted
and after a received return is amended. It waits ``WARM_DELAY_S`` after the last such call for
the review (a burst of saves warms once), then hands ``warm`` to ``ctx.later``: the review's
next pack is built as a compile would build it, and the chunks of its returns not kept yet are
rendered, one after another, by one worker process at low priority, and kept (encrypted, in the
database). One warm-up runs at a time in the process. A context without background work
(``ctx.later`` is ``run_now``: the CLI, most unit tests) does not warm: its next compile renders
what is missing.

At shutdown, ``stop(ctx)`` drops the warm-ups waiting and asks a running one to stop after the
chunk it is rendering (the bot's drain then waits for it). Nothing here logs answer text: only
review ids, counts and exception class names.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable

from bot.services import pack_build
from bot.services.context import Context, run_now
from bot.services.pack_chunks import StoredChunks
from forms.pack.pdf import plan_chunks
from forms.pack.pdf_cache import Warmed, warm_chunks

log = logging.getLogger(__name__)

WARM_DELAY_S = 300.0
"""How long after a review's last submission or amendment its chunks are rendered: once people
have stopped working on it. A warm-up builds the pack's HTML in the bot's process and keeps what
a worker renders, and under the load benchmark, warming 20 s after each of its 32 submissions a
minute slowed everyone's page saves (``bench/README.md``); a pack compiled within these minutes
renders the one or two returns not kept yet."""
BUSY_RETRY_S = 5.0
"""How much later a warm-up due while another runs is tried again."""


def warm(ctx: Context, review_id: int, *, stop: Callable[[], bool] | None = None) -> Warmed | None:
    """Render and keep the chunks of the review's received returns that are not kept yet
    (None: no such review, or purged). ``stop`` is asked before each chunk."""
    with ctx.uow as uow:
        review = uow.reviews.get(review_id)
    if review is None or review.purged_at is not None or (stop is not None and stop()):
        return None
    documents = plan_chunks(pack_build.next_html(ctx, review)).return_documents()
    if not documents:
        return Warmed(0, 0, 0.0)
    kept = StoredChunks(ctx, review_id, write_through=True)
    return warm_chunks(documents, kept, stop=stop)


class Warmer:
    """The warm-ups waiting (by context and review, each with the time it is due) and those
    handed to a context's ``later``; one thread hands them over when due. Thread-safe."""

    def __init__(
        self, delay: float = WARM_DELAY_S, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.delay = delay
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._due: dict[tuple[int, int], tuple[float, weakref.ref[Context]]] = {}
        self._handed: dict[int, int] = {}  # by id(ctx): handed to ctx.later, not finished
        self._stopped: set[int] = set()  # ids of contexts stopped
        self._known: set[int] = set()  # ids of contexts seen (all forgotten when collected)
        self._collected: deque[int] = deque()  # ids of contexts collected, to forget
        self._running = threading.Lock()  # held by the warm-up running in this process
        self._thread: threading.Thread | None = None

    def schedule(self, ctx: Context, review_id: int, delay: float | None = None) -> None:
        """Warm the review's chunks ``delay`` (default :attr:`delay`) from now, unless the
        context is stopped; a warm-up waiting for the review waits again."""
        if ctx.later is run_now:
            return
        with self._cond:
            self._know(ctx)
            if id(ctx) in self._stopped:
                return
            due = self._monotonic() + (self.delay if delay is None else delay)
            self._due[(id(ctx), review_id)] = (due, weakref.ref(ctx))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._hand_over, name="rrm-pack-warm", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def flush(self, ctx: Context, timeout: float = 120.0) -> bool:
        """Make the context's waiting warm-ups due now and wait until none is waiting or
        running; False if some still were after ``timeout`` seconds."""
        end = self._monotonic() + timeout
        with self._cond:
            while self._pending(ctx):
                left = end - self._monotonic()
                if left <= 0:
                    return False
                now = self._monotonic()
                for key, (due, ref) in list(self._due.items()):
                    if key[0] == id(ctx) and due > now:
                        self._due[key] = (now, ref)
                self._cond.notify_all()
                self._cond.wait(min(left, 0.1))
            return True

    def stop(self, ctx: Context, timeout: float = 0.0) -> bool:
        """Drop the context's waiting warm-ups, refuse new ones, ask a running one to stop
        after its chunk; wait up to ``timeout`` seconds for it. False if it still runs."""
        with self._cond:
            self._know(ctx)
            self._stopped.add(id(ctx))
            for key in [k for k in self._due if k[0] == id(ctx)]:
                del self._due[key]
            self._cond.notify_all()
            return self._cond.wait_for(lambda: not self._pending(ctx), timeout)

    def _pending(self, ctx: Context) -> bool:
        return self._handed.get(id(ctx), 0) > 0 or any(k[0] == id(ctx) for k in self._due)

    def _know(self, ctx: Context) -> None:
        """(Holding the lock.) Forget the context once it is collected: a new one may get its
        id. The collector may run in any thread at any time, so it only queues the id."""
        while self._collected:
            gone = self._collected.popleft()
            self._known.discard(gone)
            self._stopped.discard(gone)
            self._handed.pop(gone, None)  # handed to a ``later`` that never ran them
            for key in [k for k in self._due if k[0] == gone]:
                del self._due[key]
        if id(ctx) not in self._known:
            self._known.add(id(ctx))
            weakref.finalize(ctx, self._collected.append, id(ctx))

    def _hand_over(self) -> None:
        """The thread: hand each warm-up to its context's ``later`` when it is due."""
        while True:
            with self._cond:
                now = self._monotonic()
                due = [(at, key) for key, (at, _) in self._due.items() if at <= now]
                if not due:
                    nearest = min((at for at, _ in self._due.values()), default=None)
                    self._cond.wait(None if nearest is None else nearest - now)
                    continue
                _, key = min(due)
                _, ref = self._due.pop(key)
                ctx = ref()
                if ctx is None:
                    continue
                self._handed[id(ctx)] = self._handed.get(id(ctx), 0) + 1
            try:
                ctx.later(self._job(ctx, key[1]))
            except Exception as exc:  # a ``later`` shut down: this one is dropped, not the thread
                log.warning("pack warm-up of review %s dropped: %s", key[1], type(exc).__name__)
                with self._cond:
                    self._handed[id(ctx)] -= 1
                    self._cond.notify_all()

    def _job(self, ctx: Context, review_id: int) -> Callable[[], None]:
        def run() -> None:
            try:
                if not self._running.acquire(blocking=False):
                    self.schedule(ctx, review_id, BUSY_RETRY_S)  # one at a time
                    return
                try:
                    self._warm(ctx, review_id)
                finally:
                    self._running.release()
            finally:
                with self._cond:
                    self._handed[id(ctx)] -= 1
                    self._cond.notify_all()

        return run

    def _warm(self, ctx: Context, review_id: int) -> None:
        def stopping() -> bool:
            with self._cond:
                return id(ctx) in self._stopped

        try:
            done = warm(ctx, review_id, stop=stopping)
        except Exception as exc:  # the type only: a message could quote an answer
            log.warning("pack chunks of review %s not warmed: %s", review_id, type(exc).__name__)
            return
        if done is not None and done.rendered:
            log.info(
                "pack chunks of review %s: %d rendered in %.1f s, %d kept already",
                review_id,
                done.rendered,
                done.seconds,
                done.found,
            )


WARMER = Warmer()
"""The process's warm-ups."""


def schedule_warm(ctx: Context, review_id: int) -> None:
    """After a return of the review was received or amended: warm its chunks soon."""
    WARMER.schedule(ctx, review_id)


def flush(ctx: Context, timeout: float = 120.0) -> bool:
    """Run the context's waiting warm-ups now and wait for them (tests, benchmarks)."""
    return WARMER.flush(ctx, timeout)


def stop(ctx: Context, timeout: float = 0.0) -> bool:
    """At shutdown: no more warm-ups for this context (see :meth:`Warmer.stop`)."""
    return WARMER.stop(ctx, timeout)
