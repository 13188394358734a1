"""Reign-era dates: recognition, resolution against DILA, ambiguity, invalid dates, and the annotate stage."""

from __future__ import annotations

import csv
import gzip
import random

import pytest

from entities.dates import DILA, dated_eras, day_ganzhi, find_dates, iso_date, parse_number
from tests.conftest import one_line_book, shared_file


def _one(text: str, regime: str | None = None):
    (match,) = find_dates(text, regime=regime)
    return match


def test_julian_day_conversion_agrees_with_every_dila_month_start():
    path = shared_file("lexicons/dila-time/dila_months.csv")
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            y, m, d = row["first_date"].rsplit("-", 2)
            expected = f"{'-' if y.startswith('-') else ''}{abs(int(y)):04d}-{int(m):02d}-{int(d):02d}"
            assert iso_date(int(row["first_jdn"]))[0] == expected, row


@pytest.mark.parametrize(
    ("text", "regime", "start", "end", "era_regime"),
    [
        ("貞觀元年正月", None, "0627-01-23", "0627-02-20", "唐"),  # the example, Julian
        ("天寶十四載十一月", None, "0755-12-08", "0756-01-06", "唐"),  # 載 for 年; An Lushan's rising
        ("天宝十四载十一月", None, "0755-12-08", "0756-01-06", "唐"),  # simplified forms
        ("獻帝建安十八年二月", None, "0213-03-10", "0213-04-07", "東漢"),  # ruler prefix
        ("崇禎十七年三月十九日", None, "1644-04-25", "1644-04-25", "明"),  # fall of Beijing, Gregorian
        ("永和九年歲在癸丑", None, "0353-02-20", "0354-02-08", "東晉"),  # Lanting preface; year ganzhi checked
        ("開元廿三年", "唐", "0735-01-29", "0736-02-15", "唐"),  # 廿
    ],
)
def test_known_dates(text, regime, start, end, era_regime):
    match = _one(text, regime)
    d = match.as_dict()
    assert (d["valid"], d["from"], d["to"], d["regime"]) == (True, start, end, era_regime)
    assert d["calendar"] == ("gregorian" if start >= "1582-10-15" else "julian")


def test_dila_months_resolve_to_their_own_days():
    """Random months from the shipped tables, written out as text, resolve to the table's first day."""
    rows = list(csv.DictReader(gzip.open(DILA / "months.tsv.gz", "rt", encoding="utf-8"), delimiter="\t"))
    eras = {r["era_id"]: r for r in csv.DictReader(open(DILA / "eras.tsv", encoding="utf-8"), delimiter="\t")}
    numerals = "〇一二三四五六七八九"
    # A month DILA splits at a change of reign starts on its first half's first day.
    month_start: dict[tuple, int] = {}
    for r in rows:
        key = (r["era_id"], r["year"], r["month"], r["leap"])
        month_start[key] = min(month_start.get(key, 10**9), int(r["first_jdn"]))

    def chinese(n: int) -> str:
        tens, ones = divmod(n, 10)
        return ("" if tens == 0 else ("十" if tens == 1 else numerals[tens] + "十")) + (numerals[ones] if ones else "")

    checked = 0
    for row in random.Random(7).sample(rows, 400):
        era = eras.get(row["era_id"])
        if era is None or era["era_name"].startswith("（") or not era["first_jdn"] or int(row["year"]) >= 100:
            continue
        year = "元" if row["year"] == "1" else chinese(int(row["year"]))
        leap = "閏" if row["leap"] == "1" else ""
        month = "正" if row["month"] == "1" else chinese(int(row["month"]))
        text = f"{era['ruler']}{era['era_name']}{year}年{leap}{month}月朔"
        match = _one(text, era["regime"])
        resolutions = [match.chosen, *match.alternatives]
        ours = [r for r in resolutions if r.regime == era["regime"].split("|")[0] and r.ruler == era["ruler"]]
        first = month_start[(row["era_id"], row["year"], row["month"], row["leap"])]
        assert ours and ours[0].start == iso_date(first)[0], text
        checked += 1
    assert checked > 300


def test_ambiguous_era_returns_every_candidate_and_context_chooses():
    match = _one("太和三年")
    regimes = {match.chosen.regime, *(a.regime for a in match.alternatives)}
    assert {"曹魏", "北魏", "唐"} <= regimes
    assert _one("太和三年", regime="北魏").chosen.regime == "北魏"
    assert _one("太和三年", regime="唐").chosen.start.startswith("0829")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("貞觀十三年十三月", "month 13"),
        ("貞觀二年正月三十日", "29-day month"),  # 貞觀二年正月 had 29 days
        ("貞觀九十年", "no year 90"),
        ("永和九年歲在甲子", "not 甲子"),
    ],
)
def test_invalid_dates_are_reported_not_guessed(text, error):
    match = _one(text, "東晉" if "永和" in text else "唐")
    assert not match.chosen.valid and error in match.chosen.error
    assert "from" not in match.as_dict()


