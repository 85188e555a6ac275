"""The `rrm` command line. Everything is built here, in `main()`, and passed down."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.settings import SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rrm",
        description="Rapid review agency returns in Slack.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "check-config",
        help="validate the settings, the partnership file and the question set",
    )
    serve = sub.add_parser(
        "serve",
        help="run the bot (Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="HTTP mode: address to listen on")
    serve.add_argument("--port", type=int, default=3000, help="HTTP mode: port to listen on")
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run reminder sweeps in this process (run `rrm tick` from cron instead)",
    )
    tick = sub.add_parser(
        "tick", help="run one reminder, escalation and pack-delivery sweep, and say what it sent"
    )
    tick.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="sweep as if it were this time, e.g. 2026-12-01T09:00 (partnership time zone "
        "unless an offset is given)",
    )
    demo = sub.add_parser(
        "demo", help="run a whole review offline against a local Slack stand-in (no account)"
    )
    demo.add_argument("--out", default="rrm-demo", help="folder for the pack and transcript")
    pack = sub.add_parser("pack", help="compile a review's meeting pack into files (PDF, HTML)")
    pack.add_argument("reference", metavar="REF", help="the review's reference, e.g. RR-2026-014")
    pack.add_argument("--format", choices=("pdf", "html"), help="only this format (default both)")
    pack.add_argument("--out", help="a folder, or the file to write (default ./REF-vN.pdf, .html)")
    pack.add_argument("--team", help="the Slack team (T…) when the database holds several")
    sub.add_parser("purge", help="apply the retention policy now (RRM_RETENTION_DAYS after close)")
    export = sub.add_parser("export", help="write a review's final pack, returns and audit log")
    audit = sub.add_parser("audit", help="print a review's audit log")
    for records in (export, audit):
        records.add_argument("reference", metavar="REF", help="the review, e.g. RR-2026-014")
        records.add_argument("--team", help="the Slack team (T…) when the database holds several")
    export.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply database migrations")
    sub.add_parser(
        "rotate-key",
        help="re-encrypt every answer under the first key of RRM_ENCRYPTION_KEY",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rrm` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"rrm: configuration problem: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        from bot.config_check import run_check_config

        return run_check_config(settings, out=sys.stdout, err=sys.stderr)
    if args.command == "demo":
        from pathlib import Path

        from bot.demo import DemoFailed, run_demo

        try:
            run_demo(Path(args.out), out=sys.stdout)
        except DemoFailed as exc:
            print(f"rrm demo: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "serve":
        from bot.serve import serve

        return serve(
            settings,
            host=args.host,
            port=args.port,
            err=sys.stderr,
            scheduler=not args.no_scheduler,
        )
    if args.command == "tick":
        from bot.tick import run_tick

        return run_tick(settings, args.at, out=sys.stdout, err=sys.stderr)
    if args.command == "pack":
        from bot.pack_cli import run_pack

        return run_pack(settings, args, out=sys.stdout, err=sys.stderr)
    if args.command in ("purge", "export", "audit"):
        from bot.retention_cli import run

        return run(settings, args, out=sys.stdout, err=sys.stderr)
    if args.command == "db":
        if args.db_command != "upgrade":
            parser.parse_args(["db", "--help"])
            return 2
        from bot.maintenance import db_upgrade

        return db_upgrade(settings, out=sys.stdout, err=sys.stderr)
    if args.command == "rotate-key":
        from bot.maintenance import rotate_key

        return rotate_key(settings, out=sys.stdout, err=sys.stderr)
    parser.print_help()  # pragma: no cover - argparse rejects unknown commands itself
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
