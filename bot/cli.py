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
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply database migrations")
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
    if args.command == "db":
        if args.db_command != "upgrade":
            parser.parse_args(["db", "--help"])
            return 2
        from bot.maintenance import db_upgrade

        return db_upgrade(settings, out=sys.stdout, err=sys.stderr)
    parser.print_help()  # pragma: no cover - argparse rejects unknown commands itself
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
