"""200 page saves at once across 20 reviews, on SQLite and on PostgreSQL (DESIGN §6): 40
contacts (two agencies in each review) press Next through five pages each, all at the same
time, over HTTP against the real bot. No answer is a 5xx; a page is either saved (the next page
comes back) or refused with "press Next again" (then pressed again); and at the end every save
that was answered as saved is in the database — no lost update, each section saved once (its
revision 1, one audit entry), a page delivered twice counted once.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack, Sent, SlackPerson
from bot.services import reviews
from tests.e2e.conftest import CASES, CHAIR, COORD, RunningBot

pytestmark = pytest.mark.timeout(120)

REVIEWS = 20
AGENCIES = ("police", "gp")
PAGES = [  # (section, what is typed or picked; {who} is the contact)
    ("0", {"0.2": "Role of {who}"}),
    ("A", {"A1": "yes_child", "A4": "{who} knew the family."}),
    ("B", {"B9": "{who}: no contact in the summer."}),
    ("C", {"C2": "{who} saw the child at home."}),
    ("D", {"D1": "no"}),
]
TRY_AGAIN = "Couldn't save just now"


def contact(review: int, agency: int) -> str:
    return f"U0LOAD{review * len(AGENCIES) + agency:03d}"


def open_reviews(bot: RunningBot, fake: FakeSlack) -> list[SlackPerson]:
    """20 reviews, two agencies each, each return with a contact of its own; every contact
    has pressed Start and sees the first page."""
    people = []
    for n in range(REVIEWS):
        users = {agency: contact(n, i) for i, agency in enumerate(AGENCIES)}
        for user in users.values():
            fake.add_user(user, real_name=f"Contact {user}")
        req = reviews.OpenRequest(
            reference=f"RR-2026-2{n:02d}", pseudonym="Child A",
            notification_date=date(2026, 11, 20),
            meeting_at=datetime(2026, 12, 9, 10, tzinfo=ZoneInfo("Europe/London")),
            due_date=date(2026, 12, 2), chair=CHAIR, contacts=users,
        )  # fmt: skip
        reviews.open_review(bot.runtime.ctx, team_id=fake.team_id, actor=COORD,
                            channel_id=CASES, req=req)  # fmt: skip
        people += [bot.person(user) for user in users.values()]
    for person in people:
        person.open_from(person.last_dm(), "return_start")
    return people


def answer_pages(person: SlackPerson, answers: list[Sent], tries: list[int]) -> None:
    """Next through the five pages; a page refused as busy, or not answered in time
    (``bot.slack.deadline``), is pressed again (at most 5 times). The second page is delivered
    twice, as Slack may."""
    for n, (section, typed) in enumerate(PAGES):
        person.fill({k: v.format(who=person.user_id) for k, v in typed.items()})
        for attempt in range(5):
            sent = person.submit()
            answers.append(sent)
            if sent.ok or TRY_AGAIN not in str(sent.errors):
                break
            tries.append(attempt)
        assert sent.ok, (person.user_id, section, sent.status, sent.body, sent.errors)
        assert f"Section {n + 2} of 12" in str(sent.body), (person.user_id, section)
        if section == "A":
            for attempt in range(5):  # a copy not answered in time is sent again too
                again = person.resend(sent)
                answers.append(again)
                if again.ok or TRY_AGAIN not in str(again.errors):
                    break
                tries.append(attempt)
            assert (again.status, again.body) == (sent.status, sent.body)


def test_200_concurrent_page_saves_lose_nothing(
    bot_on_each_database: RunningBot, fake: FakeSlack
) -> None:
    bot = bot_on_each_database
    people = open_reviews(bot, fake)
    answers: list[Sent] = []
    tries: list[int] = []
    failures: list[BaseException] = []
    go = threading.Barrier(len(people))

    def act(person: SlackPerson) -> None:
        try:
            go.wait(30)
            answer_pages(person, answers, tries)
        except BaseException as exc:  # reported below, with the others
            failures.append(exc)

    threads = [threading.Thread(target=act, args=(p,), name=p.user_id) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)

    assert not failures, failures[:3]
    assert [a.status for a in answers if a.status != 200] == []  # no 5xx, nothing refused
    saves = len(answers) - len(people) - len(tries)  # less the duplicates and the retries
    assert saves == REVIEWS * len(AGENCIES) * len(PAGES) == 200
    with bot.runtime.ctx.uow as uow:
        for n in range(REVIEWS):
            review = uow.reviews.get_by_reference(fake.team_id, f"RR-2026-2{n:02d}")
            assert review is not None
            audit = uow.audit.list_for_review(review.id)
            for ret in uow.returns.list_for_review(review.id):
                who = ret.contact_user_id
                stored = uow.answers.get(ret.id)
                for _, typed in PAGES:
                    for key, value in typed.items():
                        assert stored.get(key) == value.format(who=who), (who, key, stored)
                revisions = {s: r for s, r in uow.answers.revisions(ret.id).items() if r}
                assert revisions == {section: 1 for section, _ in PAGES}, (who, revisions)
                saved = sorted(str(a.details["section"]) for a in audit
                               if a.return_id == ret.id and a.action == "page.saved")  # fmt: skip
                assert saved == [section for section, _ in PAGES], (who, saved)
