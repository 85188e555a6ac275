"""The simulated people of the load benchmark: coordinators opening reviews, contacts answering
returns page by page, a chair compiling packs, and the bare app's no-op users. Each ``step()``
sends at most one request, timed around its HTTP exchange only (``TimedPerson.send_raw``).
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import Any
from urllib.parse import urlencode

from bot.fakeslack import FakeSlack, Message, SlackPerson
from bot.fakeslack.people import EVENTS_PATH, Answer, Sent, signed_headers

CHANNEL = "C0BENCH"
OPEN = (
    'open {ref} child="Child A" notified=2026-11-20 meeting=2026-12-09T10:00 '
    "due=2026-12-02 chair=<@{chair}|chair> agencies={agencies}"
)
SENTENCES = (
    "Officers attended after a call from a neighbour about shouting.",
    "The child was seen and appeared well cared for at the time.",
    "Mother said she was managing but appeared tired.",
    "A referral was made to children's social care the next day.",
    "No information was shared with the health visiting service.",
    "The record does not say whether the child was seen undressed.",
)


@dataclass
class Recorder:
    """Every timed request: (kind, wall-clock start, milliseconds, HTTP status or -1)."""

    samples: list[tuple[str, float, float, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    late: int = 0

    def add(self, kind: str, started: float, ms: float, status: int) -> None:
        self.samples.append((kind, started, ms, status))  # list.append is atomic


class TimedPerson(SlackPerson):
    """A SlackPerson that records how long each HTTP exchange took, as ``kind``."""

    def __init__(self, recorder: Recorder, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorder = recorder
        self.kind = "?"

    def send_raw(self, body: bytes, headers: Mapping[str, str] | None = None) -> Sent:
        """As ``SlackPerson.send_raw``, timing only the exchange with the app (not the look at
        the fake's state that goes with it)."""
        mark = self._mark()
        sent_headers = dict(headers) if headers else signed_headers(self.signing_secret, body)
        request = urllib.request.Request(
            f"{self.app_url}{EVENTS_PATH}", data=body, headers=sent_headers, method="POST"
        )
        started, clock = time.time(), time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, raw = error.code, error.read()
        except (OSError, HTTPException):
            self.recorder.add(self.kind, started, (time.perf_counter() - clock) * 1000, -1)
            raise
        self.recorder.add(self.kind, started, (time.perf_counter() - clock) * 1000, status)
        return Sent(status, parse_body(raw), body, sent_headers, mark)

    def as_(self, kind: str) -> TimedPerson:
        self.kind = kind
        return self


def parse_body(raw: bytes) -> Any:
    """The app's answer: JSON, else the text, None when empty (as ``SlackPerson`` reads it)."""
    text = raw.decode("utf-8", "replace")
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


def section_answers(section: str, rng: random.Random) -> dict[str, Answer]:
    """What a contact types on each page of the England return (a choice that re-renders the
    page, A1 and K1, is picked first as its own action)."""
    return {
        "0": {"0.2": "Safeguarding lead", "0.3": ["case_system"], "0.4": "2026-11-24"},
        "A": {"A2": ["child", "mother"], "A4": text(rng, 20)},
        "B": {"B9": text(rng, 2)},
        "C": {"C2": text(rng, 3)},
        "D": {"D1": "no"},
        "E": {"E1": "no", "E2": "no", "E4": text(rng, 2)},
        "F": {"F1": "no"},
        "H": {"H2": text(rng, 4), "H3": text(rng, 3)},
        "I": {"I1": text(rng, 2)},
        "J": {"J1": "no", "J1b": text(rng, 1)},
        "K": {"K1.role": "Head of safeguarding", "K1.date": "2026-11-26", "K2": "yes"},
    }.get(section, {})


CHOICES = {"A": ("A1", "yes_child"), "K": ("K1", "yes")}
EVENT: dict[str, Answer] = {
    "B1": "05/03/2026 14:30",
    "B2": "Response officer",
    "B3": ["child"],
    "B4": "home_visit",
    "B5": "Attended the home.",
}


class Contact:
    """Answers its returns one action at a time: Start/Continue, a choice, a row, Next, Submit."""

    def __init__(self, person: TimedPerson, rng: random.Random) -> None:
        self.person, self.rng = person, rng
        self.done: set[str] = set()  # request cards answered (their ts)
        self.rows: set[str] = set()  # returns (view ids) given a chronology row
        self.clicked_at = 0.0
        self.current = ""

    def step(self) -> None:
        p = self.person
        try:
            view = p.current_view()
        except LookupError:
            view = None
        if view is None or view.view.get("callback_id") is None:
            if view is not None:
                p.close()  # the thank-you: this return is done
                self.done.add(self.current)
            self.start_next()
            return
        kind = view.view.get("callback_id")
        if kind == "repeat_row":
            p.fill(EVENT)
            p.as_("row").submit()
        elif kind == "return_review":
            p.as_("submit").submit()
        elif kind == "return_page":
            self.page(json.loads(view.view.get("private_metadata") or "{}").get("s", ""), view.id)

    def start_next(self) -> None:
        if time.monotonic() - self.clicked_at < 10:
            return  # the modal of the last click is still on its way
        cards = [
            m
            for m in self.person.dm_messages()
            if "please send" in m.text and m.ts not in self.done
        ]
        if cards:
            self.current = cards[0].ts
            self.clicked_at = time.monotonic()
            self.person.as_("action").click(cards[0], "return_start")

    def page(self, section: str, view_id: str) -> None:
        p = self.person
        self.clicked_at = 0.0
        if section in CHOICES:
            block, value = CHOICES[section]
            state = p.state_values().get(f"q|{block}", {})
            if not any(v.get("selected_option") for v in state.values()):
                p.as_("action").choose(block, value, await_update=False)
                return
        if section == "B" and view_id not in self.rows and self.rng.random() < 0.5:
            self.rows.add(view_id)
            p.as_("action").click_in_view("row_add", {"q": "B"}, await_update=False)
            return
        for key, value in section_answers(section, self.rng).items():
            with contextlib.suppress(KeyError, ValueError):  # not on the page as it stands
                p.fill({key: value})
        p.as_("page").submit()


class Coordinator:
    """Opens reviews (5 or 15 agencies), asks for the status, nudges."""

    def __init__(
        self, person: TimedPerson, rng: random.Random, agencies: Sequence[str], chair: str
    ) -> None:
        self.person, self.rng, self.agencies, self.chair = person, rng, agencies, chair
        self.opened: list[str] = []
        self.fifteen: list[tuple[str, float, list[str]]] = []  # (ref, sent at, agencies)

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.5 or not self.opened:
            self.open(15 if roll < 0.25 else 5)
        elif roll < 0.9:
            self.person.as_("command").command("status", CHANNEL)
        else:
            ref = self.rng.choice(self.opened)
            self.person.as_("command").command(f"remind {ref}", CHANNEL)

    def open(self, count: int) -> None:
        ref = f"LD-{self.person.user_id[-1]}-{len(self.opened) + 1:03d}"
        chosen = self.rng.sample(list(self.agencies), count)
        command = OPEN.format(ref=ref, chair=self.chair, agencies=",".join(chosen))
        sent_at = time.time()
        self.person.as_("command").command(command, CHANNEL)
        self.opened.append(ref)
        if count == 15:
            self.fifteen.append((ref, sent_at, chosen))


class Chair:
    """Compiles the pack of a review now and then, and looks at the status."""

    def __init__(self, person: TimedPerson, rng: random.Random, reviews: Callable[[], list[str]]):
        self.person, self.rng, self.reviews = person, rng, reviews
        self.packs = 0

    def step(self) -> None:
        refs = self.reviews()
        if refs and self.rng.random() < 0.5:
            self.packs += 1
            self.person.as_("command").command(f"pack {self.rng.choice(refs)}", CHANNEL)
        else:
            self.person.as_("command").command("status", CHANNEL)


class BareUser:
    """Types ``/noop`` for the bare Bolt app: the same signed slash command, another path."""

    def __init__(self, fake: FakeSlack, recorder: Recorder, url: str, secret: str, user: str):
        self.fake, self.recorder, self.url, self.secret, self.user = (
            fake,
            recorder,
            url,
            secret,
            user,
        )

    def step(self) -> None:
        body = urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": self.fake.team_id,
                "team_domain": "fake-partnership",
                "channel_id": CHANNEL,
                "channel_name": "bench",
                "user_id": self.user,
                "user_name": self.user.lower(),
                "command": "/noop",
                "text": "",
                "api_app_id": self.fake.world.app_id,
                "is_enterprise_install": "false",
                "response_url": self.fake.response_url(CHANNEL, self.user),
                "trigger_id": self.fake.trigger_id(self.user),
            }
        ).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers=signed_headers(self.secret, body)
        )
        started, clock = time.time(), time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
        except (OSError, HTTPException):
            status = -1
        self.recorder.add("bare", started, (time.perf_counter() - clock) * 1000, status)


def run_user(
    step: Callable[[], None], rng: random.Random, start: float, stop: float, recorder: Recorder
) -> None:
    """Open loop: each action is due 2-5 s (uniform) after the previous one was due, however
    long that one took; one that could only start more than 100 ms late is counted late."""
    due = start + rng.uniform(0, 5)
    while due < stop:
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)  # think time
        elif wait < -0.1:
            recorder.late += 1
        try:
            step()
        except Exception as exc:  # a bench keeps going; the report lists what went wrong
            recorder.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        due += rng.uniform(2, 5)


def start_users(
    steps: Mapping[str, Callable[[], None]], seed: int, seconds: float, recorder: Recorder
) -> list[threading.Thread]:
    start = time.time() + 0.5
    threads = [
        threading.Thread(
            target=run_user,
            args=(step, random.Random(f"{seed}:think:{name}"), start, start + seconds, recorder),
            name=f"user-{name}",
            daemon=True,
        )
        for name, step in steps.items()
    ]
    for thread in threads:
        thread.start()
    return threads


__all__ = [
    "CHANNEL",
    "BareUser",
    "Chair",
    "Contact",
    "Coordinator",
    "Message",
    "Recorder",
    "TimedPerson",
    "run_user",
    "start_users",
]
