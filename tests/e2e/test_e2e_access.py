"""The access matrix (DESIGN §5): every Slack entry point of the built app × every role, through
the real bot over HTTP.

The entry points are read from the listeners registered on the running Bolt app (and the
subcommands from the grammar), so a new command, action or view is caught here: the matrix must
say who may use it. A realistic payload of each is recorded while the rightful people use the
bot; every other role then sends it as their own (``SlackPerson.replay``: their user and team,
the review's ids unchanged). A deny must show a clear refusal — except where Slack shows nothing
(a closed modal, a request from another workspace) — and must change nothing: no row of the
database, no message, file or modal for anyone. Then each allowed role sends it and is served.
"""

from __future__ import annotations

import inspect
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_bolt import App
from sqlalchemy import Engine, MetaData, select

from bot.clock import FixedClock
from bot.fakeslack import FakeSlack, Sent, SlackPerson
from bot.services import packs
from bot.slack.grammar import SUBCOMMANDS
from tests.e2e.conftest import (
    CASES,
    CHAIR,
    COORD,
    COORDS,
    CSC,
    HEALTH,
    OUTSIDER,
    POLICE,
    SECRET,
    ClockedBot,
    RunningBot,
    people_of_partnership,
    settings_for,
)
from tests.e2e.test_e2e_returns import EVENT, OPEN, REF, shown, start

NOBODY, GP = "U0NOBODY1", "U0GPNAMED1"  # a member with no role; review 2's only contact
REF2 = "RR-2026-020"
PROBATION, REF3 = "U0PROBAT1", "RR-2026-021"  # review 3's only contact: deactivated
OPEN3 = (f'open {REF3} child="Child C" notified=2026-11-20 meeting=2026-12-09T10:00 '
         "due=2026-12-02 chair=<@U0CHAIR|chair> agencies=probation")  # fmt: skip
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/London"))

# -- the roles and the matrix --------------------------------------------------------------

COORDINATOR, THE_CHAIR, CONTACT = "coordinator", "chair", "contact"
SAME_REVIEW, OTHER_REVIEW, STRANGER, OTHER_TEAM = (
    "another contact of the review", "another review's contact", "stranger", "another team",
)  # fmt: skip
ROLES = (COORDINATOR, THE_CHAIR, CONTACT, SAME_REVIEW, OTHER_REVIEW, STRANGER, OTHER_TEAM)
IN_TEAM = frozenset(ROLES) - {OTHER_TEAM}


@dataclass(frozen=True)
class Rule:
    """Who may use an entry point. ``silent``: a deny shows nothing (Slack gives the bot nowhere
    to show it: a closed modal); ``noop``: nobody's request changes anything."""

    allowed: frozenset[str]
    silent: bool = False
    noop: bool = False


