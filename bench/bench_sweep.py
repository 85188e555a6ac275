"""Benchmark: one reminder sweep over 10,000 open returns, with nothing due and with 1,000 due.

Run on demand (pytest never collects this file):

    .venv/bin/python bench/bench_sweep.py                  # SQLite and PostgreSQL, print
    .venv/bin/python bench/bench_sweep.py --db sqlite      # one database only
    .venv/bin/python bench/bench_sweep.py --write-readme   # ... and record it in bench/README.md

The database is filled through the real paths: 1,000 reviews of 10 returns each (encrypted as
in the bot), each planned by ``bot.services.reminders.replan``. 100 reviews are due on the swept
morning; the other 900 later, so at 09:00 exactly 1,000 items are due (the due-day reminders)
among some 270,000 planned ones. Measured against DESIGN §7 (select and claim under 1 s):

- nothing due: a sweep at 08:00 that day (median of 5): select and claim only;
- 1,000 due: a sweep at 09:00, select and claim timed apart from sending; sending goes to an
  in-memory messenger, through the token bucket on virtual time, whose waiting gives how long
  Slack's rate tier (1 message a second per channel, 5 a second in all) makes it take;
- a week's downtime: the next sweep a week later (only the latest missed item of each series
  goes, the earlier ones are superseded).

PostgreSQL needs the server at 127.0.0.1:5432 (user postgres): a throw-away database is made
and dropped (``RRM_TEST_POSTGRES_URL`` points at another server).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from bot.config_check import load_configuration  # noqa: E402
from bot.keys import load_keys, verify_or_record  # noqa: E402
from bot.services import reminders  # noqa: E402
from bot.services.context import Context  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.throttle import TokenBucket, VirtualTime  # noqa: E402
from forms.records import NewReturn, NewReview  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.uow import SqlUnitOfWork  # noqa: E402
from tests.fakes import RecordingMessenger  # noqa: E402

LONDON = ZoneInfo("Europe/London")
REVIEWS, AGENCIES, DUE_REVIEWS = 1000, 10, 100
TARGET_S = 1.0
DUE_SOON, DUE_LATER = date(2026, 12, 10), date(2026, 12, 17)
PLANNED = datetime(2026, 12, 9, 10, 0, tzinfo=LONDON)  # after the morning's items
QUIET = datetime(2026, 12, 10, 8, 0, tzinfo=LONDON)
MORNING = datetime(2026, 12, 10, 9, 0, tzinfo=LONDON)
WEEK_LATER = datetime(2026, 12, 17, 11, 0, tzinfo=LONDON)
LOAD = os.getloadavg()
PG_ADMIN = os.environ.get(
    "RRM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True)
class Result:
    """The figures of one database."""

    database: str
    planned: int
    fill_s: float
    idle_claim_s: float
    due: int
    claim_s: float
    send_s: float
    sent: int
    paced_s: float
    catch_up_claimed: int
    catch_up_superseded: int
    catch_up_claim_s: float


@contextmanager
def database(kind: str) -> Iterator[str]:
    """The URL of an empty database of ``kind``, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"rrm_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def context(url: str, at: datetime, messenger: RecordingMessenger) -> tuple[Context, object]:
    """The service context the bot would build, on a fixed clock."""
    settings = Settings(
        _env_file=None, database_url=url, rrm_encryption_key=Fernet.generate_key().decode()
    )
    keys = load_keys(settings)
    engine = make_engine(url)
    upgrade(engine)
    verify_or_record(engine, keys)
    ctx = Context(
        uow=SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher()),
        messenger=messenger,
        clock=FixedClock(at),
        config=load_configuration(settings),
        coordinators=frozenset({"U0COORD"}),
    )
    return ctx, engine


def fill(ctx: Context) -> int:
    """1,000 reviews of 10 returns, each planned; returns how many items were planned."""
    agencies = ctx.config.partnership.agencies[:AGENCIES]
    ids = []
    with ctx.uow as uow:
        partnership = uow.partnerships.ensure("T0TEAM", "Northshire")
        for agency in agencies:
            uow.partnerships.ensure_agency(partnership.id, agency.id, agency.name)
        for n in range(REVIEWS):
            due = DUE_SOON if n < DUE_REVIEWS else DUE_LATER
            review = NewReview(
                team_id="T0TEAM", reference=f"RR-2026-{n:04d}", pseudonym=f"Child {n}",
                under_1=False, incident_date=None, notification_date=date(2026, 12, 1),
                meeting_at=datetime(2026, 12, 22, 10, 0, tzinfo=LONDON), due_date=due,
                period_from=date(2025, 12, 1), period_to=date(2026, 12, 1),
                incident_description=None, owner="U0COORD", chair="U0CHAIR",
                channel_id="C0CASES", form_content="", form_sha256="0" * 64,
            )  # fmt: skip
            invites = [NewReturn(a.id, f"U{n:04d}{k:02d}", due) for k, a in enumerate(agencies)]
            ids.append(uow.reviews.create(review, invites, ("A", "K"), PLANNED).id)
        uow.commit()
    return sum(reminders.replan(ctx, review_id).added for review_id in ids)


