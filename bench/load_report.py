"""Figures and the README section of the load benchmark (``bench/load.py``)."""

from __future__ import annotations

import math
import platform
import re
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from load_users import Recorder

from bot.fakeslack import FakeSlack

README = Path(__file__).resolve().with_name("README.md")
HEADING = "## Load (DESIGN §7)"
SUMMARY_HEADING = "## Every DESIGN §7 figure, one run"
ACK_P99_MS, PAGE_P99_MS, FIFTEEN_S = 50.0, 250.0, 2.0
HTML_S, PDF_S, PDF_MB, CLAIM_S = 1.0, 10.0, 300.0, 1.0
KINDS = (  # (label, recorded kinds)
    ("ack-first: commands and block actions", ("command", "action")),
    ("… slash commands (`/rrm open`, `status`, `remind`, `pack`)", ("command",)),
    ("… block actions (Start, a choice, Add row)", ("action",)),
    ("page save: view_submission, Next", ("page",)),
    ("row save: view_submission of a chronology row", ("row",)),
    ("submit: view_submission of the review page", ("submit",)),
    ("**bare Bolt no-op, same server (the floor)**", ("bare",)),
)


@dataclass
class Run:
    """One database's run."""

    db: str
    seconds: float
    recorder: Recorder
    fifteen: list[float | None]  # seconds from /rrm open to the 15th DM, per 15-agency open
    cpu: float  # cores the bot process used on average
    packs: int
    server: dict[str, list[float]]  # kind -> sorted ms inside the server
    client_cpu: float  # cores the load generator (and the Slack stand-in) used
    load: tuple[float, float]  # the machine's 1-minute load average before and after
    state: str  # the disk's commit time and the CPU pressure just before (load.machine_state)
    profile: str | None = None  # a summary of the py-spy profile


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    return values[max(0, math.ceil(q * len(values)) - 1)] if values else math.nan


def latencies(run: Run, kinds: Sequence[str]) -> tuple[list[float], int]:
    """(sorted milliseconds of the answered requests, how many failed or were not 200)."""
    chosen = [s for s in run.recorder.samples if s[0] in kinds]
    return sorted(s[2] for s in chosen if s[3] == 200), sum(s[3] != 200 for s in chosen)


def fifteen_dm_seconds(
    fake: FakeSlack,
    opens: Sequence[tuple[str, float, list[str]]],
    contacts: Sequence[str],
    agencies: Sequence[str],
) -> list[float | None]:
    """For each 15-agency open (ref, sent at, agencies): seconds until the last of its 15
    request cards was accepted by the fake (``chat.postMessage``), or None if one is missing."""
    channels = {u: fake.dm_channel(u) for u in contacts}
    with fake.world.lock:
        posts = [
            (c.at, str(c.args.get("channel")), str(c.args.get("text") or ""))
            for c in fake.world.calls
            if c.method == "chat.postMessage" and not c.fault
        ]
    result: list[float | None] = []
    for ref, sent_at, chosen in opens:
        firsts = []
        for agency in chosen:
            channel = channels[contacts[agencies.index(agency)]]
            times = [at for at, ch, text in posts if ch == channel and ref in text]
            firsts.append(min(times) if times else None)
        known = [t for t in firsts if t is not None]
        result.append(max(known) - sent_at if len(known) == len(firsts) else None)
    return result


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f} ms" if value < 1000 else f"{value:,.0f} ms"