COORDINATORS = Rule(frozenset({COORDINATOR}))
CONTACTS = Rule(frozenset({CONTACT}))
MATRIX: dict[str, Rule] = {
    "command:help": Rule(IN_TEAM),
    "command:status": Rule(frozenset({COORDINATOR, THE_CHAIR})),
    "command:open": COORDINATORS,
    "command:pack": Rule(frozenset({COORDINATOR, THE_CHAIR})),
    "command:summary": COORDINATORS,
    "command:lock": COORDINATORS,
    "command:close": COORDINATORS,
    "command:hold": COORDINATORS,
    "command:remind": COORDINATORS,
    "command:add": COORDINATORS,
    "command:edit": COORDINATORS,
    "command:extend": COORDINATORS,
    "command:remove": COORDINATORS,
    "command:owner": COORDINATORS,
    "action:v@o|agencies": COORDINATORS,
    "view:open_review": COORDINATORS,
    "action:return_start": CONTACTS,
    "action:return_nil": CONTACTS,
    "action:return_edit": CONTACTS,
    "action:return_not_me": CONTACTS,
    "view:return_delegate": CONTACTS,
    "action:ask_coordinator": CONTACTS,
    "action:page_back": CONTACTS,
    r"action:v@^q\|": CONTACTS,
    "action:row_add": CONTACTS,
    "action:row_edit": CONTACTS,
    "action:row_remove": CONTACTS,
    "action:review_prev": CONTACTS,
    "action:review_next": CONTACTS,
    "action:review_edit": CONTACTS,
    "view:return_page": CONTACTS,
    "view_closed:return_page": Rule(frozenset({CONTACT}), silent=True),
    "view:repeat_row": CONTACTS,
    "view_closed:repeat_row": Rule(frozenset({CONTACT}), silent=True),
    "view:return_review": CONTACTS,
    "action:row_paste": CONTACTS,
    "view:paste_rows": CONTACTS,
    "view_closed:paste_rows": Rule(frozenset({CONTACT}), silent=True),
    "command:template": Rule(frozenset({COORDINATOR, CONTACT, SAME_REVIEW})),
    "view_closed:return_review": Rule(frozenset(ROLES), silent=True, noop=True),
    "action:pack_release": COORDINATORS,
    "action:pack_hold": COORDINATORS,
    "view:pack_summary": COORDINATORS,
    "view:review_close": COORDINATORS,
    "action:home_remind": COORDINATORS,  # the App Home's buttons (issue 8)
    "action:home_pack": Rule(frozenset({COORDINATOR, THE_CHAIR})),
    "action:home_lock": COORDINATORS,
    "action:home_close": COORDINATORS,
    "action:home_page": Rule(IN_TEAM),
    "action:home_away": Rule(IN_TEAM),  # anyone may say they are away: it only changes where
    "action:home_back": Rule(IN_TEAM),  # their own reminders go
    "view:away": Rule(IN_TEAM),
    "command:away": Rule(IN_TEAM),
    "command:back": Rule(IN_TEAM),
    "action:return_on_behalf": COORDINATORS,
    "view:on_behalf_date": COORDINATORS,
}
COMMAND_TEXT = {
    "help": "help",
    "status": f"status {REF}",
    "open": "open",
    "pack": f"pack {REF}",
    "summary": f"summary {REF}",
    "lock": f"lock {REF}",
    "close": f"close {REF}",
    "hold": f"hold {REF} reason=LCSPR commissioned",
    "remind": f"remind {REF}",
    "add": f"add {REF} ambulance",
    "edit": f"edit {REF} meeting=2026-12-10T10:00",
    "extend": f"extend {REF} csc due=2026-12-04 reason=awaiting records",
    "remove": f"remove {REF} ambulance",  # after add: the requests go in sorted order
    "owner": f"owner {REF} <@{COORD}|casey>",  # the only coordinator: "already owns it"
    "template": f"template {REF}",
    "away": "away until=2026-12-04",
    "back": "back",
}
NOT_IN_MATRIX = {"event:message", "event:app_home_opened"}
"""Events carry no role: the one listener acks and ignores a message (tested on its own)."""
LAST = ("action:home_lock", "command:lock", "view:review_close", "command:close", "command:hold")
"""Allowed requests that end the review: sent after every other allowed request."""
REFUSALS = re.compile(
    r"not by you|isn't yours|Only partnership coordinators|Only coordinators|Only the chair|"
    r"only its own partnership's Slack workspace"
)
CHANGES = {
    "chat.postMessage", "chat.update", "chat.delete", "conversations.open", "views.open",
    "views.push", "files.getUploadURLExternal", "files.completeUploadExternal", "files.delete",
    "upload",
}  # fmt: skip
"""Web API methods that change what someone sees: a deny calls none (views.update only to
show the refusal)."""
FORGED = re.compile(r"not by you|isn't yours|no longer exists|There is no review")
UNTRACKED = {"processed_requests", "key_fingerprints", "alembic_version"}
PATCHES: dict[str, Callable[[dict[str, Any]], None]] = {
    "view:review_close": lambda p: p["view"]["state"]["values"]["panel_sent"]["v"].update(
        selected_date="2026-11-25"),  # recorded with a date refused: now one that is fine
    "view:return_delegate": lambda p: p["view"]["state"]["values"]["d|to"]["v"].update(
        selected_user=NOBODY),  # recorded passing it to themselves: now to a colleague
}  # fmt: skip


