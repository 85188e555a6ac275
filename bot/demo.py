"""`rrm demo`: a whole review offline. The real app and storage (a fresh SQLite file) against
the built-in Slack stand-in; fictional people act through the same signed Slack requests their
clicks would send; the pack is compiled and written beside a transcript of what each person saw.
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot import demo_script as script
from bot.fakeslack import FakeSlack, SlackPerson, flatten_blocks
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.slack.blocks.pack_cards import SUMMARY_CALLBACK_ID
from forms.calendar import WorkingCalendar


class DemoFailed(Exception):
    """The demo could not finish; the message says where."""


def _dates(today: date) -> dict[str, str]:
    cal = WorkingCalendar((), "Europe/London")
    notified = cal.add_working_days(today, -3)
    return {
        "today": today.isoformat(),
        "in_three_days": cal.add_working_days(today, 3).isoformat(),
        "notified": notified.isoformat(),
        "incident": (notified - timedelta(days=4)).isoformat(),
    }


def _fill_in(value: Any, dates: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**dates) if "{" in value else value
    if isinstance(value, list):
        return [_fill_in(v, dates) for v in value]
    if isinstance(value, dict):
        return {k: _fill_in(v, dates) for k, v in value.items()}
    return value


def _answer_page(person: SlackPerson, page: script.Page) -> None:
    """Fill one page as a person would (triggers first, so follow-ups appear), add repeat
    rows through their own modal, then press Next."""
    for key, value in page.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for row in value:
                person.click_in_view("row_add", {"q": key})
                person.fill(row)
                sent = person.submit()
                if not sent.ok:
                    raise DemoFailed(f"{person.user_id}: row of {key} refused: {sent.errors}")
                person.await_view(sent)
        elif value == []:
            continue
        else:
            person.choose(key, value)
    sent = person.submit()
    if not sent.ok:
        raise DemoFailed(f"{person.user_id}: page refused: {sent.errors or sent.client_errors}")


def _answer(
    person: SlackPerson, pages: Sequence[script.Page], *, button: str, submit: bool = True
) -> None:
    person.wait_for(person.dm_messages, what=f"the request to {person.user_id}")
    person.open_from(person.last_dm(), button)
    for page in pages:
        _answer_page(person, page)
    if submit:
        sent = person.submit()  # "Submit return" on the review page
        if not sent.ok:
            raise DemoFailed(f"{person.user_id}: submit refused: {sent.errors}")
    else:
        person.close()


def _people(fake: FakeSlack) -> None:
    fake.add_user(script.COORDINATOR[0], real_name=script.COORDINATOR[1])
    fake.add_user(script.CHAIR[0], real_name=script.CHAIR[1])
    for agency, (user, name) in script.CONTACTS.items():
        fake.add_user(user, real_name=name, email=script.EMAILS.get(agency))
    fake.add_channel(
        script.CHANNEL[0], script.CHANNEL[1], members=[script.COORDINATOR[0], script.CHAIR[0]]
    )


def run_demo(out_dir: Path, *, out: TextIO, today: date | None = None) -> Path:
    """Run the whole story; returns the folder holding the pack and the transcript."""
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / "data"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    dates = _dates(today or date.today())
    secret = secrets.token_hex(16)
    with FakeSlack() as fake:
        _people(fake)
        settings = Settings(
            _env_file=None,
            slack_bot_token=fake.bot_token,  # type: ignore[arg-type]
            slack_signing_secret=secret,  # type: ignore[arg-type]
            slack_api_url=fake.api_url,
            slack_app_token=None,
            database_url=f"sqlite:///{work / 'rrm-demo.db'}",
            rrm_encryption_key=None,  # a key file is made beside the demo's database
            rrm_coordinators=(script.COORDINATOR[0],),
            rrm_partnership_file=None,  # the built-in example partnership
            rrm_form_file=None,  # the built-in question set
            rrm_timezone="Europe/London",
        )
        runtime = build_runtime(settings, team_id=fake.team_id, retry_backoff=0.01)
        server = runtime.http_server("127.0.0.1", 0).start()
        try:
            _story(fake, server.url, secret, dates, out)
            files = _collect_pack(fake, out_dir)
        finally:
            server.stop()
            runtime.close()
        (out_dir / "transcript.txt").write_text(fake.transcript(), encoding="utf-8")
        print(_what_each_person_saw(fake), file=out)
    print(
        f"\nThe meeting pack, and a full transcript of every message and form page "
        f"(transcript.txt), are in {out_dir}/:",
        file=out,
    )
    for path in files:
        print(f"  {path.name} ({path.stat().st_size:,} bytes)", file=out)
    print(f"(everyone in it is fictional; {time.monotonic() - started:.1f} s)", file=out)
    return out_dir


def _story(fake: FakeSlack, url: str, secret: str, dates: dict[str, str], out: TextIO) -> None:
    def person(user: str) -> SlackPerson:
        return SlackPerson(fake, user, app_url=url, signing_secret=secret)

    coordinator, chair = person(script.COORDINATOR[0]), person(script.CHAIR[0])
    channel = script.CHANNEL[0]
    agencies = ",".join(script.CONTACTS)
    sent = coordinator.command(
        f'open {script.REFERENCE} child="{script.PSEUDONYM}" notified={dates["notified"]} '
        f"incident={dates['incident']} under1=yes chair=<@{script.CHAIR[0]}|helen> "
        f"agencies={agencies}",
        channel,
    )
    if sent.status != 200:
        raise DemoFailed(f"/rrm open answered {sent.status}")
    coordinator.wait_for(lambda: fake.views_of(coordinator.user_id), what="the open-review form")
    sent = coordinator.submit()  # the form, pre-filled with the defaults: Open review
    if not sent.ok:
        raise DemoFailed(f"opening the review was refused: {sent.errors}")
    contacts = {agency: person(user) for agency, (user, _) in script.CONTACTS.items()}
    fill = _fill_in
    _answer(contacts["police"], fill(script.POLICE, dates), button="return_start")
    _answer(contacts["health"], fill(script.HEALTH_NIL, dates), button="return_nil")
    _answer(contacts["gp"], fill(script.GP_PROVISIONAL, dates), button="return_start")
    _answer(contacts["hv"], fill(script.HEALTH_VISITING, dates), button="return_start")
    _answer(contacts["csc"], fill(script.CSC_STARTED, dates), button="return_start", submit=False)
    coordinator.command(f"summary {script.REFERENCE}", channel)
    coordinator.wait_for(  # not any view: the open form was a modal too
        lambda: any(
            v.view.get("callback_id") == SUMMARY_CALLBACK_ID and not v.closed
            for v in fake.views_of(coordinator.user_id)
        ),
        what="the summary form",
    )
    coordinator.fill({"summary": script.SUMMARY, "attendees": "\n".join(script.ATTENDEES)})
    coordinator.submit()
    chair.command(f"pack {script.REFERENCE}", channel)
    chair.wait_for(
        lambda: (
            len([f for f in fake.files_in(fake.dm_channel(chair.user_id) or "") if f.completed])
            >= 2
        ),
        timeout=60,
        what="the pack in the DM",
    )


def _what_each_person_saw(fake: FakeSlack) -> str:
    """A readable account: the channel's card, then per person the messages they got (as
    they stand now) and how many form pages they went through."""
    lines = [f"#{script.CHANNEL[1]}"]
    for message in fake.messages(script.CHANNEL[0]):
        lines += _indented(message.blocks, message.text)
    people = [
        script.COORDINATOR[:2],
        script.CHAIR[:2],
        *((user, name) for user, name in script.CONTACTS.values()),
    ]
    for user, name in people:
        lines.append(f"\n{name} ({user})")
        for message in fake.ephemeral_messages(user):
            lines += _indented(message.blocks, message.text, prefix="  only you: ")
        for message in fake.dm_messages(user):
            lines += _indented(message.blocks, message.text, prefix="  DM: ")
        pages = sum(len(view.versions) for view in fake.views_of(user))
        if pages:
            lines.append(f"  …and {pages} form pages and updates (see transcript.txt)")
        files = fake.files_in(fake.dm_channel(user) or "")
        for file in files:
            lines.append(f"  file: {file.name}")
    return "\n".join(lines)


def _indented(blocks: list[Any], text: str, prefix: str = "  ") -> list[str]:
    shown = flatten_blocks(blocks) if blocks else [text]
    return [prefix + shown[0], *("    " + line for line in shown[1:])]


def _collect_pack(fake: FakeSlack, out_dir: Path) -> list[Path]:
    chair_dm = fake.dm_channel(script.CHAIR[0]) or ""
    written = []
    for file in fake.files_in(chair_dm):
        if file.content is None:
            continue
        path = out_dir / file.name
        path.write_bytes(file.content)
        written.append(path)
    if not written:
        raise DemoFailed("the chair received no pack")
    return written
