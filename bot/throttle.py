"""Sending at Slack's pace: a token bucket per channel (``chat.postMessage`` allows about one
message a second per channel) under one for the whole workspace.

Time is injected: ``monotonic`` and ``sleep`` are the real ones in ``main()``; tests pass a
virtual clock whose ``sleep`` only moves it forward, so nothing waits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

PER_CHANNEL_PER_SECOND = 1.0
WORKSPACE_PER_SECOND = 5.0
_FULL = 1 - 1e-9  # a token, give or take floating-point rounding


class Throttle(Protocol):
    """Blocks until one more message may go to ``channel``."""

    def wait(self, channel: str) -> None: ...


@dataclass
class _Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    at: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now


@dataclass
class TokenBucket:
    """``per_channel`` messages a second to any one channel, ``overall`` a second in all, each
    with bursts of ``burst``. Thread-safe; the wait happens outside the lock."""

    per_channel: float = PER_CHANNEL_PER_SECOND
    overall: float = WORKSPACE_PER_SECOND
    burst: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    waited: float = 0.0
    _channels: dict[str, _Bucket] = field(default_factory=dict)
    _all: _Bucket | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, channel: str) -> None:
        """Sleep (through the injected ``sleep``) until both buckets have a token, take them."""
        while True:
            with self._lock:
                now = self.monotonic()
                delay = self._delay(channel, now)
            if delay <= 0:
                return
            self.waited += delay
            self.sleep(delay)

    def _delay(self, channel: str, now: float) -> float:
        overall = self._all or _Bucket(self.overall, self.burst, self.burst, now)
        self._all = overall
        mine = self._channels.get(channel) or _Bucket(self.per_channel, self.burst, self.burst, now)
        self._channels[channel] = mine
        overall.refill(now)
        mine.refill(now)
        if overall.tokens >= _FULL and mine.tokens >= _FULL:
            overall.tokens -= 1
            mine.tokens -= 1
            return 0.0
        return max((1 - b.tokens) / b.rate for b in (overall, mine) if b.tokens < _FULL)


class VirtualTime:
    """A monotonic clock that only ``sleep`` moves: a fast throttle for tests and benchmarks."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def unthrottled() -> TokenBucket:
    """A bucket on virtual time: it keeps Slack's pace on paper and never waits."""
    virtual = VirtualTime()
    return TokenBucket(monotonic=virtual.monotonic, sleep=virtual.sleep)