# -- entry points of the built app ----------------------------------------------------------


Route = tuple[str, "str | re.Pattern[str] | None"]
"""An action listener's (action id, block id or pattern)."""


def registered(app: App) -> dict[str, Route | None]:
    """The entry points the app listens to, read from its listeners' matchers (each subcommand
    of ``/rrm`` is one entry point), with the route of each action listener."""
    found: dict[str, Route | None] = {}
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            if func is None:
                continue
            kind = func.__qualname__.split(".")[0]
            bound = inspect.getclosurevars(func).nonlocals
            if kind == "command":
                found |= {f"command:{sub}": None for sub in SUBCOMMANDS}
            elif kind in ("action", "block_action"):
                found.update([_action(bound["constraints"])])
            elif kind in ("view_submission", "view_closed"):
                prefix = "view" if kind == "view_submission" else "view_closed"
                found[f"{prefix}:{bound['callback_id']}"] = None
            elif kind == "event":
                found[f"event:{bound['event_type']}"] = None
            else:
                found[f"{kind}:?"] = None
    return found


def _action(constraints: Any) -> tuple[str, Route]:
    if isinstance(constraints, str):
        return f"action:{constraints}", (constraints, None)
    block = constraints.get("block_id")
    shown_as = block.pattern if isinstance(block, re.Pattern) else block
    return f"action:{constraints['action_id']}@{shown_as}", (constraints["action_id"], block)


def entry_of(payload: dict[str, Any], routes: dict[str, Route | None]) -> str | None:
    """The registered entry point an interactivity payload goes to."""
    kind = payload.get("type")
    if kind == "block_actions":
        action = payload["actions"][0]
        block_id = str(action.get("block_id", ""))
        for key, route in routes.items():
            if route is None or route[0] != action["action_id"]:
                continue
            block = route[1]
            if (
                block is None
                or block == block_id
                or (isinstance(block, re.Pattern) and block.search(block_id))
            ):
                return key
        return None
    if kind in ("view_submission", "view_closed"):
        prefix = "view" if kind == "view_submission" else "view_closed"
        return f"{prefix}:{payload['view']['callback_id']}"
    return None


# -- the world: two reviews, used by the rightful people, every payload recorded -----------


class RecordingPerson(SlackPerson):
    """A person whose every interactivity request is kept (the first of each entry point)."""

    book: dict[str, tuple[str, Sent]]
    routes: dict[str, Route | None]

    def send_raw(self, body: bytes, headers: Any = None) -> Sent:
        sent = super().send_raw(body, headers)
        if headers is None and b"payload=" in body[:8]:
            key = entry_of(sent.payload, self.routes)
            if key is not None and sent.status == 200:
                self.book.setdefault(key, (self.user_id, sent))
        return sent


@dataclass
class World:
    """The running bot and what was recorded while people used it."""

    bot: RunningBot
    routes: dict[str, Route | None]
    book: dict[str, tuple[str, Sent]] = field(default_factory=dict)

    @property
    def fake(self) -> FakeSlack:
        return self.bot.fake

    @property
    def keys(self) -> set[str]:
        return set(self.routes)

    def person(self, user_id: str, record: bool = False) -> SlackPerson:
        if not record:
            return self.bot.person(user_id)
        person = RecordingPerson(self.fake, user_id, app_url=self.bot.url, signing_secret=SECRET)
        person.book, person.routes = self.book, self.routes
        return person

    def user_of(self, role: str, entry: str) -> str:
        """Who plays ``role`` for the recorded payload of ``entry``."""
        recorded = self.book.get(entry, (POLICE, None))[0]
        contact = recorded if recorded in (POLICE, HEALTH, CSC) else POLICE
        return {
            COORDINATOR: COORD, THE_CHAIR: CHAIR, CONTACT: contact,
            SAME_REVIEW: CSC if contact == POLICE else POLICE, OTHER_REVIEW: GP,
            STRANGER: NOBODY, OTHER_TEAM: OUTSIDER,
        }[role]  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("access")
    with pytest.MonkeyPatch.context() as patch, FakeSlack() as fake:
        patch.chdir(folder)
        for name in ("SLACK_BOT_TOKEN", "DATABASE_URL", "RRM_ENCRYPTION_KEY", "RRM_COORDINATORS"):
            patch.delenv(name, raising=False)
        fake.add_user(COORD, "casey", "Casey Coordinator")
        fake.add_user(CHAIR, "chris", "Chris Chair")
        people_of_partnership(fake)
        fake.add_user(NOBODY, "nora", "Nora Nobody")
        fake.add_user(OUTSIDER, "olly", "Olly Othertown", team_id="T0OTHER")
        fake.add_channel(CASES, "rapid-reviews", members=[COORD, CHAIR])
        fake.add_channel(COORDS, "rrm-coordinators", members=[COORD], is_private=True)
        bot = ClockedBot(
            fake, settings_for(fake, f"sqlite:///{folder}/rrm.db"), FixedClock(WEDNESDAY)
        )
        try:
            built = World(bot, registered(bot.runtime.app))
            use_everything(built)
            settle(fake)
            yield built
        finally:
            settle(fake, quiet=2.0)
            bot.stop()