def measure(kind: str) -> Result:
    """Fill a fresh database of ``kind`` and time the two sweeps."""
    with database(kind) as url:
        messenger = RecordingMessenger()
        ctx, engine = context(url, PLANNED, messenger)
        started = time.perf_counter()
        planned = fill(ctx)
        fill_s = time.perf_counter() - started
        idle = []
        for _ in range(5):
            ctx.clock.set(QUIET)  # type: ignore[attr-defined]
            report = reminders.sweep(ctx)
            assert report.claimed == 0
            idle.append(report.claim_seconds)
        ctx.clock.set(MORNING)  # type: ignore[attr-defined]
        virtual = VirtualTime()
        bucket = TokenBucket(monotonic=virtual.monotonic, sleep=virtual.sleep)
        report = reminders.sweep(ctx, throttle=bucket)
        ctx.clock.set(WEEK_LATER)  # type: ignore[attr-defined]
        catch_up = reminders.sweep(ctx)
        engine.dispose()  # type: ignore[attr-defined]
    return Result(
        kind, planned, fill_s, statistics.median(idle), report.claimed, report.claim_seconds,
        report.send_seconds, len(report.sent), virtual.now, catch_up.claimed,
        catch_up.superseded, catch_up.claim_seconds,
    )  # fmt: skip


def report(results: list[Result]) -> str:
    """The "Reminder sweep" section of bench/README.md."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {LOAD[0]:.1f} when it started"
    )
    lines = [
        "## Reminder sweep",
        "",
        "`.venv/bin/python bench/bench_sweep.py` — 1,000 open reviews × 10 returns (10,000 "
        "open returns), each planned by `reminders.replan` (encrypted as in the bot); 100 "
        "reviews due on the swept morning. One sweep at 08:00 (nothing due; median of 5) and "
        "one at 09:00 (1,000 due), then one a week later, as after a week's downtime (the "
        "other reviews' reminders, the first ones' overdue reminders and digests: only the "
        "latest of each series goes). Select-and-claim is timed apart from sending; sending goes "
        "to an in-memory messenger through the token bucket on virtual time, whose waiting is "
        "how long Slack's pace (1 message/s per channel, 5/s in all) makes the real send take.",
        "",
        f"Run {when} on {machine}.",
        "",
        "| measure | " + " | ".join(r.database for r in results) + " | target (DESIGN §7) |",
        "|---|" + "---|" * len(results) + "---|",
    ]

    def row(name: str, values: list[str], target: str = "") -> None:
        lines.append(f"| {name} | " + " | ".join(values) + f" | {target} |")

    row("items planned (pending)", [f"{r.planned:,}" for r in results])
    row("filling and planning", [f"{r.fill_s:.1f} s" for r in results])
    row("nothing due: select + claim", [_verdict(r.idle_claim_s) for r in results], "< 1 s")
    row("1,000 due: select + claim", [_verdict(r.claim_s) for r in results], "< 1 s")
    row("1,000 due: items claimed / sent", [f"{r.due:,} / {r.sent:,}" for r in results])
    row("1,000 due: sending, in-memory Slack", [f"{r.send_s:.2f} s" for r in results])
    row("1,000 due: sending at Slack's pace", [f"{r.paced_s:.0f} s" for r in results])
    row(
        "a week's downtime: claimed / superseded",
        [f"{r.catch_up_claimed:,} / {r.catch_up_superseded:,}" for r in results],
    )
    row("a week's downtime: select + claim", [f"{r.catch_up_claim_s:.2f} s" for r in results])
    per_item = ", ".join(
        f"{r.catch_up_claim_s * 1000 / max(1, r.catch_up_claimed + r.catch_up_superseded):.2f} "
        f"ms on {r.database}"
        for r in results
    )
    lines += [
        "",
        "Sending is dominated by Slack's pace, not by the bot: each sent item costs one short "
        "transaction (marked sent and audited) besides the message itself. Claims are taken "
        "in batches of 100 so that a batch is sent well inside the 10-minute lease. After a "
        "week's downtime, selecting and claiming grows with what fell due meanwhile (here "
        f"{results[0].catch_up_claimed + results[0].catch_up_superseded:,} items, "
        f"{results[0].catch_up_claimed:,} of them still to send): about "
        f"{per_item} an item; the 1 s target is for one sweep's ordinary load.",
    ]
    return "\n".join(lines) + "\n"


def _verdict(seconds: float) -> str:
    met = "met" if seconds < TARGET_S else "**missed**"
    return f"{seconds * 1000:.0f} ms ({met})"


def write_readme(section: str) -> None:
    """Replace (or add) the "Reminder sweep" section of bench/README.md, leaving the rest."""
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text("utf-8") if readme.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Reminder sweep\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text.rstrip("\n") + "\n", "utf-8")


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--json", help="also write the results to this file (bench/load.py)")
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = []
    for kind in kinds:
        print(f"{kind}: filling and sweeping…", file=sys.stderr, flush=True)
        results.append(measure(kind))
    if args.json:
        found = [dataclasses.asdict(r) for r in results]
        Path(args.json).write_text(json.dumps(found, default=str), "utf-8")
    section = report(results)
    print(section)
    if args.write_readme:
        write_readme(section)


if __name__ == "__main__":
    main()
