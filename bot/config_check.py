"""`rrm check-config`: validate the settings, the partnership file and the question set."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.keys import KeyProblem, describe_keys
from bot.settings import Settings
from forms.loader import FormDefinitionError, default_question_set_path, load_question_set_text
from forms.model import QuestionSet
from forms.partnership import (
    EmailContact,
    Partnership,
    default_partnership_path,
    load_partnership_text,
)


class ConfigProblem(Exception):
    """A configuration problem; the message names the setting or file and what to do."""


@dataclass(frozen=True)
class Configuration:
    """The partnership and question set the bot runs with, and where they came from."""

    partnership: Partnership
    partnership_path: Path
    question_set: QuestionSet
    question_set_path: Path
    question_set_text: str
    question_set_sha256: str
    warnings: tuple[str, ...] = field(default=())


def _read(path: Path, variable: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigProblem(f"{variable}: {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigProblem(
            f"{variable}: {path} is a folder; give the path of a YAML file"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigProblem(f"{variable}: cannot read {path}: {exc}") from None


def load_configuration(settings: Settings) -> Configuration:
    """Load and validate the partnership file and the question set named by the settings.

    Raises ConfigProblem with the first problem (file, line, id and what is wrong).
    """
    p_path = settings.rrm_partnership_file or default_partnership_path()
    q_path = settings.rrm_form_file or default_question_set_path()
    p_text = _read(p_path, "RRM_PARTNERSHIP_FILE")
    q_text = _read(q_path, "RRM_FORM_FILE")
    try:
        partnership = load_partnership_text(p_text, str(p_path))
        question_set = load_question_set_text(q_text, str(q_path))
    except FormDefinitionError as exc:
        raise ConfigProblem(exc.problems[0] if exc.problems else str(exc)) from None
    warnings: list[str] = []
    if settings.rrm_timezone != partnership.timezone:
        warnings.append(
            f"RRM_TIMEZONE is {settings.rrm_timezone} but the partnership file says "
            f"{partnership.timezone}; the partnership file's time zone is used"
        )
    return Configuration(
        partnership=partnership,
        partnership_path=p_path,
        question_set=question_set,
        question_set_path=q_path,
        question_set_text=q_text,
        question_set_sha256=hashlib.sha256(q_text.encode("utf-8")).hexdigest(),
        warnings=tuple(warnings),
    )


def _question_count(qs: QuestionSet) -> int:
    return sum(len(section.questions) for section in qs.sections)


def summary_lines(
    settings: Settings, config: Configuration, encryption: str | None = None
) -> list[str]:
    """The short, secret-free summary `rrm check-config` prints."""
    p, qs = config.partnership, config.question_set
    emails = sum(isinstance(c, EmailContact) for a in p.agencies for c in a.contacts)
    backend = "PostgreSQL" if settings.is_postgres else "SQLite"
    mode = "Socket Mode" if settings.slack_app_token else "HTTP (POST /slack/events)"
    coordinators = (
        f"{len(settings.rrm_coordinators)} ({', '.join(settings.rrm_coordinators)})"
        if settings.rrm_coordinators
        else "none - nobody can open a review until RRM_COORDINATORS is set"
    )
    lines = [
        "Configuration OK",
        f"  partnership:  {p.name} - {len(p.agencies)} agencies "
        f"({', '.join(a.id for a in p.agencies)}), time zone {p.timezone}",
        f"                from {config.partnership_path}",
        f"  question set: {qs.title} (version {qs.version}) - {len(qs.sections)} sections, "
        f"{_question_count(qs)} questions, sha256 {config.question_set_sha256[:12]}",
        f"                from {config.question_set_path}",
        f"  database:     {backend} ({_safe_url(settings.database_url)})",
        *([f"  encryption:   {encryption}"] if encryption else []),
        f"  Slack:        {mode}; API {settings.slack_api_url}; bot token "
        f"{'set' if settings.slack_bot_token else 'not set (needed for rrm serve)'}",
        f"  coordinators: {coordinators}",
        f"  retention:    answers purged {settings.rrm_retention_days} days after a review closes",
    ]
    if emails:
        lines.append(
            f"  contacts:     {emails} given by email, resolved with users.lookupByEmail "
            + ("(checked below)" if settings.slack_bot_token else "when a review is opened")
        )
    lines += [f"Warning: {w}" for w in config.warnings]
    return lines


def _safe_url(url: str) -> str:
    """The database URL without a password."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else f"{scheme}://{user}@{host}"


def unresolved_emails(settings: Settings, config: Configuration) -> list[str]:
    """With a bot token: the contacts given by email that Slack has no user for (as warnings).
    Without one: nothing is checked."""
    if settings.slack_bot_token is None:
        return []
    from bot.messenger import DeliveryFailed, SlackMessenger
    from bot.slack.client import make_web_client

    messenger = SlackMessenger(make_web_client(settings, retries=1, backoff=0.2))
    problems = []
    for agency in config.partnership.agencies:
        for contact in agency.contacts:
            if not isinstance(contact, EmailContact):
                continue
            try:
                found = messenger.lookup_email(contact.email)
            except DeliveryFailed as exc:
                return [f"could not ask Slack about the email contacts: {exc.reason}"]
            if found is None:
                problems.append(f"agency {agency.id}: no Slack user has the email {contact.email}")
    return problems


def run_check_config(settings: Settings, *, out: TextIO, err: TextIO) -> int:
    """Print the summary and return 0, or print the first problem and return 1."""
    try:
        config = load_configuration(settings)
        encryption, key_warnings = describe_keys(settings)
    except (ConfigProblem, KeyProblem) as exc:
        print(f"rrm: configuration problem: {exc}", file=err)
        return 1
    lines = summary_lines(settings, config, encryption)
    lines += [f"Warning: {w}" for w in key_warnings]
    lines += [f"Warning: {w}" for w in unresolved_emails(settings, config)]
    print("\n".join(lines), file=out)
    return 0