def use_everything(world: World) -> None:
    """The rightful people use every entry point once (each first payload is recorded)."""
    fake = world.fake
    coord = world.person(COORD, record=True)
    assert "Opened rapid review" in coord.await_ephemeral(coord.command(OPEN, CASES)).text
    coord.await_view(coord.command(f"open {REF2}", CASES))  # review 2, through the modal
    coord.fill({"o|child": "Child B", "o|under1": "no", "o|notified": "2026-11-20",
                "o|meeting_date": "2026-12-09", "o|meeting_time": "10:00",
                "o|due": "2026-12-02", "o|chair": CHAIR})  # fmt: skip
    coord.choose("o|agencies", ["gp"])
    assert coord.submit().ok
    coord.wait_for(lambda: fake.dm_messages(GP), what="review 2's request")
    enter_on_behalf(world, coord)

    police = world.person(POLICE, record=True)
    start(police)
    police.fill({"0.2": "Detective sergeant"})
    assert police.submit().ok
    police.choose("A1", "yes_child")
    assert police.submit().ok
    police.click_in_view("row_add", {"q": "B"})
    police.fill({**EVENT, "B1": "05/03/2026"})
    police.await_view(police.submit())
    police.click_in_view("row_edit", {"q": "B"})
    police.close()
    police.wait_for(lambda: "1 event" in shown(police.current_view()), what="the page again")
    police.click_in_view("row_remove", {"q": "B"})
    police.wait_for(lambda: "0 events" in shown(police.current_view()), what="the row gone")
    police.click_in_view("row_add", {"q": "B"})
    police.wait_for(lambda: "Add event" in shown(police.current_view()), what="a row modal")
    police.fill({**EVENT, "B1": "06/03/2026"})
    police.await_view(police.submit())
    police.click_in_view("row_paste", {"q": "B"})
    police.fill({"paste|0": "07/03/2026\tGP"})
    police.await_view(police.submit())  # the rows shown back
    police.await_view(police.submit())  # added: the page again
    police.click_in_view("row_paste", {"q": "B"})
    police.close()
    settle(fake, quiet=0.3)
    police.click_in_view("page_back")
    police.close()
    start(police)  # Continue
    to_the_review_page(police)
    police.click_in_view("review_edit", "0")
    to_the_review_page(police)
    assert police.submit().ok  # Submit return
    police.wait_for(lambda: "return_edit" in json.dumps(police.last_dm().blocks), what="Edit")
    police.open_from(police.last_dm(), "return_edit")
    police.close()

    health = world.person(HEALTH, record=True)
    start(health, "return_nil")
    health.close()
    csc = world.person(CSC, record=True)
    csc.wait_for(csc.dm_messages)
    csc.await_ephemeral(csc.click(csc.last_dm(), "ask_coordinator"))
    csc.open_from(csc.last_dm(), "return_not_me")
    csc.fill({"d|to": CSC, "d|reason": "Not my case"})  # refused (themselves): PATCHES picks
    assert csc.submit().errors  # someone else when the matrix sends it
    csc.close()

    packs.send_draft_to_owner(world.bot.runtime.ctx, stored(world, REF)["id"])

    def draft(*, hold: bool) -> Any:
        return next((m for m in fake.dm_messages(COORD) if "pack_release" in json.dumps(m.blocks)
                     and ("pack_hold" in json.dumps(m.blocks)) == hold), None)  # fmt: skip

    coord.click(coord.wait_for(lambda: draft(hold=True), what="the draft"), "pack_hold")
    coord.click(coord.wait_for(lambda: draft(hold=False), what="held"), "pack_release")

    coord.await_view(coord.command(f"summary {REF}", CASES))
    coord.fill({"summary": "A short summary."})
    assert coord.submit().ok
    coord.await_view(coord.command(f"close {REF}", CASES))
    coord.fill({"outcome": "local_review", "panel_sent": "2026-11-19"})  # refused: too early
    assert coord.submit().errors
    coord.close()
    use_the_home(world)
    synthesise(world)