def test_numerals_and_sexagenary_days():
    cases = {"三": 3, "十": 10, "十三": 13, "二十三": 23, "廿三": 23, "卅": 30, "一百": 100, "一〇三": 103}
    assert {x: parse_number(x) for x in cases} == cases
    assert day_ganzhi(2451545) == "戊午"  # 2000-01-01
    match = _one("貞觀元年正月甲子", "唐")
    assert match.chosen.valid and day_ganzhi(2451545 + (int(match.chosen.start[-2:]) - 1)) is not None
    assert match.chosen.start == match.chosen.end


def test_offsets_point_into_the_line():
    line = "臣聞貞觀元年正月，太宗即位。"
    match = _one(line)
    assert line[match.start : match.end] == match.text == "貞觀元年正月"


def test_annotate_stage_spans_stay_inside_sentences_and_leave_text_alone():
    from tasks.annotate import annotate_book
    from wenyuan.document import BookMetadata, Sentence

    text = "貞觀元年正月太宗即位天寶十四載十一月"
    book = one_line_book(
        text,
        [Sentence(id="s1", start=0, end=10), Sentence(id="s2", start=10, end=len(text))],
        BookMetadata(dynasty="唐"),
    )
    annotate_book(book)
    assert book.text == text
    spans = [(e.start, e.end, e.text) for e in book.entities if e.kind == "date"]
    assert spans == [(0, 6, "貞觀元年正月"), (10, 18, "天寶十四載十一月")]
    for e in book.entities:
        assert any(s.start <= e.start and e.end <= s.end for s in book.sentences)
        assert text[e.start : e.end] == e.text


def test_annotated_dates_export_as_valid_tei_and_round_trip():
    from lxml import etree

    from tasks.annotate import annotate_book
    from tasks.tei import TEI_NS, book_to_tei, validate_tei
    from tasks.tei_import import tei_to_book
    from wenyuan.document import Char, Sentence

    text = "貞觀元年正月太宗即位"
    chars = [Char(text=c) for c in text]
    chars[-1].punct_after = "。"
    book = one_line_book(chars, [Sentence(id="s00001", start=0, end=len(text))])
    annotate_book(book)
    tree = book_to_tei(book)
    assert validate_tei(tree) == []
    dates = tree.xpath("//t:s//t:date", namespaces={"t": TEI_NS})
    assert [(d.text, d.get("from"), d.get("to")) for d in dates] == [("貞觀元年正月", "0627-01-23", "0627-02-20")]
    again = book_to_tei(tei_to_book(tree))
    assert etree.tostring(again) == etree.tostring(tree)


def test_cli_prints_one_json_object_per_date():
    import json

    from click.testing import CliRunner

    from app.cli import main

    out = CliRunner().invoke(main, ["dates"], input="無日期\n貞觀元年正月，天寶十四載\n")
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert [(r["line"], r["text"], r["start"], r["end"]) for r in rows] == [
        (2, "貞觀元年正月", 0, 6),
        (2, "天寶十四載", 7, 12),
    ]
    assert rows[0]["from"] == "0627-01-23" and rows[0]["calendar"] == "julian"
    assert isinstance(rows[0]["alternatives"], list)


# A biography as the histories write it (程鉅夫, 元史 172): the era once, then the years counted on in it.
BIOGRAPHY = [
    "至元十九年，奏陳五事。",
    "賜地京師。二十年，加翰林集賢直學士。",
    "二十四年六月，授兵部郎中。",
    "居三年而卒，年七十。",
    "三十年，出為閩海道肅政廉訪使。大德四年，遷江南湖北道。",
    "八年，召拜翰林學士。",
    "二年，召至上都。",
]


def test_years_without_their_era_are_read_in_the_era_named_before():
    from entities.dates import find_dates_in_sequence

    found = [
        [(d.text, d.chosen.era, d.chosen.start, d.era_from) for d in dates]
        for dates in find_dates_in_sequence(BIOGRAPHY)
    ]
    assert found == [
        [("至元十九年", "至元", "1282-02-10", None)],
        [("二十年", "至元", "1283-01-30", "至元十九年")],
        [("二十四年六月", "至元", "1287-07-12", "至元十九年")],
        [],  # a duration, not a date
        [("三十年", "至元", "1293-02-08", "至元十九年"), ("大德四年", "大德", "1300-01-23", None)],
        # Yuan's 大德 (the last date's regime), not Western Xia's, which had no 8th year.
        [("八年", "大德", "1304-02-06", "大德四年")],
        [],  # counting back is not counting on: no guess
    ]
    # Each line alone, the bare years are not dates at all.
    assert [len(find_dates(line)) for line in BIOGRAPHY] == [1, 0, 0, 0, 1, 0, 0]


def test_cli_carries_the_era_between_lines_unless_told_not_to():
    import json

    from click.testing import CliRunner

    from app.cli import main

    text = "\n".join(BIOGRAPHY[:3]) + "\n"
    rows = [json.loads(x) for x in CliRunner().invoke(main, ["dates"], input=text).stdout.splitlines()]
    assert [(r["line"], r["text"], r["era"], r.get("era_from")) for r in rows] == [
        (1, "至元十九年", "至元", None),
        (2, "二十年", "至元", "至元十九年"),
        (3, "二十四年六月", "至元", "至元十九年"),
    ]
    assert rows[2]["from"] == "1287-07-12" and rows[2]["to"] == "1287-08-10"
    apart = CliRunner().invoke(main, ["dates", "--lines-apart"], input=text).stdout.splitlines()
    assert [json.loads(x)["text"] for x in apart] == ["至元十九年"]