def table(run: Run) -> list[str]:
    floor, _ = latencies(run, ("bare",))
    floor_p99 = percentile(floor, 0.99)
    mark = {True: "met", False: "**missed**"}
    lines = [
        "| listener kind | requests | p50 | p95 | p99 | max | p99 in the server | "
        "target (DESIGN §7) | |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, kinds in KINDS:
        values, failed = latencies(run, kinds)
        p99 = percentile(values, 0.99)
        target, verdict = "", ""
        if kinds == ("command", "action"):
            target = f"p99 < {ACK_P99_MS:.0f} ms and ≤ 2 × floor p99 ({_ms(2 * floor_p99)})"
            verdict = mark[p99 < ACK_P99_MS and p99 <= 2 * floor_p99]
        elif kinds == ("page",):
            target, verdict = f"p99 < {PAGE_P99_MS:.0f} ms", mark[p99 < PAGE_P99_MS]
        n = f"{len(values)}" + (f" (+{failed} failed)" if failed else "")
        cells = [percentile(values, q) for q in (0.5, 0.95, 0.99)]
        cells += [values[-1] if values else math.nan]
        inside = sorted(v for k in kinds for v in run.server.get(k, []))
        cells += [percentile(inside, 0.99)]
        lines.append(
            f"| {label} | {n} | {' | '.join(_ms(c) for c in cells)} | {target} | {verdict} |"
        )
    done = sorted(t for t in run.fifteen if t is not None)
    missing = len(run.fifteen) - len(done)
    worst = done[-1] if done and not missing else math.inf
    lines.append(
        f"| `/rrm open` with 15 agencies → all 15 DMs sent | {len(run.fifteen)} opens"
        f"{f' ({missing} incomplete)' if missing else ''} | {percentile(done, 0.5):.2f} s | | | "
        f"{worst:.2f} s | | all within {FIFTEEN_S:.0f} s "
        f"| {mark[bool(done) and worst < FIFTEEN_S]} |"
    )
    return lines


def summary(run: Run) -> str:
    total = len(run.recorder.samples)
    errors = len(run.recorder.errors)
    return (
        f"{total} requests in {run.seconds:.0f} s ({total / run.seconds:.1f}/s, the bare "
        f"app's included); {run.packs} packs compiled; the bot process used "
        f"{run.cpu:.2f} CPU cores on average, the load generator with the Slack stand-in "
        f"{run.client_cpu:.2f}; the machine's load average was {run.load[0]:.1f} before and "
        f"{run.load[1]:.1f} after; just before it, {run.state}; {run.recorder.late} actions "
        f"started more than 100 ms late; {errors} client-side errors"
        + (f" (first: {run.recorder.errors[0]})" if errors else "")
        + "."
    )


def machine(runs: Sequence[Run]) -> str:
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    libs = ", ".join(
        f"{name} {version(name)}"
        for name in ("slack_bolt", "slack_sdk", "waitress", "SQLAlchemy", "psycopg")
    )
    return (
        f"nproc {nproc}, {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; {libs}{pg_version(runs)}"
    )


def pg_version(runs: Sequence[Run]) -> str:
    if not any(r.db == "postgres" for r in runs):
        return ""
    from sqlalchemy import create_engine, text

    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        with engine.connect() as connection:
            return f"; PostgreSQL {connection.execute(text('SHOW server_version')).scalar()}"
    finally:
        engine.dispose()


def report(runs: Sequence[Run], notes: Sequence[str] = ()) -> str:
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    out = [
        HEADING,
        "",
        "`.venv/bin/python bench/load.py [--db sqlite|postgres|both] [--seconds N] "
        "[--pg shared|own] [--nice N] [--profile]` "
        "— the real bot in its own process over HTTP on 127.0.0.1, against the local Slack "
        "stand-in; 50 simulated people each acting every 2–5 s (open loop, seeded): 2 "
        "coordinators opening reviews of 5 or 15 agencies and asking for the status, a chair "
        "compiling packs, 47 contacts answering the England return page by page; and, in the "
        "same process, behind the same waitress server, at the same time, a bare Bolt app's "
        "no-op slash command driven by 50 more simulated people as the floor. Times are "
        "round trips as Slack would see them (signed request to answer).",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine(runs)}.",
        "",
    ]
    for run in runs:
        out += [f"### {names[run.db]}", "", *table(run), "", summary(run), ""]
    out += list(notes)
    return "\n".join(out).rstrip("\n") + "\n"


def write_readme(section: str) -> None:
    """Replace (or add) this section of bench/README.md, leaving the others alone."""
    text = README.read_text("utf-8") if README.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Load \(DESIGN §7\)\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    README.write_text(text.rstrip("\n") + "\n", "utf-8")