def enter_on_behalf(world: World, coord: SlackPerson) -> None:
    """Review 3's contact cannot be reached: the owner enters its return on its behalf."""
    world.fake.deactivate_user(PROBATION)
    assert "Opened rapid review" in coord.await_ephemeral(coord.command(OPEN3, CASES)).text
    note = coord.wait_for(lambda: next((m for m in coord.dm_messages()
                                        if "return_on_behalf" in json.dumps(m.blocks)), None),
                          what="Enter on behalf")  # fmt: skip
    coord.open_from(note, "return_on_behalf")
    coord.fill({"received": "2026-11-24"})
    assert coord.submit().ok
    assert "Section 1 of 12" in shown(coord.current_view())
    coord.close()


def to_the_review_page(person: SlackPerson) -> None:
    for _ in range(16):
        page = shown(person.current_view())
        if "Review your return" in page:
            return
        if "Section 11 of 12" in page:
            person.fill({"J1": "no", "J1b": "Single-agency learning."})
        if "Section 12 of 12" in page:
            person.fill({"K1": "no", "K2": "yes"})
        sent = person.submit()
        assert sent.ok, (page, sent.errors)
    raise AssertionError("never reached the review page")


def use_the_home(world: World) -> None:
    """The App Home: the coordinator's Remind and Close, the chair's Pack, a contact away and
    back through the Home. Lock (which would end the journey) and the pager (which needs more
    reviews than a page holds) are the Remind press with their own action id."""
    ref_id = stored(world, REF)["id"]
    coord = world.person(COORD, record=True)
    coord.open_home()
    coord.await_home(f"{REF} · Child A")
    coord.click_in_home("home_remind", {"review": ref_id})
    coord.await_home("udged")  # "Nudged: …", or "Nobody was nudged."
    coord.await_view(coord.click_in_home("home_close", {"review": ref_id}))
    coord.close()
    chair = world.person(CHAIR, record=True)
    chair.open_home()
    chair.await_home("Reviews you chair")
    chair.click_in_home("home_pack", {"review": ref_id})
    chair.await_home("Meeting pack v", 60)
    police = world.person(POLICE, record=True)
    police.open_home()
    police.await_home("Your requests")
    police.await_view(police.click_in_home("home_away"))
    police.fill({"away_until": "2026-12-04"})
    assert police.submit().ok
    police.await_home("You are away until")
    police.click_in_home("home_back")
    police.await_home("Welcome back")
    user, remind = world.book["action:home_remind"]
    for action_id, value in (("home_lock", None), ("home_page", "0")):
        payload = json.loads(json.dumps(remind.payload))
        payload["actions"][0] |= {"action_id": action_id, **({"value": value} if value else {})}
        world.book.setdefault(f"action:{action_id}", (user, _as_sent(payload)))


