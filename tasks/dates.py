"""Reign-era dates in classical Chinese text, resolved to calendar dates with the DILA Time Authority tables.

Recognised: [regime or ruler] ERA (元|N)年/載 [歲在GANZHI] [[閏]M月] [D日 | 朔 | 晦 | GANZHI日], with Chinese numerals
(〇一二…十廿卅, 正月, 臘月/冬月). Each match is resolved against every era of that name; the book's regime
(from the manifest) or a regime/ruler written just before the era chooses among them and the others are kept as
alternatives. Dates before 1582-10-15 are given in the proleptic Julian calendar (historians' convention),
later ones in the Gregorian; years use ISO 8601 astronomical numbering (0000 = 1 BCE, -0219 = 220 BCE).
Impossible dates (a 13th month, day 30 of a 29-day month, a year past the era's end) are reported invalid,
never guessed.
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DILA = Path(__file__).resolve().parent.parent / "corpora" / "lexicons" / "dila"
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
            for name in names | {_simplified(n) for n in names}:
                eras.setdefault(name, []).append(era)
            rulers.update({era.ruler, _simplified(era.ruler)} - {""})
            regimes.update({era.regime, _simplified(era.regime)} - {""})
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


def era_names() -> frozenset[str]:
    """Every era name the DILA tables date, traditional and simplified (for telling eras from places)."""
    return frozenset(_tables()[0])


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=4096)
def _simplified(text: str) -> str:
    return _converter().convert(text)


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


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    eras, _months, rulers, regimes = _tables()
    names = sorted(eras, key=len, reverse=True)
    prefixes = sorted(rulers | regimes, key=len, reverse=True)
    return re.compile(
        rf"(?P<prefix>{'|'.join(map(re.escape, prefixes))})?"
        rf"(?P<era>{'|'.join(map(re.escape, names))})"
        rf"(?P<year>元|[{_NUM}]+)[年載载]"
        rf"(?:[，,]?[歲岁](?:在|次)(?P<ygz>[{STEMS}][{BRANCHES}]))?"
        rf"(?:(?P<leap>閏|闰)?(?P<month>正|臘|腊|冬|[{_NUM}]+)月"
        rf"(?:(?P<day>[{_NUM}]+)日|(?P<moon>朔|晦)|(?P<gz>[{STEMS}][{BRANCHES}])日?)?)?"
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
        era=era.name, regime=era.regime.split("|")[0], ruler=era.ruler, valid=False, regime_names=era.regime.split("|")
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
        elif moon == "朔":
            last = first
        elif moon == "晦":
            first = last
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


def find_dates(text: str, regime: str | None = None) -> list[DateMatch]:
    """Every reign-era date in ``text``, resolved; ``regime`` (e.g. the book's dynasty) breaks ties."""
    eras, _m, _r, _g = _tables()
    found = []
    for m in _pattern().finditer(text):
        year = 1 if m["year"] == "元" else parse_number(m["year"])
        month = None
        if m["month"]:
            month = {"正": 1, "臘": 12, "腊": 12, "冬": 11}.get(m["month"]) or parse_number(m["month"])
        day = parse_number(m["day"]) if m["day"] else None
        if year is None or (m["month"] and month is None):
            continue
        prefix = m["prefix"]
        candidates = eras[m["era"]]
        if prefix:
            named = [
                e
                for e in candidates
                if prefix in (e.ruler, e.regime, _simplified(e.ruler), _simplified(e.regime))
                or e.regime.endswith(prefix)
            ]
            candidates = named or candidates
        leap = bool(m["leap"])
        resolved = [_resolve(e, year, month, leap, day, m["gz"], m["moon"], m["ygz"]) for e in candidates]

        def rank(r: Resolution) -> tuple:
            # Valid first; then the book's regime; then the era's earliest use (the best-known one).
            names = r.regime_names or [r.regime]
            in_context = bool(regime) and any(n == regime or regime in n or n in regime for n in names)
            return (not r.valid, not in_context)

        order = sorted(range(len(resolved)), key=lambda k: rank(resolved[k]))
        chosen = resolved[order[0]]
        alternatives = [resolved[k] for k in order[1:]]
        found.append(
            DateMatch(
                text=m.group(0),
                start=m.start(),
                end=m.end(),
                year=year,
                month=month,
                leap=leap,
                day=day,
                day_ganzhi=m["gz"],
                chosen=chosen,
                alternatives=alternatives,
            )
        )
    return found
