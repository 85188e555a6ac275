"""The pseudonym check (DESIGN §5): identifying details must never travel through Slack.

``pseudonym_warnings`` looks at what a coordinator typed as the child's pseudonym and names
anything that looks like an NHS number, a full date of birth, a UK postcode or a real name.
It only warns (the coordinator may keep the text); it never changes it. Pseudonyms such as
"Child A", "Baby B", "Sibling 1", "Young person D" and initials ("J.S.", "JS") pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

FIX = "use a pseudonym such as Child A"

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

_TEN_DIGITS = re.compile(r"(?<!\d)(\d{3})([ -]?)(\d{3})\2(\d{4})(?!\d)")
_NUMERIC_DATES = (
    # dd/mm/yyyy, d.m.yy, dd-mm-yyyy: day first, as written in England
    (re.compile(r"(?<![\d.])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)(?!\.\d)"), (1, 3, 4)),
    # yyyy-mm-dd, yyyy/mm/dd
    (re.compile(r"(?<!\d)(\d{4})([/.-])(\d{1,2})\2(\d{1,2})(?!\d)"), (4, 3, 1)),
)
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?,?\s+(\d{{4}}|\d{{2}})(?!\d)",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.IGNORECASE
)
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})(?![A-Za-z0-9])", re.IGNORECASE
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_RUN_GAP = re.compile(r"[\s,]+")

_PSEUDONYM_WORDS = """
    child children baby babies infant newborn new-born unborn toddler sibling siblings brother
    sister twin twins triplet young younger youngest older oldest elder eldest person people
    youth teenager teen boy girl male female adult man woman mother father mum mom dad parent
    parents carer carers stepfather stepmother step half partner grandmother grandfather
    grandparent cousin family subject case review rapid unknown unnamed anonymous deceased
    pupil student first second third fourth fifth the and of in with for known as aka also
    previously referred to
"""
PSEUDONYM_WORDS = frozenset(_PSEUDONYM_WORDS.split()) | frozenset(_MONTHS)
"""Words of a pseudonym, never counted as part of a name (compared case-insensitively)."""

_PARTICLE_WORDS = "de la le du da di van von der den bin binti al el"
_PARTICLES = frozenset(_PARTICLE_WORDS.split())


def pseudonym_warnings(text: str) -> list[str]:
    """Plain sentences, one per thing in ``text`` that looks identifying, each naming what it
    looks like and the fix; empty when ``text`` looks like a pseudonym."""
    found = [*_nhs_numbers(text), *_dates(text), *_postcodes(text), *_names(text)]
    return list(dict.fromkeys(found))


def nhs_check_digit_ok(digits: str) -> bool:
    """Whether ten digits end in a valid NHS number check digit (modulus 11)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return check != 10 and (check % 11) == int(digits[9])


def _nhs_numbers(text: str) -> Iterator[str]:
    for match in _TEN_DIGITS.finditer(text):
        digits = match[1] + match[3] + match[4]
        if nhs_check_digit_ok(digits):
            yield f"‘{match[0]}’ looks like an NHS number: leave it out and {FIX}."
        else:
            yield (
                f"‘{match[0]}’ looks like an NHS number or another identifying number: "
                f"leave it out and {FIX}."
            )


def _dates(text: str) -> Iterator[str]:
    found: list[tuple[int, str]] = []
    for pattern, (d, m, y) in _NUMERIC_DATES:
        for match in pattern.finditer(text):
            if _real_date(match[d], match[m], match[y]):
                found.append((match.start(), match[0]))
    for match in _DAY_MONTH_YEAR.finditer(text):
        if _real_date(match[1], str(_MONTHS[match[2].casefold()]), match[3]):
            found.append((match.start(), match[0]))
    for match in _MONTH_DAY_YEAR.finditer(text):
        if _real_date(match[2], str(_MONTHS[match[1].casefold()]), match[3]):
            found.append((match.start(), match[0]))
    for _, shown in sorted(found):
        yield f"‘{shown}’ looks like a date of birth: leave it out and {FIX}."


def _real_date(day: str, month: str, year: str) -> bool:
    full = int(year) + (2000 if len(year) == 2 else 0)
    try:
        date(full, int(month), int(day))
    except ValueError:
        return False
    return True


def _postcodes(text: str) -> Iterator[str]:
    for match in _POSTCODE.finditer(text):
        yield f"‘{match[0]}’ looks like a postcode: leave it out and {FIX}."


def _names(text: str) -> Iterator[str]:
    """Runs of two or more capitalised words that are not pseudonym words ("Jayden Smith",
    "Mary-Jane O'Neill", "Maria de la Cruz"); a single word ("Child Amber") is allowed."""
    run: list[re.Match[str]] = []
    names = 0
    previous_end: int | None = None
    for match in _WORD.finditer(text):
        word = match[0]
        joined = previous_end is not None and _RUN_GAP.fullmatch(text[previous_end : match.start()])
        if not joined:
            yield from _name_run(text, run, names)
            run, names = [], 0
        if _name_like(word):
            run.append(match)
            names += 1
        elif run and word.casefold() in _PARTICLES:
            run.append(match)
        else:
            yield from _name_run(text, run, names)
            run, names = [], 0
        previous_end = match.end()
    yield from _name_run(text, run, names)


def _name_run(text: str, run: list[re.Match[str]], names: int) -> Iterator[str]:
    while run and not _name_like(run[-1][0]):
        run.pop()
    if names >= 2 and run:
        shown = text[run[0].start() : run[-1].end()]
        yield f"‘{shown}’ looks like a real name: {FIX}."


def _name_like(word: str) -> bool:
    """A capitalised word ("Jayden", "O'Neill") or an all-capitals one of three letters or
    more ("SMITH"), that is not a pseudonym word; initials ("J", "JS") are not names."""
    if word.casefold() in PSEUDONYM_WORDS:
        return False
    parts = re.split(r"['’-]", word)
    if any(part.casefold() in PSEUDONYM_WORDS for part in parts):
        return False
    letters = word.replace("'", "").replace("’", "").replace("-", "")
    if letters.isupper():
        return len(letters) >= 3
    return word[0].isupper() and any(c.islower() for c in letters)