def test_annotate_stage_marks_a_carried_era_as_less_certain():
    from tasks.annotate import annotate_book
    from wenyuan.document import Sentence

    first, second = "正隆元年，遷鳳翔尹。", "五年，徙汾陽軍節度使。"  # 金史: 正隆 is Jin's alone
    text = first + second
    sentences = [Sentence(id="s1", start=0, end=len(first)), Sentence(id="s2", start=len(first), end=len(text))]
    book = one_line_book(text, sentences)
    annotate_book(book)
    dates = [(e.text, e.confidence, e.attributes.get("era_from")) for e in book.entities if e.kind == "date"]
    assert dates == [("正隆元年", 1.0, None), ("五年", 0.6, "正隆元年")]


@pytest.mark.parametrize(
    ("line", "text", "start", "end"),
    [
        # A dynasty before the ruler narrows the era and belongs to the date.
        ("至漢武帝元封元年七月七日夜", "漢武帝元封元年七月七日", "-0109-08-02", "-0109-08-02"),
        # The year's stem-branch written bare after it; a wrong one is left out of the date.
        ("元封元年辛未七月七日夜", "元封元年辛未七月七日", "-0109-08-02", "-0109-08-02"),
        ("元封元年甲子七月七日夜", "元封元年", "-0110-11-03", "-0109-11-21"),
        # A season between year and month belongs to the date; without a month it does not.
        ("乾祐元年春正月乙卯，大赦", "乾祐元年春正月乙卯", "0948-02-17", "0948-02-17"),
        ("貞元元年秋，朔方部將", "貞元元年", "0785-02-14", "0786-02-03"),
        # A stem-branch day that is also the new moon.
        ("天福三年正月戊申朔，帝御崇元殿", "天福三年正月戊申朔", "0938-02-02", "0938-02-02"),
    ],
)
def test_annals_forms(line, text, start, end):
    match = _one(line)
    assert (match.text, match.chosen.start, match.chosen.end) == (text, start, end)


def test_a_stem_branch_new_moon_that_was_not_is_invalid():
    match = _one("天福三年正月己酉朔")
    assert not match.chosen.valid and "first day" in match.chosen.error


def test_an_era_named_without_a_year_is_counted_on_from_its_first():
    from entities.dates import find_dates_in_sequence

    texts = ["大曆六年，兼御史中丞。", "建中初，段秀實為宰相楊炎所惡。", "二年，遷檢校左僕射。", "三年薨，年八十一。"]
    found = [[(d.text, d.chosen.era, d.chosen.start, d.era_from) for d in ds] for ds in find_dates_in_sequence(texts)]
    assert found == [
        [("大曆六年", "大曆", "0771-01-21", None)],
        [],
        [("二年", "建中", "0781-01-29", "建中初")],
        [("三年", "建中", "0782-01-19", "建中初")],
    ]


def test_an_era_name_inside_a_clause_is_not_an_era_context():
    from entities.dates import find_dates_in_sequence

    # 長安 is a city as well as an era (701-704); 居長安中 is "living in Chang'an".
    texts = ["開元二年，拜中書令。", "後居長安中，三年卒。"]
    found = [[(d.text, d.chosen.era, d.chosen.start) for d in ds] for ds in find_dates_in_sequence(texts)]
    assert found == [[("開元二年", "開元", "0714-01-21")], [("三年", "開元", _one("開元三年").chosen.start)]]
    at_head = find_dates_in_sequence(["長安中，為鳳閣舍人。", "三年，卒。"])
    heading = [[(d.text, d.chosen.era) for d in ds] for ds in at_head]
    assert heading == [[], [("三年", "長安")]]


def test_dated_eras_span_the_era_to_its_year_and_leave_the_ruler_out():
    text = "漢武帝元狩二年，霍去病擊匈奴。延光元年"
    assert [text[a:b] for a, b in dated_eras(text)] == ["元狩二年", "延光元年"]
    assert dated_eras("延光迎之，元年") == []  # no era before a year, no year after an era


@pytest.mark.parametrize(
    ("text", "era", "regime", "year"),
    [
        ("乾宁元年", "乾寧", "唐", "0894"),  # simplified text keeps 乾, where OpenCC reads 干 "dry"
        ("乾符二年", "乾符", "唐", "0875"),
        ("干明元年", "乾明", "北齊", "0560"),  # the corpora's OpenCC form is read too
        ("乾道二年二月", "乾道", "南宋", "1166"),
    ],
)
def test_eras_named_with_qian_in_simplified_text(text, era, regime, year):
    d = _one(text).as_dict()
    assert (d["valid"], d["era"], d["regime"], d["from"][:4]) == (True, era, regime, year)
    assert dated_eras(text) == [(0, 4)]
