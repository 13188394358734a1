"""BCE years in each standard's numbering (wenyuan.years, docs/dates.md), on known dates."""

from __future__ import annotations

import pytest

from wenyuan.years import (
    astronomical_from_historical,
    iso8601_from_xsd10,
    iso8601_year,
    xsd10_from_iso8601,
    xsd10_year,
)


@pytest.mark.parametrize(
    ("historical", "astronomical", "iso", "xsd10"),
    [
        (-770, -769, "-0769", "-0770"),  # 周平王東遷, the start of 春秋: 770 BCE
        (-221, -220, "-0220", "-0221"),  # 秦 unifies the states: 221 BCE
        (-1, 0, "0000", "-0001"),  # 1 BCE
        (1, 1, "0001", "0001"),  # 1 CE: the numberings agree from here on
        (627, 627, "0627", "0627"),
    ],
)
def test_the_numberings(historical, astronomical, iso, xsd10):
    assert astronomical_from_historical(historical) == astronomical
    assert iso8601_year(astronomical) == iso
    assert xsd10_year(astronomical) == xsd10


def test_a_resolved_date_is_written_for_tei_and_read_back():
    from entities.dates import find_dates

    # 漢武帝建元元年冬十月: the DILA tables give its first day in ISO 8601 (astronomical) years.
    found = [m.as_dict() for m in find_dates("漢武帝建元元年冬十月")]
    assert found[0]["from"] == "-0140-11-04"  # 141 BCE, as astronomers count
    assert xsd10_from_iso8601(found[0]["from"]) == "-0141-11-04"  # 141 BCE, as TEI (XML Schema 1.0) writes it
    assert iso8601_from_xsd10("-0141-11-04") == "-0140-11-04"
    assert xsd10_from_iso8601("0627-01-23") == "0627-01-23"
    with pytest.raises(ValueError):
        iso8601_from_xsd10("0000")  # no year 0 in XML Schema 1.0
