"""A view submission is answered within Slack's 3 seconds even when its listener is slower.

Slack waits 3 s for the answer to a view submission; Bolt waits as long for the listener's ack,
then answers 404 "unhandled request", and Slack shows its own "trouble connecting" error. Under
load a page save can take that long (a busy database, many saves at once). So each view
submission gets a deadline (:data:`ANSWER_BY_S`): if its listener has not answered by then, the
person is told, on the form's first input, that it couldn't be saved just now and to press its
button again — what they typed stays in the form. The listener carries on; its own answer is
kept for the delivery's key as usual (``bot.slack.middleware.answer_view``), so pressing again
with the same inputs is given that answer (or, if it changed nothing, works the page out anew):
nothing is saved twice, nothing is lost.

One thread keeps the deadlines of the submissions in flight, and ends when there are none.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

ANSWER_BY_S = 2.5
"""How long after its listener is handed a view submission it is answered at the latest (Slack
gives up at 3 s, counted from its request: this leaves room for the way back)."""


def input_block_ids(body: dict[str, Any]) -> list[str]:
    """The block ids of the input blocks of a view submission's view, in order."""
    blocks = (body.get("view") or {}).get("blocks") or []
    return [
        b["block_id"]
        for b in blocks
        if isinstance(b, dict) and b.get("type") == "input" and isinstance(b.get("block_id"), str)
    ]


def late_answer(body: dict[str, Any]) -> dict[str, Any] | None:
    """The answer given when a view submission's listener misses its deadline: an error on the
    first input, which keeps the form as it is. None for a view without inputs (an answer that
    replaced it could lose what it holds: Slack's own error is shown instead)."""
    first = next(iter(input_block_ids(body)), None)
    if first is None:
        return None
    submit = (body.get("view") or {}).get("submit") or {}
    label = submit.get("text") if isinstance(submit, dict) else None
    button = f"{label} again" if isinstance(label, str) and label else "the button again"
    text = f"Couldn't save just now — press {button}; your text is still here."
    return {"response_action": "errors", "errors": {first: text}}


class Deadlines:
    """Answers, at their deadline, the view submissions whose listener has not acked yet.
    Thread-safe; its thread runs only while a deadline is pending."""

    def __init__(
        self, after: float = ANSWER_BY_S, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.after = after
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Ack, dict[str, Any]]] = []
        self._order = itertools.count()  # ties broken in arrival order, never by Ack
        self._thread: threading.Thread | None = None

    def watch(self, ack: Ack, answer: dict[str, Any]) -> None:
        """Give ``answer`` through ``ack`` at the deadline unless the listener acked first."""
        due = self._monotonic() + self.after
        with self._cond:
            heapq.heappush(self._heap, (due, next(self._order), ack, answer))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="rrm-view-deadlines", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._heap:
                    self._thread = None
                    return
                due, _, ack, answer = self._heap[0]
                wait = due - self._monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            if ack.response is None:  # Bolt is still waiting for the listener
                ack(**answer)
