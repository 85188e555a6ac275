"""The benchmarks' ``--nice``: the run in a scheduling group of its own (used by bench/load.py
and bench/bench_pack.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def own_priority(nice: int) -> None:
    """Run on in a new session (so a scheduling autogroup of its own) with niceness ``nice``;
    every process started from here on is in it."""
    try:
        os.setsid()
    except PermissionError:  # already a process-group leader: start again, under setsid
        if os.environ.get("RRM_BENCH_SETSID") == "1":
            raise
        os.environ["RRM_BENCH_SETSID"] = "1"
        sys.stdout.flush()
        os.execvp("setsid", ["setsid", "--wait", sys.executable, *sys.argv])
    try:
        Path("/proc/self/autogroup").write_text(str(nice))
    except OSError as exc:  # no autogroups here, or not root: plain nice
        print(f"(no autogroup niceness: {exc}; os.nice instead)", file=sys.stderr)
        os.nice(nice)
