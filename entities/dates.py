"""Reign-era dates in classical Chinese text, resolved to calendar dates with the DILA Time Authority tables.

Recognised: [dynasty] [regime or ruler] ERA (元|N)年/載 [歲在GANZHI | GANZHI[歲]] [[season][閏]M月 [D日 | 朔 | 晦 |
GANZHI日 | GANZHI朔]], with Chinese numerals (〇一二…十廿卅, 正月, 臘月/冬月). Each match is resolved against every
era of that name; the book's regime (from the manifest) or a dynasty, regime or ruler written just before the
era chooses among them and the others are kept as alternatives. Read in sequence (a book's sentences in
order), a year written without its era at the head of a clause (二十年，…) is read in the era named last
(:func:`find_dates_in_sequence`). Dates before 1582-10-15 are given in the proleptic Julian calendar
(historians' convention), later ones in the Gregorian; years use ISO 8601 astronomical numbering (0000 = 1
BCE, -0219 = 220 BCE). Impossible dates (a 13th month, day 30 of a 29-day month, a year past the era's end, a
stem-branch new moon that was not) are reported invalid, never guessed.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from entities.lexicons import LEXICONS
from wenyuan.script import to_simplified

DILA = LEXICONS / "dila"
GREGORIAN_START_JDN = 2299161  # 1582-10-15
STEMS = "甲乙丙丁戊己庚辛壬癸"
BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
GANZHI = [STEMS[i % 10] + BRANCHES[i % 12] for i in range(60)]
_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "兩": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUM = "〇零一二兩两三四五六七八九十廿卅百"


@dataclass
class Era:
    era_id: str
    name: str
    ruler: str
    regime: str
    first_jdn: int
    last_jdn: int


@dataclass
class Month:
    year: int
    month: int
    leap: bool
    first_jdn: int
    last_jdn: int
    year_ganzhi: str


@dataclass
class Resolution:
    """One reading of a date under one era."""

    era: str
    regime: str
    ruler: str
    valid: bool
    start: str | None = None
    end: str | None = None
    calendar: str | None = None
    error: str | None = None
    regime_names: list[str] = field(default_factory=list)
    era_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = {"era": self.era, "regime": self.regime, "ruler": self.ruler, "valid": self.valid}
        if self.valid:
            d.update({"from": self.start, "to": self.end, "calendar": self.calendar})
        else:
            d["error"] = self.error
        return d


@dataclass
class DateMatch:
    """A date found in a line of text, with its chosen resolution and the alternatives."""

    text: str
    start: int
    end: int
    year: int
    month: int | None
    leap: bool
    day: int | None
    day_ganzhi: str | None
    chosen: Resolution
    alternatives: list[Resolution] = field(default_factory=list)
    era_from: str | None = None

    def as_dict(self, line: int | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text}
        if line is not None:
            d["line"] = line
        d.update(
            {
                "start": self.start,
                "end": self.end,
                **self.chosen.as_dict(),
                "alternatives": [a.as_dict() for a in self.alternatives],
            }
        )
        if self.era_from is not None:
            d["era_from"] = self.era_from
        return d


# --------------------------------------------------------------------------------------------------- calendar


def jdn_to_date(jdn: int) -> tuple[int, int, int, str]:
    """(year, month, day, calendar) of a Julian day number: Julian before 1582-10-15, Gregorian after.

    Years are astronomical (0 = 1 BCE). Algorithm from Meeus, *Astronomical Algorithms*, ch. 7.
    """
    if jdn >= GREGORIAN_START_JDN:
        alpha = int((jdn - 1867216.25) / 36524.25)
        a = jdn + 1 + alpha - alpha // 4
        calendar = "gregorian"
    else:
        a = jdn
        calendar = "julian"
    b = a + 1524
    c = int((b - 122.1) / 365.25)
    d = int(365.25 * c)
    e = int((b - d) / 30.6001)
    day = b - d - int(30.6001 * e)
    month = e - 1 if e < 14 else e - 13
    year = c - 4716 if month > 2 else c - 4715
    return year, month, day, calendar


def iso_date(jdn: int) -> tuple[str, str]:
    """ISO 8601 text (astronomical years, sign for years before 1) and the calendar it is in."""
    y, m, d, calendar = jdn_to_date(jdn)
    year = f"-{abs(y):04d}" if y < 0 else f"{y:04d}"
    return f"{year}-{m:02d}-{d:02d}", calendar


def day_ganzhi(jdn: int) -> str:
    """The sexagenary name of a day (JDN 0 fell on 癸丑... so 甲子 days are those with (jdn + 49) % 60 == 0)."""
    return GANZHI[(jdn + 49) % 60]


# --------------------------------------------------------------------------------------------------- tables


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, list[Era]], dict[str, dict[tuple[int, int, bool], Month]], set[str], set[str]]:
    eras: dict[str, list[Era]] = {}
    rulers: set[str] = set()
    regimes: set[str] = set()
    with open(DILA / "eras.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if not row["first_jdn"] or not row["last_jdn"]:
                continue  # eras DILA could not date
            era = Era(
                row["era_id"], row["era_name"], row["ruler"], row["regime"], int(row["first_jdn"]), int(row["last_jdn"])
            )
            if not era.name or era.name.startswith("（"):  # no era name: nothing a text could write
                continue
            # Simplified spellings too: the corpora and many modern editions print 天宝 for 天寶.
            names = {era.name, *filter(None, row["alt_names"].split("|"))}
            for name in {spelling for n in names for spelling in _spellings(n)}:
                eras.setdefault(name, []).append(era)
            rulers.update(_spellings(era.ruler) - {""})
            regimes.update(_spellings(era.regime) - {""})
    months: dict[str, dict[tuple[int, int, bool], Month]] = {}
    with gzip.open(DILA / "months.tsv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            m = Month(
                int(row["year"]),
                int(row["month"]),
                row["leap"] == "1",
                int(row["first_jdn"]),
                int(row["last_jdn"]),
                row["year_ganzhi"],
            )
            table = months.setdefault(row["era_id"], {})
            key = (m.year, m.month, m.leap)
            if key in table:  # DILA splits a month where a reign changed inside it; rejoin the halves
                m.first_jdn = min(m.first_jdn, table[key].first_jdn)
                m.last_jdn = max(m.last_jdn, table[key].last_jdn)
            table[key] = m
    return eras, months, rulers, regimes


@lru_cache(maxsize=1)
def era_names() -> frozenset[str]:
    """Every era name the DILA tables date, traditional and simplified (for telling eras from places)."""
    return frozenset(_tables()[0])


@lru_cache(maxsize=4096)
def _spellings(name: str) -> frozenset[str]:
    """How texts write a name of the DILA tables: as they do (traditional), simplified, and simplified with 乾
    kept. Outside its phrase table OpenCC reads 乾 as 干 "dry", but in a name it is qián, which simplified
    script keeps: the corpora write 乾宁, 乾德, 乾祐 (and, less often, 干明)."""
    simple = to_simplified(name)
    if len(simple) != len(name):
        return frozenset({name, simple})
    return frozenset({name, simple, "".join(o if o == "乾" else c for o, c in zip(name, simple, strict=True))})


def parse_number(text: str) -> int | None:
    """Chinese numerals up to the hundreds: 三, 十三, 二十三, 廿三, 卅, 一百二, 一〇三 (digit by digit)."""
    if not text:
        return None
    if all(c in _DIGITS for c in text) and len(text) > 1:
        return int("".join(str(_DIGITS[c]) for c in text))  # 一〇三 style
    total, current = 0, 0
    for c in text:
        if c in _DIGITS:
            current = _DIGITS[c]
        elif c == "十":
            total += (current or 1) * 10
            current = 0
        elif c == "廿":
            total += 20
        elif c == "卅":
            total += 30
        elif c == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _era_head() -> str:
    """Regex of what may precede an era name and the era itself: a conventional dynasty name (汉, 唐, 宋), then
    a ruler or regime as DILA names them (武帝, 後漢), then the era."""
    eras, _months, rulers, regimes = _tables()
    names = sorted(eras, key=len, reverse=True)
    prefixes = sorted(rulers | regimes, key=len, reverse=True)
    dynasties = sorted(_dynasty_names(), key=len, reverse=True)
    return (
        rf"(?P<dynasty>{'|'.join(map(re.escape, dynasties))})?"
        rf"(?P<prefix>{'|'.join(map(re.escape, prefixes))})?"
        rf"(?P<era>{'|'.join(map(re.escape, names))})"
    )


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    return re.compile(
        rf"{_era_head()}"
        rf"(?P<year>元|[{_NUM}]+)[年載载]"
        # The year's own stem-branch: 歲在甲子, or written bare after the year (元封元年辛未, 庚戌歲).
        rf"(?:[，,]?[歲岁](?:在|次)(?P<ygz>{_GZ})|(?P<bare_ygz>{_GZ})[歲岁]?)?"
        rf"{_MONTH_DAY}"
    )


@lru_cache(maxsize=1)
def _era_mention() -> re.Pattern:
    """An era named without a year (建中初，… / 顯慶中，…): no date, but the era later bare years count in.

    Only at the head of a clause: inside one, 居長安中， is "in the city of Chang'an", not "in the Chang'an era".
    """
    return re.compile(rf"(?<![^，。；：！？、,.;:!?「『（(\s]){_era_head()}(?:初|中|末|時|时)(?=[，,])")


def era_mentions(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names an era without a year (靖康末，…): the era and the 初/中/末/时 after it, as
    (start, end) offsets; a ruler or dynasty before the era is left out (高宗 of 高宗建炎初 is a person)."""
    return [(m.start("era"), m.end()) for m in _era_mention().finditer(text)]