def synthesise(world: World) -> None:
    """Payloads Slack would send but this journey could not make happen: the review page's
    paging buttons (a short return fits on one page) and its closing (Slack sends view_closed
    only for modals that ask for it: this one does not, so its listener is a plain ack)."""
    user, edit = world.book["action:review_edit"]
    for action_id, value in (("review_prev", "0"), ("review_next", "1")):
        payload = json.loads(json.dumps(edit.payload))
        payload["actions"][0] |= {"action_id": action_id, "value": value}
        world.book.setdefault(f"action:{action_id}", (user, _as_sent(payload)))
    user, submitted = world.book["view:return_review"]
    closed = json.loads(json.dumps(submitted.payload)) | {"type": "view_closed"}
    world.book.setdefault("view_closed:return_review", (user, _as_sent(closed)))


def _as_sent(payload: dict[str, Any]) -> Sent:
    from urllib.parse import urlencode

    return Sent(200, None, urlencode({"payload": json.dumps(payload)}).encode())


# -- helpers ---------------------------------------------------------------------------------


def settle(fake: FakeSlack, quiet: float = 0.6, timeout: float = 60.0) -> None:
    """Wait until the bot has made no Web API call for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    count, since = len(fake.calls), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now = len(fake.calls)
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


_TABLES: dict[int, MetaData] = {}


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table (but the request log), as text."""
    tables = _TABLES.get(id(engine))
    if tables is None:
        tables = _TABLES[id(engine)] = MetaData()
        tables.reflect(engine)
    with engine.connect() as connection:
        return {
            t.name: sorted(repr(tuple(row)) for row in connection.execute(select(t)))
            for t in tables.sorted_tables
            if t.name not in UNTRACKED
        }


def stored(world: World, reference: str) -> dict[str, Any]:
    with world.bot.runtime.engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT id, status FROM reviews WHERE reference = ?", (reference,)
        ).one()
    return {"id": row[0], "status": row[1]}


def send(world: World, entry: str, user: str) -> tuple[Sent, int]:
    """``user`` sends ``entry``: the subcommand typed afresh, or the recorded payload as theirs
    (with the view's current hash, as Slack would send it)."""
    person = world.person(user)
    mark = len(world.fake.calls)
    if entry.startswith("command:"):
        return person.command(COMMAND_TEXT[entry.removeprefix("command:")], CASES), mark
    payload = json.loads(json.dumps(world.book[entry][1].payload))
    PATCHES.get(entry, lambda p: None)(payload)
    view = payload.get("view")
    if isinstance(view, dict) and view.get("id") and payload["type"] == "block_actions":
        with world.fake.world.lock:  # a button in a modal: the modal is open where it is pressed
            shown_now = world.fake.world.views[view["id"]]
            shown_now.closed = False
            view["hash"] = shown_now.hash
    return person.replay(payload), mark


def seen(world: World, sent: Sent, mark: int) -> tuple[str, list[Any]]:
    """What the bot answered and every Web API call it made since ``mark``."""
    calls = world.fake.calls[mark:]
    text = json.dumps(sent.body, ensure_ascii=False) + "".join(
        json.dumps(c.args, ensure_ascii=False, default=str) for c in calls
    )
    return text, calls


def shows(world: World, sent: Sent, mark: int, what: re.Pattern[str], timeout: float = 5) -> bool:
    """Whether the bot's answer or its calls since ``mark`` come to show ``what``."""
    return wait_until(lambda: bool(what.search(seen(world, sent, mark)[0])), timeout)


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# -- the tests -------------------------------------------------------------------------------


@pytest.mark.timeout(300)  # the world is built here: a journey through every entry point
def test_the_matrix_covers_every_entry_point_of_the_built_app(world: World) -> None:
    entries = world.keys - NOT_IN_MATRIX
    assert sorted(entries - set(MATRIX)) == [], "entry points with no row in MATRIX: say who may"
    assert sorted(set(MATRIX) - entries) == [], "rows in MATRIX for entry points that are gone"
    assert set(SUBCOMMANDS) == set(COMMAND_TEXT), "give COMMAND_TEXT for each subcommand"
    unrecorded = sorted(e for e in entries if not e.startswith("command:") and e not in world.book)
    assert unrecorded == [], "the journey in use_everything() never sent these"


