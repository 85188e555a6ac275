"""Load benchmark (DESIGN §7): the real bot over HTTP against the local Slack stand-in, under
the load model of 50 simulated people each acting every 2-5 s (open loop, seeded), with a bare
Bolt app's no-op listener measured in the same process, server and run as the floor.

    .venv/bin/python bench/load.py                       # SQLite, then PostgreSQL, 60 s each
    .venv/bin/python bench/load.py --all --write-readme  # ... then bench_pack.py and
                                                         # bench_sweep.py: every §7 figure
    .venv/bin/python bench/load.py --db sqlite --seconds 20
    .venv/bin/python bench/load.py --profile             # ... with a py-spy profile of the bot
    .venv/bin/python bench/load.py --nice -10            # on a machine shared with other work

The people: 2 coordinators (open reviews of 5 or 15 agencies, /rrm status, /rrm remind), a
chair (/rrm pack, /rrm status) and 47 contacts answering the England return page by page
(Start, the choices that re-render a page, a chronology row, Next, Submit). The bot runs in
its own process (``bench/load_server.py``, built as ``rrm serve`` builds it); PostgreSQL is a
throw-away database on the local server (127.0.0.1:5432, user postgres), dropped afterwards, or
with ``--pg own`` one in a cluster of the benchmark's own (initdb in a temp folder, its own port,
the server's default settings), for a machine whose shared server other work keeps busy.
Only 127.0.0.1. ``--nice N`` (root, for N < 0) puts the benchmark and every process it starts
in a scheduling group of their own (a new session's autogroup) with that niceness, so that
other work on a shared machine disturbs the figures less (the PostgreSQL server's own
processes are not in it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cryptography.fernet import Fernet  # noqa: E402
from load_report import (  # noqa: E402
    Run,
    every_figure,
    fifteen_dm_seconds,
    report,
    summarise_profile,
    write_readme,
    write_summary,
)
from load_users import (  # noqa: E402
    CHANNEL,
    BareUser,
    Chair,
    Contact,
    Coordinator,
    Recorder,
    TimedPerson,
    start_users,
)
from priority import own_priority  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from bot.fakeslack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
COORDINATORS, CHAIR = ("U0COORD1", "U0COORD2"), "U0CHAIR"
CONTACTS = [f"U0C{n:02d}" for n in range(1, 48)]  # 47: with 2 coordinators and a chair, 50
AGENCIES = [f"a{n:02d}" for n in range(1, 48)]
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BIN = Path(os.environ.get("RRM_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
IDLE = os.environ.get("RRM_BENCH_PROFILE_IDLE") == "1"  # py-spy: waiting threads too


def partnership_yaml() -> str:
    agencies = "\n".join(
        f'  - {{id: {a}, name: "Agency {a[1:]}", contacts: [{u}]}}'
        for a, u in zip(AGENCIES, CONTACTS, strict=True)
    )
    return (
        "name: Benchshire Safeguarding Children Partnership\ntimezone: Europe/London\n"
        'referral_route: "Front door 01234 567890; immediate danger: 999"\n'
        f"agencies:\n{agencies}\n"
    )


def workspace(fake: FakeSlack) -> None:
    for user in (*COORDINATORS, CHAIR, *CONTACTS):
        fake.add_user(user, real_name=f"Person {user}")
    fake.add_channel(CHANNEL, "bench", members=[*COORDINATORS, CHAIR])


@contextlib.contextmanager
def own_cluster(nice: int | None) -> Iterator[str]:
    """A PostgreSQL cluster of the benchmark's own (initdb in a temp folder, a free port, the
    server's default settings: fsync on), in a scheduling group with niceness ``nice``; its
    admin URL. Stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="rrm-bench-pg-"))
    data, run_as = folder / "pg", ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(folder, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def pg(*args: str) -> None:
        subprocess.run([*run_as, str(PG_BIN / args[0]), *args[1:]], check=True,
                       stdout=subprocess.DEVNULL, cwd=folder, timeout=120)  # fmt: skip

    pg("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
       "--no-instructions")  # fmt: skip
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=60"
    pg("pg_ctl", "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w", "start")
    try:
        if nice is not None:  # the server is in a session of its own: give it our niceness
            pid = (data / "postmaster.pid").read_text().split()[0]
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/autogroup").write_text(str(nice))
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def database(
    kind: str, folder: Path, admin_url: str = PG_ADMIN
) -> Iterator[tuple[str, dict[str, str]]]:
    """(DATABASE_URL, more settings) of a fresh database, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder}/bench.db", {}
        return
    name = f"rrm_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield (
            admin_url.rsplit("/", 1)[0] + f"/{name}",
            {"RRM_ENCRYPTION_KEY": Fernet.generate_key().decode()},
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RRM_"))}
    clean.pop("DATABASE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "load_server.py")],
            env={**clean, **env},
            stdout=out,
            stderr=out,
            cwd=log.parent,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("serving Slack on "):
                return process, line.split()[3].removesuffix("/slack/events")
        if process.poll() is not None:
            raise RuntimeError(f"the bot did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)  # a bounded wait for the process to serve
    process.kill()
    raise RuntimeError("the bot did not start within 60 s")


def machine_state(folder: Path) -> str:
    """How busy the machine is besides us: a durable SQLite commit's time on this disk (100
    commits, WAL, synchronous=FULL, as the bot commits) and the CPU pressure (PSI, the share of
    the last 10 s in which some runnable task waited for a CPU)."""
    probe = folder / "probe.db"
    connection = sqlite3.connect(probe, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE t (v)")
        took = []
        for n in range(100):
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t VALUES (?)", (n,))
            connection.execute("COMMIT")
            took.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    took.sort()
    found = f"a durable commit took {took[49]:.1f} ms (p50), {took[98]:.1f} ms (p99)"
    with contextlib.suppress(OSError, IndexError, ValueError):
        some = Path("/proc/pressure/cpu").read_text().split()[1]
        found += f"; CPU pressure {float(some.split('=')[1]):.0f} %"
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def warm_up(fake: FakeSlack, coordinator: TimedPerson, seed: int) -> None:
    """Ten reviews of five agencies, so that every contact has a request to answer from the
    start (not timed)."""
    rng = random.Random(f"{seed}:warm-up")
    order = rng.sample(AGENCIES, len(AGENCIES))
    for n in range(10):
        chosen = [order[(5 * n + i) % len(order)] for i in range(5)]
        sent = coordinator.as_("warm-up").command(
            f'open WU-{n + 1:03d} child="Child A" notified=2026-11-20 meeting=2026-12-09T10:00 '
            f"due=2026-12-02 chair=<@{CHAIR}|chair> agencies={','.join(chosen)}",
            CHANNEL,
        )
        coordinator.await_ephemeral(sent, 30)
    users = [CONTACTS[AGENCIES.index(a)] for a in order]
    deadline = time.monotonic() + 60
    while not all(fake.dm_messages(u) for u in users) and time.monotonic() < deadline:
        time.sleep(0.05)  # a bounded wait for the invitations


def run_one(kind: str, seconds: float, seed: int, profile: bool, pg: str, nice: int | None) -> Run:
    with contextlib.ExitStack() as stack:
        fake = stack.enter_context(FakeSlack())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rrm-load-")))
        workspace(fake)
        (folder / "partnership.yaml").write_text(partnership_yaml())
        admin = PG_ADMIN
        if kind == "postgres" and pg == "own":
            admin = stack.enter_context(own_cluster(nice))
        with database(kind, folder, admin) as (url, more):
            env = {
                "SLACK_BOT_TOKEN": fake.bot_token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
                "DATABASE_URL": url,
                "RRM_COORDINATORS": ",".join(COORDINATORS),
                "RRM_PARTNERSHIP_FILE": str(folder / "partnership.yaml"),
                **more,
            }
            env["RRM_BENCH_TIMINGS"] = str(folder / "timings.txt")
            process, base = start_server(env, folder / "bot.log")
            try:
                return drive(kind, fake, base, process.pid, seconds, seed, profile, folder)
            finally:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()


def drive(
    kind: str,
    fake: FakeSlack,
    base: str,
    pid: int,
    seconds: float,
    seed: int,
    profile: bool,
    folder: Path,
) -> Run:
    recorder = Recorder()

    def person(user: str) -> TimedPerson:
        return TimedPerson(recorder, fake, user, app_url=base, signing_secret=SECRET, timeout=10)

    warm_up(fake, person(COORDINATORS[0]), seed)
    recorder.samples.clear()
    (folder / "timings.txt").write_text("")  # the server appends: start from the run
    coordinators = [
        Coordinator(person(u), random.Random(f"{seed}:{u}"), AGENCIES, CHAIR) for u in COORDINATORS
    ]

    def reviews() -> list[str]:
        return [r for c in coordinators for r in c.opened] + [f"WU-{n:03d}" for n in range(1, 11)]

    chair = Chair(person(CHAIR), random.Random(f"{seed}:{CHAIR}"), reviews)
    steps = {c.person.user_id: c.step for c in coordinators} | {CHAIR: chair.step}
    steps |= {u: Contact(person(u), random.Random(f"{seed}:{u}")).step for u in CONTACTS}
    bare_url = f"{base}/bare/events"
    steps |= {
        f"bare{n:02d}": BareUser(fake, recorder, bare_url, SECRET, f"U0BARE{n:02d}").step
        for n in range(50)
    }
    spied = ROOT / "bench" / "results" / f"profile-{kind}.txt"
    spy = py_spy(pid, seconds, spied) if profile else None
    load, state = os.getloadavg()[0], machine_state(folder)
    cpu, mine, started = cpu_seconds(pid), time.process_time(), time.monotonic()
    threads = start_users(steps, seed, seconds, recorder)
    for thread in threads:
        thread.join(seconds + 60)
    wall, cpu = time.monotonic() - started, cpu_seconds(pid) - cpu
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)  # the raw samples, for a closer look (git ignores the folder)
    (results / f"samples-{kind}.json").write_text(json.dumps(recorder.samples))
    mine = time.process_time() - mine
    server = server_timings(folder / "timings.txt")
    fifteen = [f for c in coordinators for f in c.fifteen]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and None in fifteen_dm_seconds(
        fake, fifteen, CONTACTS, AGENCIES
    ):
        time.sleep(0.1)  # a bounded wait for the last invitations to arrive
    summary = None
    if spy is not None:
        spy.wait(60)
        summary = summarise_profile(spied)
    return Run(
        kind,
        seconds,
        recorder,
        fifteen_dm_seconds(fake, fifteen, CONTACTS, AGENCIES),
        cpu / wall,
        chair.packs,
        server,
        mine / wall,
        (load, os.getloadavg()[0]),
        state,
        summary,
    )


def server_timings(path: Path) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for line in path.read_text().splitlines():
        kind, _, ms = line.partition(" ")
        found.setdefault(kind, []).append(float(ms))
    return {kind: sorted(values) for kind, values in found.items()}


def py_spy(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """Sample every thread of the bot for the run, idle ones too (``py-spy record``, collapsed
    stacks, into bench/results/, which git ignores)."""
    out.parent.mkdir(exist_ok=True)
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--nonblocking",
            "--threads",
            *(["--idle"] if IDLE else []),
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_other(script: str, write: bool, *more: str) -> Any:
    """Run ``bench/<script> --json FILE`` (and ``--write-readme``); its figures."""
    with tempfile.TemporaryDirectory(prefix="rrm-bench-") as tmp:
        out = Path(tmp) / "figures.json"
        command = [sys.executable, str(ROOT / "bench" / script), "--json", str(out), *more]
        print(f"running {script} …", file=sys.stderr, flush=True)
        subprocess.run(
            [*command, *(["--write-readme"] if write else [])],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        return json.loads(out.read_text("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=60.0, help="per database (default 60)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="py-spy the bot during each run")
    parser.add_argument("--all", action="store_true", help="then bench_pack.py, bench_sweep.py")
    parser.add_argument("--nice", type=int, help="a scheduling group of its own, this nice")
    parser.add_argument(
        "--pg",
        choices=("shared", "own"),
        default="shared",
        help="PostgreSQL: a database on the server at 127.0.0.1:5432 (default), or a cluster "
        "of the benchmark's own (initdb in a temp folder, its own port, in --nice's group)",
    )
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    if args.nice is not None:
        own_priority(args.nice)
    started = datetime.now(UTC)
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    runs = [run_one(k, args.seconds, args.seed, args.profile, args.pg, args.nice) for k in kinds]
    pack = sweep = None
    loads = {"load": os.getloadavg()[0]}
    if args.all:
        pack = run_other("bench_pack.py", args.write_readme)
        loads["pack"] = os.getloadavg()[0]
        sweep = run_other("bench_sweep.py", args.write_readme)
        loads["sweep"] = os.getloadavg()[0]
    section = report(runs)
    summary = every_figure(
        runs, pack, sweep, started, args.nice, loads, args.pg, " ".join(sys.argv[1:])
    )
    print(summary)
    print(section)
    for run in runs:
        if run.profile:
            print(f"py-spy profile of the bot ({run.db}):\n{run.profile}\n")
    if args.write_readme:
        write_readme(section)
        write_summary(summary)


if __name__ == "__main__":
    main()
