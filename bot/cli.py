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
    if args.command == "serve":
        from bot.serve import serve

        return serve(settings, host=args.host, port=args.port, err=sys.stderr)
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