def dated_eras(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names an era and its year (延光四年, 建德六年): from the era to 年, as (start, end) offsets.
    Era names are also given names and courtesy names (窦建德, 袁绍 styled 本初); before a year they are the era."""
    dated = (m for m in _pattern().finditer(text) if _numbers(m)[0])
    return [(m.start("era"), m.end("year") + 1) for m in dated]


def _dynasty_names() -> set[str]:
    """One-character conventional dynasty names (汉, 唐, 宋) from ``corpora/lexicons/dynasties.tsv``."""
    with open(DILA.parent / "dynasties.tsv", encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return {name for row in rows for name in (row["name"], row["simplified"]) if len(name) == 1}


_GZ = f"[{STEMS}][{BRANCHES}]"
_MONTH_DAY = (
    # A season is written before the month in annals (元年春正月); it belongs to the date only with one.
    rf"(?:[春夏秋冬]?(?P<leap>閏|闰)?(?P<month>正|臘|腊|冬|[{_NUM}]+)月"
    rf"(?:(?P<day>[{_NUM}]+)日|(?P<moon>朔|晦)|(?P<gz>{_GZ})(?:日|(?P<gzmoon>朔|晦))?)?)?"
)
# A year without its era, at the head of a clause and ending one (二十年，… / 三年春 / 二十四年六月，… / 三年薨):
# the way histories go on counting in the era they last named. 居三年而卒 ("three years later") is not one.
_CARRIED_YEAR = re.compile(
    rf"(?:^|(?<=[，。；：！？,;:!?\s]))(?P<year>[{_NUM}]+)年{_MONTH_DAY}(?=[，。；：,;:春夏秋冬卒薨崩]|$)"
)


def _resolve(
    era: Era,
    year: int,
    month: int | None,
    leap: bool,
    day: int | None,
    gz: str | None,
    moon: str | None,
    year_gz: str | None = None,
) -> Resolution:
    _eras, months, _r, _g = _tables()
    table = months.get(era.era_id, {})
    # DILA lists a regime's names joined with "|" (明|大明); the first is the usual one.
    res = Resolution(
        era=era.name,
        regime=era.regime.split("|")[0],
        ruler=era.ruler,
        valid=False,
        regime_names=era.regime.split("|"),
        era_id=era.era_id,
    )
    in_year = sorted((m for (y, _mo, _lp), m in table.items() if y == year), key=lambda m: m.first_jdn)
    if not in_year:
        res.error = f"{era.regime} {era.name} has no year {year}"
        return res
    if year_gz and in_year[0].year_ganzhi and in_year[0].year_ganzhi != year_gz:
        res.error = f"{era.regime} {era.name} {year} was a {in_year[0].year_ganzhi} year, not {year_gz}"
        return res
    if month is None:
        first, last = in_year[0].first_jdn, in_year[-1].last_jdn
    else:
        m = table.get((year, month, leap))
        if m is None:
            res.error = f"no {'leap ' if leap else ''}month {month} in {era.name} {year}"
            return res
        first, last = m.first_jdn, m.last_jdn
        length = last - first + 1
        if day is not None:
            if not 1 <= day <= length:
                res.error = f"day {day} in a {length}-day month"
                return res
            first = last = m.first_jdn + day - 1
        elif moon is not None:
            first = last = first if moon == "朔" else last
            if gz is not None and day_ganzhi(first) != gz:
                res.error = f"the {'first' if moon == '朔' else 'last'} day of that month was not {gz}"
                return res
        elif gz is not None:
            hits = [j for j in range(m.first_jdn, m.last_jdn + 1) if day_ganzhi(j) == gz]
            if not hits:
                res.error = f"no {gz} day in that month"
                return res
            first = last = hits[0]
    res.start, res.calendar = iso_date(first)
    res.end, _ = iso_date(last)
    res.valid = True
    return res


def _numbers(m: re.Match) -> tuple[int | None, int | None, int | None]:
    """Year, month and day of a date match (None where absent or unreadable)."""
    year = 1 if m["year"] == "元" else parse_number(m["year"])
    month = None
    if m["month"]:
        month = {"正": 1, "臘": 12, "腊": 12, "冬": 11}.get(m["month"]) or parse_number(m["month"])
    day = parse_number(m["day"]) if m["day"] else None
    return year, month, day


def _candidates(m: re.Match) -> list[Era]:
    """The eras an era match may mean, narrowed by the dynasty, ruler or regime written before it."""
    candidates = _tables()[0][m["era"]]
    for written in (m["dynasty"], m["prefix"]):
        if written:
            named = [
                e
                for e in candidates
                if written in _spellings(e.ruler) | _spellings(e.regime)
                or any(name.endswith(written) for name in _spellings(e.regime))
            ]
            candidates = named or candidates
    return candidates


def _rank(regime: str | None) -> Callable[[Resolution], tuple]:
    def key(r: Resolution) -> tuple:
        # Valid first; then the book's regime; then the era's earliest use (the best-known one).
        names = r.regime_names or [r.regime]
        in_context = bool(regime) and any(n == regime or regime in n or n in regime for n in names)
        return (not r.valid, not in_context)

    return key


def find_dates(text: str, regime: str | None = None) -> list[DateMatch]:
    """Every reign-era date in ``text``, resolved; ``regime`` (e.g. the book's dynasty) breaks ties."""
    found = []
    for m in _pattern().finditer(text):
        year, month, day = _numbers(m)
        if year is None or (m["month"] and month is None):
            continue
        candidates = _candidates(m)
        leap, moon, end = bool(m["leap"]), m["moon"] or m["gzmoon"], m.end()
        resolved = [_resolve(e, year, month, leap, day, m["gz"], moon, m["ygz"] or m["bare_ygz"]) for e in candidates]
        if m["bare_ygz"] and not any(r.valid for r in resolved):
            # A stem-branch after the year that is not the year's: not part of this date after all.
            resolved = [_resolve(e, year, None, False, None, None, None) for e in candidates]
            month, leap, day, moon, end = None, False, None, None, m.start("bare_ygz")
        order = sorted(resolved, key=_rank(regime))
        found.append(
            DateMatch(
                text=text[m.start() : end],
                start=m.start(),
                end=end,
                year=year,
                month=month,
                leap=leap,
                day=day,
                day_ganzhi=m["gz"] if end == m.end() else None,
                chosen=order[0],
                alternatives=order[1:],
            )
        )
    return found


def _carried_year(m: re.Match, last: DateMatch) -> DateMatch | None:
    """The bare year of ``m`` (a ``_CARRIED_YEAR`` match) read in the era of ``last``, a valid date named
    before it; None unless it counts on from ``last`` and that era has the year (and month, and day)."""
    year, month, day = _numbers(m)
    if year is None or year < last.year or (m["month"] and month is None):
        return None
    eras, _m, _r, _g = _tables()
    era = next(e for e in eras[last.chosen.era] if e.era_id == last.chosen.era_id)
    leap = bool(m["leap"])
    reading = _resolve(era, year, month, leap, day, m["gz"], m["moon"] or m["gzmoon"])
    if not reading.valid:
        return None
    return DateMatch(
        m.group(0), m.start(), m.end(), year, month, leap, day, m["gz"], reading, [], last.era_from or last.text
    )


def _era_context(m: re.Match, regime: str | None) -> DateMatch | None:
    """An era named without a year (an ``_era_mention`` match) as the context of the bare years after it,
    counting from its first year; None if no reading of it is valid."""
    readings = sorted((_resolve(e, 1, None, False, None, None, None) for e in _candidates(m)), key=_rank(regime))
    if not readings or not readings[0].valid:
        return None
    return DateMatch(m.group(0), m.start(), m.end(), 1, None, False, None, None, readings[0])


def find_dates_in_sequence(texts: list[str], regime: str | None = None) -> list[list[DateMatch]]:
    """The dates of consecutive passages of one text (a book's sentences in reading order), each passage's in
    order: its reign-era dates (:func:`find_dates`), and the years it writes without their era (二十年，…
    after 至元十九年), read in the era of the last valid date before them, with ``era_from`` naming that date.

    Histories name an era once and then count on in it; a bare year is taken only at the head of a clause,
    only counting on from the last date and only if the era has that year, so durations (居三年而卒) and
    years of a later, unnamed era are left alone. An era named without a year (建中初，…) is counted on from
    its first year. Without ``regime``, the last date's regime chooses among eras several regimes used.
    """
    last: DateMatch | None = None
    result: list[list[DateMatch]] = []
    for text in texts:
        dates, last = _with_carried(text, regime or (last.chosen.regime if last else None), last)
        result.append(dates)
    return result


def _with_carried(text: str, regime: str | None, last: DateMatch | None) -> tuple[list[DateMatch], DateMatch | None]:
    """The dates of ``text`` (explicit, and bare years read in the context ``last`` brings and the text
    updates), in text order, and the context after it."""
    dates = find_dates(text, regime)
    taken = {k for d in dates for k in range(d.start, d.end)}
    events: list[tuple[int, str, DateMatch | re.Match]] = [(d.start, "date", d) for d in dates]
    for kind, pattern in (("bare", _CARRIED_YEAR), ("era", _era_mention())):
        events += [(m.start(), kind, m) for m in pattern.finditer(text) if not taken.intersection(range(*m.span()))]
    out: list[DateMatch] = []
    for _start, kind, item in sorted(events, key=lambda event: event[0]):
        if kind == "era":
            last = _era_context(item, regime) or last
            continue
        date = item if kind == "date" else (_carried_year(item, last) if last else None)
        if date is not None:
            out.append(date)
            last = date if date.chosen.valid else last
    return out, last
