"""Years before the common era, numbered as each standard the editions follow prescribes (docs/dates.md).

Two numberings are in use. Historians write 770 BCE as -770 and have no year 0; astronomers (and ISO 8601
since 2004, and XML Schema 1.1) count 1 BCE as year 0, so 770 BCE is -769. Inside wenyuan, dates resolved from
the DILA tables (``entities.dates``) carry astronomical years, and the dynasty table (``dynasties.tsv``)
historians' years. Each export converts to its standard:

- TEI: ``att.datable.w3c`` follows XML Schema Part 2 Second Edition (1.0): no year 0000, -0001 is 1 BCE
  (the Guidelines' own example: ``<date when="-0056">56 BC</date>``). Historians' numbering.
- LIDO (``earliestDate``/``latestDate``) and Dublin Core (``dcterms:date``) recommend ISO 8601: 0000 is
  1 BCE, -0769 is 770 BCE. Astronomical numbering.
"""

from __future__ import annotations

import re

_LEADING_YEAR = re.compile(r"^(-?)(\d{4,})(.*)$")


def astronomical_from_historical(year: int) -> int:
    """-770 (770 BCE) -> -769; CE years unchanged. Year 0 does not exist in this numbering."""
    if year == 0:
        raise ValueError("historians' numbering has no year 0")
    return year + 1 if year < 0 else year


def historical_from_astronomical(year: int) -> int:
    """-769 -> -770 (770 BCE); 0 -> -1 (1 BCE); CE years unchanged."""
    return year - 1 if year <= 0 else year


def iso8601_year(astronomical: int) -> str:
    """ISO 8601 year text (at least 4 digits, sign for years before 1): 0 -> 0000, -769 -> -0769."""
    return f"-{-astronomical:04d}" if astronomical < 0 else f"{astronomical:04d}"


def xsd10_year(astronomical: int) -> str:
    """XML Schema 1.0 year text (TEI): -769 -> -0770, 0 -> -0001."""
    historical = historical_from_astronomical(astronomical)
    return f"-{-historical:04d}" if historical < 0 else f"{historical:04d}"


def _reyear(text: str, convert) -> str:
    m = _LEADING_YEAR.match(text)
    if not m:
        raise ValueError(f"not a date with a leading year: {text!r}")
    year = int(m.group(2)) * (-1 if m.group(1) else 1)
    return convert(year) + m.group(3)


def xsd10_from_iso8601(date: str) -> str:
    """An ISO 8601 date (astronomical year) as TEI writes it: -0140-11-04 -> -0141-11-04."""
    return _reyear(date, xsd10_year)


def iso8601_from_xsd10(date: str) -> str:
    """A TEI (XML Schema 1.0) date back to ISO 8601: -0141-11-04 -> -0140-11-04."""

    def back(year: int) -> str:
        if year == 0:
            raise ValueError("XML Schema 1.0 has no year 0000")
        return iso8601_year(astronomical_from_historical(year))

    return _reyear(date, back)