def summarise_profile(path: Path, top: int = 25) -> str:
    """The functions of bot/, forms/, storage/ and the libraries where the bot spent its
    samples (inclusive), from py-spy's collapsed stacks."""
    if not path.exists():
        return "(no profile was written)"
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n, frames = int(count), stack.split(";")
        total += n
        leaves[frames[-1]] += n
        for frame in set(frames[1:]):
            inclusive[frame] += n
    if not total:
        return "(the profile is empty)"
    rows = [f"{n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)]
    self_rows = [f"{n / total:6.1%}  {f}" for f, n in leaves.most_common(top)]
    return "\n".join([f"{total} samples; inclusive:", *rows, "self:", *self_rows])


def _verdict(results: Sequence[bool]) -> str:
    return "met" if results and all(results) else "**missed**"


def every_figure(
    runs: Sequence[Run],
    pack: dict[str, Any] | None,
    sweep: list[dict[str, Any]] | None,
    started: datetime,
    nice: int | None,
    loads: dict[str, float],
    pg: str = "shared",
    command: str = "--all --write-readme",
) -> str:
    """The summary section: each DESIGN §7 figure of this run beside its target."""
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL", "postgresql": "PostgreSQL"}
    by_db = {run.db: run for run in runs}
    dbs = [db for db in ("sqlite", "postgres") if db in by_db]
    head = "| DESIGN §7 figure | target | " + " | ".join(names[d] for d in dbs) + " | |"
    lines = [head, "|---|---|" + "---|" * len(dbs) + "---|"]

    def row(label: str, target: str, cells: list[str], ok: list[bool]) -> None:
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + f" | {_verdict(ok)} |")

    def p99(run: Run, kinds: tuple[str, ...]) -> float:
        return percentile(latencies(run, kinds)[0], 0.99)

    floors = [p99(by_db[d], ("bare",)) for d in dbs]
    acks = [p99(by_db[d], ("command", "action")) for d in dbs]
    pages = [p99(by_db[d], ("page",)) for d in dbs]
    row(
        "ack-first listeners (commands, block actions): p99",
        f"< {ACK_P99_MS:.0f} ms and ≤ 2 × the bare no-op's p99",
        [f"{_ms(a)} (2 × floor: {_ms(2 * f)})" for a, f in zip(acks, floors, strict=True)],
        [a < ACK_P99_MS and a <= 2 * f for a, f in zip(acks, floors, strict=True)],
    )
    lines.append(
        "| bare Bolt no-op, same server, same run (the floor): p99 | | "
        + " | ".join(_ms(f) for f in floors)
        + " | |"
    )
    row(
        "page-saving view_submission (Next): p99",
        f"< {PAGE_P99_MS:.0f} ms",
        [_ms(v) for v in pages],
        [v < PAGE_P99_MS for v in pages],
    )
    worst: list[float] = []
    for d in dbs:
        done = [t for t in by_db[d].fifteen if t is not None]
        complete = bool(done) and len(done) == len(by_db[d].fifteen)
        worst.append(max(done) if complete else math.inf)
    row(
        "`/rrm open` with 15 agencies → all 15 DMs sent (slowest of the run's opens)",
        f"< {FIFTEEN_S:.0f} s",
        [
            f"{w:.2f} s of {len(by_db[d].fifteen)}" if w < math.inf else "incomplete"
            for w, d in zip(worst, dbs, strict=True)
        ],
        [w < FIFTEEN_S for w in worst],
    )
    blank = [""] * (len(dbs) - 1)
    if pack is not None:
        html, pdf, mb = (
            float(pack["html_median_s"]),
            float(pack["pdf_s"]),
            float(pack["pdf_peak_mb"]),
        )
        row("pack, 30 agencies × 40 rows, all in the appendix: HTML (median)",
            f"< {HTML_S:.0f} s", [f"{html:.3f} s", *blank], [html < HTML_S])  # fmt: skip
        if "warm_s" in pack:  # the chair's pack with every return kept; cold beside it
            warm, warm_mb = float(pack["warm_s"]), float(pack["warm_peak_mb"])
            row(f"… PDF, every return kept (warm compile, median of {pack['pdf_runs']}; "
                f"{pack['warm_pages']} pages)", f"< {PDF_S:.0f} s",
                [f"{warm:.2f} s (cold: {pdf:.2f} s)", *blank], [warm < PDF_S])  # fmt: skip
            row("… PDF peak memory, all its processes (warm)", f"< {PDF_MB:.0f} MB",
                [f"{warm_mb:.0f} MB (cold: {mb:.0f} MB)", *blank], [warm_mb < PDF_MB])  # fmt: skip
        else:
            row(f"… PDF (median of {pack['pdf_runs']}; {pack['pdf_pages']} pages)",
                f"< {PDF_S:.0f} s", [f"{pdf:.2f} s", *blank], [pdf < PDF_S])  # fmt: skip
            row("… PDF peak memory, all its processes", f"< {PDF_MB:.0f} MB",
                [f"{mb:.0f} MB", *blank], [mb < PDF_MB])  # fmt: skip
    if sweep is not None:
        found = {r["database"]: r for r in sweep}
        order = [found.get("sqlite"), found.get("postgresql")][: len(dbs)]
        for key, label in (
            ("claim_s", "reminder sweep, 10,000 open returns, 1,000 due: select + claim"),
            ("idle_claim_s", "… nothing due: select + claim"),
        ):
            values = [float(r[key]) if r else math.nan for r in order]
            row(label, f"< {CLAIM_S:.0f} s", [_ms(v * 1000) for v in values],
                [v < CLAIM_S for v in values])  # fmt: skip
    priority = (
        f"in a scheduling group of its own at niceness {nice} (`--nice {nice}`; the machine "
        "is shared with other work)"
        if nice is not None
        else "at normal priority"
    )
    where = ", ".join(f"{part} {value:.1f}" for part, value in loads.items())
    server = (
        "a cluster of the benchmark's own (`--pg own`: initdb in a temp folder, its own port, "
        "default settings, in the same scheduling group)"
        if pg == "own"
        else "a throw-away database on the server at 127.0.0.1:5432"
    )
    intro = [
        SUMMARY_HEADING,
        "",
        f"`.venv/bin/python bench/load.py {command}` — the load benchmark on SQLite "
        "and on PostgreSQL with the bare Bolt app measured beside the bot, then "
        "`bench/bench_pack.py` and `bench/bench_sweep.py`, one after another; the sections "
        "below hold each part's details.",
        "",
        f"Run started {started:%Y-%m-%d %H:%M} UTC on {machine(runs)}; {priority}; "
        f"PostgreSQL: {server}; the "
        f"machine's load average (1 min) after each part: {where}. Just before each load "
        "run: " + "; ".join(f"{names[r.db]}: {r.state}" for r in runs) + ".",
        "",
    ]
    return "\n".join([*intro, *lines]) + "\n"


def write_summary(section: str) -> None:
    """Replace (or put first) the summary section of bench/README.md."""
    text = README.read_text("utf-8") if README.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Every DESIGN §7 figure.*?\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        title, _, rest = text.partition("\n")
        text = f"{title}\n\n{section}\n{rest.lstrip()}"
    README.write_text(text.rstrip("\n") + "\n", "utf-8")