@pytest.mark.timeout(300)
def test_every_denied_request_is_refused_clearly_and_changes_nothing(world: World) -> None:
    engine = world.bot.runtime.engine
    before = snapshot(engine)
    failures: list[str] = []
    for entry, rule in sorted(MATRIX.items()):
        for role in ROLES:
            if role in rule.allowed:
                continue
            sent, mark = send(world, entry, world.user_of(role, entry))
            silent = rule.silent or (role == OTHER_TEAM and not entry.startswith("command:"))
            if silent:
                settle(world.fake, quiet=0.25)
                refused = True
            else:
                refused = shows(world, sent, mark, REFUSALS)
            settle(world.fake, quiet=0.1)
            _, calls = seen(world, sent, mark)
            changed = sorted({c.method for c in calls if c.method in CHANGES})
            updates = [c for c in calls if c.method == "views.update"]
            hidden = [c for c in updates if not REFUSALS.search(json.dumps(c.args))]
            after = snapshot(engine)
            problems = [
                *([] if sent.status == 200 else [f"HTTP {sent.status}"]),
                *([] if refused else ["no clear refusal"]),
                *([f"called {changed}"] if changed else []),
                *(["changed a modal without saying why"] if hidden else []),
                *([f"changed {[t for t in after if after[t] != before[t]]}"] * (after != before)),
            ]
            if problems:
                failures.append(f"{entry} as {role}: {'; '.join(problems)}")
                before = after
    assert failures == []


def test_ids_in_payloads_are_checked_against_the_acting_user(world: World) -> None:
    """The rightful contact, with another return's id in a button or the page metadata, and
    a coordinator pointing at a review that does not exist: refused, nothing changed."""
    before = snapshot(world.bot.runtime.engine)
    with world.bot.runtime.engine.connect() as connection:
        csc_return = connection.exec_driver_sql(
            "SELECT returns.id FROM returns JOIN agencies ON agencies.id = returns.agency_id "
            "WHERE agencies.key = 'csc'"
        ).scalar_one()
    forged: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
        ("action:return_start", POLICE, lambda p: p["actions"][0].update(
            value=json.dumps({"r": csc_return}))),
        ("view:return_page", POLICE, lambda p: p["view"].update(
            private_metadata=json.dumps(json.loads(p["view"]["private_metadata"])
                                        | {"r": csc_return}), hash="forged")),
        ("view:paste_rows", POLICE, lambda p: p["view"].update(
            private_metadata=json.dumps(json.loads(p["view"]["private_metadata"])
                                        | {"r": csc_return}), hash="forged")),
        ("action:pack_release", COORD, lambda p: p["actions"][0].update(
            value=json.dumps({"r": 99999}))),
        ("view:review_close", COORD, lambda p: p["view"].update(
            private_metadata=json.dumps({"review": 99999}), hash="forged")),
    ]  # fmt: skip
    for entry, user, forge in forged:
        payload = json.loads(json.dumps(world.book[entry][1].payload))
        forge(payload)
        mark = len(world.fake.calls)
        sent = world.person(user).replay(payload)
        assert shows(world, sent, mark, FORGED), entry
        settle(world.fake, quiet=0.15)
        assert not {c.method for c in world.fake.calls[mark:]} & CHANGES, entry
    assert snapshot(world.bot.runtime.engine) == before


@pytest.mark.timeout(300)
def test_every_allowed_request_is_served(world: World) -> None:
    order = sorted(MATRIX, key=lambda e: (LAST.index(e) if e in LAST else -1, e))
    failures: list[str] = []
    for entry in order:
        rule = MATRIX[entry]
        for role in sorted(rule.allowed):
            sent, mark = send(world, entry, world.user_of(role, entry))
            if not rule.silent and not entry.startswith("view:"):  # a view answers in its reply
                wait_until(lambda: len(world.fake.calls) > mark, 10)  # noqa: B023
            settle(world.fake, quiet=0.3)
            text, _ = seen(world, sent, mark)
            if sent.status != 200 or REFUSALS.search(text):
                failures.append(f"{entry} as {role}: refused ({sent.status}) {text[:200]}")
    assert failures == []
    assert stored(world, REF)["status"] == "closed"
