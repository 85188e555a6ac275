"""The bot for the kill tests, built and served as ``rrm serve`` does, but on a fixed clock and
with reminder sweeps on demand: one at start with ``--sweep`` (before it serves), and one
whenever the process gets SIGUSR1 (with ``--then``, the clock first moves on to that time).
SIGTERM stops it.

    RRM_KILL_AT=mid-sweep:3 python tests/faults/runner.py --at 2026-12-02T08:30:00+00:00 \
        --then 2026-12-02T10:00:00+00:00

Settings come from the environment, as for ``rrm serve``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import datetime

from bot.clock import FixedClock
from bot.runtime import build_runtime
from bot.scheduler import sweep_job
from bot.services.context import Context
from bot.settings import load_settings
from bot.throttle import unthrottled


def main() -> int:
    # Signals are taken by sigwait in this thread only: block them before any thread starts.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGUSR1})
    parser = argparse.ArgumentParser()
    parser.add_argument("--at", required=True, type=datetime.fromisoformat)
    parser.add_argument("--then", type=datetime.fromisoformat, help="the clock at SIGUSR1")
    parser.add_argument("--sweep", action="store_true", help="sweep once before serving")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    clock = FixedClock(args.at)
    runtime = build_runtime(load_settings(), clock=clock)
    sweeps: list[threading.Thread] = []
    try:
        if args.sweep:
            _sweep(runtime.ctx)
        server = runtime.http_server("127.0.0.1", 0).start()
        print(f"serving Slack on {server.url}/slack/events", file=sys.stderr, flush=True)
        while signal.sigwait({signal.SIGTERM, signal.SIGUSR1}) == signal.SIGUSR1:
            if args.then is not None:
                clock.set(args.then)
            sweeps.append(threading.Thread(target=_sweep, args=(runtime.ctx,), daemon=True))
            sweeps[-1].start()
        server.stop()
    finally:
        for sweep in sweeps:
            sweep.join(10)
        runtime.close()
    return 0


def _sweep(ctx: Context) -> None:
    sweep_job(ctx, unthrottled())
    print("sweep done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
