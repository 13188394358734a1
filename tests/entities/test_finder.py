"""Lexicon entities (book titles, offices) and the annotate stage's combination with dates."""

from __future__ import annotations

import itertools

import pytest
from lxml import etree

from entities.finder import find_entities
from tasks.annotate import annotate_book
from tasks.tei import TEI_NS, book_to_tei, validate_tei
from tasks.tei_import import tei_to_book
from tests.conftest import one_line_book
from wenyuan.document import Sentence


def test_titles_and_offices_are_found_in_traditional_text_with_aligned_offsets():
    text = "臣讀孝經及華嚴經，拜大將軍"
    spans = [(s.kind, s.start, s.end, s.text) for s in find_entities(text)]
    assert ("title", 2, 4, "孝經") in spans and ("title", 5, 8, "華嚴經") in spans
    assert ("office", 10, 13, "大將軍") in spans  # the longest entry wins over 將軍
    for _kind, start, end, found in spans:
        assert text[start:end] == found


def test_annotation_keeps_entities_inside_sentences_dates_first_and_exports_valid_tei():
    text = "貞觀元年正月太宗讀孝經拜丞相"
    book = one_line_book(text, [Sentence(id="s00001", start=0, end=9), Sentence(id="s00002", start=9, end=len(text))])
    annotate_book(book)
    assert [(e.kind, e.text) for e in book.entities] == [
        ("date", "貞觀元年正月"),
        ("person", "太宗"),
        ("title", "孝經"),
        ("office", "丞相"),
    ]
    assert book.text == text
    for e in book.entities:
        assert any(s.start <= e.start and e.end <= s.end for s in book.sentences)
    tree = book_to_tei(book)
    assert validate_tei(tree) == []
    ns = {"t": TEI_NS}
    assert tree.xpath("//t:s//t:title/text()", namespaces=ns) == ["孝經"]
    assert tree.xpath("//t:s//t:persName/text()", namespaces=ns) == ["太宗"]
    assert tree.xpath("//t:s//t:persName/@cert", namespaces=ns) == ["0.80"]  # the pattern's confidence
    assert tree.xpath("//t:s//t:date/@cert", namespaces=ns) == ["0.60"]  # 貞觀: more than one regime, no dynasty
    assert tree.xpath("//t:s//t:roleName[@type='office']/text()", namespaces=ns) == ["丞相"]
    assert etree.tostring(book_to_tei(tei_to_book(tree))) == etree.tostring(tree)


def test_rerunning_annotation_does_not_duplicate_entities():
    text = "讀孝經"
    book = one_line_book(text, [Sentence(id="s1", start=0, end=len(text))])
    annotate_book(book)
    annotate_book(book)
    assert [(e.kind, e.text) for e in book.entities] == [("title", "孝經")]


def test_courtesy_name_pattern_finds_people_no_lexicon_knows():
    # 韋叔裕 is in no lexicon of ours under this made-up style; the pattern X字Y names both.
    text = "曰韋叔裕字孝寬京兆杜陵人也"
    spans = [(s.kind, s.text, s.method) for s in find_entities(text)]
    assert ("person", "韋叔裕", "style-pattern") in spans
    assert ("person", "孝寬", "style-pattern") in spans
    assert all(s.kind != "person" or not s.text.startswith("曰") for s in find_entities(text))


def test_courtesy_name_pattern_reads_punctuated_biographies_but_not_titles_kin_or_origins():
    # Punctuated histories open a life with a comma before 字 (陈桷，字季壬: both are in no lexicon).
    persons = [(s.text, s.method) for s in find_entities("陳桷，字季壬，溫州平陽人。") if s.kind == "person"]
    assert persons == [("陳桷", "style-pattern"), ("季壬", "style-pattern")]
    # A prince's title, a kinsman and a place of origin before "，字" are no names (of 南康简王绩, 曾孙轨, 曾参).
    for text in ("南康簡王績，字世謹", "陸曾孫軌，字法寄", "南武城人，字子輿", "苔生其上，字不可識"):
        assert not [s for s in find_entities(text) if s.method == "style-pattern"], text


def test_courtesy_name_pattern_leaves_the_place_of_origin_before_the_name():
    # cm_dev and cm_train: 阳 ends 咸阳 and 东阳 (and is a surname too); 茅 is a surname our list lacks
    for text, place, name in (("咸陽茅盈字叔申", "咸陽", "茅盈"), ("東陽劉寵字道弘", "東陽", "劉寵")):
        spans = [(s.kind, s.text) for s in find_entities(text)]
        assert ("place", place) in spans and ("person", name) in spans, spans


def test_a_name_written_between_its_office_and_a_mark_is_a_person():
    def persons(text: str) -> list[tuple[str, str]]:
        return [(s.text, s.method) for s in find_entities(text) if s.kind == "person"]

    # 钱九陇 is in no lexicon; the office before it and the comma after it mark it (旧唐书).
    assert ("錢九隴", "office-name-pattern") in persons("敬宗嫁女與左監門大將軍錢九隴，本皇家隸人")
    # A verb written onto the name is no part of it: 贾延 was dismissed (免).
    assert ("賈延", "office-name-pattern") in persons("御史大夫賈延免。")
    # The 为 of a new appointment ends the name too, and a kin word after it is no part of it.
    assert ("高銖", "office-name-pattern") in persons("乙卯，以給事中高銖為浙東觀察使")
    assert ("殷淳", "office-name-pattern") in persons("納黃門侍郎殷淳女為妃。")
    # No surname, or a word that is no name, after the office: nothing.
    assert persons("拜太守，治有聲") == [] and persons("太守左右，皆驚") == []


def test_a_speaker_without_a_surname_heading_a_clause_before_speech_is_a_person():
    def persons(text: str) -> list[tuple[str, str]]:
        return [(s.text, s.method) for s in find_entities(text) if s.kind == "person"]

    # 子罕 and 有功 (徐有功 named by his given name) begin with no surname and are in no lexicon (左传, 旧唐书).
    assert persons("子罕曰： 我以不貪為寶") == [("子罕", "speaker-pattern")]
    assert [s.confidence for s in find_entities("子罕曰： 我以不貪為寶")] == [0.7]  # surer with a surname
    assert ("有功", "speaker-pattern") in persons("上問之，有功曰： 永昌赦令")
    # 曰 with no speech after it is "is called"; a pronoun, a verb, a word of writing or a common noun before
    # 曰 is no name.
    for text in ("冰井曰崇光", "其母曰： 此故汝", "紘諫曰： 夫兵者", "上疏曰： 臣聞", "先生曰： 善", "說進曰： 此"):
        assert persons(text) == [], text


def test_a_speaker_without_a_surname_is_found_wherever_the_document_names_him():
    from entities.annotator import annotate_document

    lines = ["宋人或得玉，獻諸子罕。", "子罕曰： 我以不貪為寶。"]
    persons = [[(e["text"], e["method"]) for e in found if e["kind"] == "person"] for found in annotate_document(lines)]
    assert persons == [[("子罕", "document-name")], [("子罕", "speaker-pattern")]]
    assert [e for e in annotate_document(lines[:1])[0] if e["kind"] == "person"] == []


def test_rulers_by_rank_are_persons_and_states_after_verbs_are_places():
    text = "宋公楚子會于盂晉人伐鄭"
    spans = [(s.kind, s.text) for s in find_entities(text)]
    assert ("person", "宋公") in spans and ("person", "楚子") in spans
    assert ("place", "晉") in spans and ("place", "鄭") in spans
    assert ("place", "宋") not in spans  # inside the ruler's name, not a place of its own


def test_posthumous_and_temple_names_are_persons_but_honorifics_are_not():
    spans = [(s.kind, s.text, s.method) for s in find_entities("漢武帝遣使，太宗在藩邸，明公幸聽之。")]
    assert ("person", "漢武帝", "posthumous-pattern") in spans
    assert ("person", "太宗", "posthumous-pattern") in spans
    assert not any(text.startswith("明公") for _kind, text, _m in spans)  # "Your Excellency"
    two = [(s.kind, s.text) for s in find_entities("去歲已曾攝文宣王")]
    assert ("person", "文宣王") in two  # two posthumous characters, not 宣王 alone


def test_a_whole_posthumous_name_goes_before_the_lexicon_unless_a_fief_title_or_office_runs_into_it():
    def read(text: str) -> list[tuple[str, str]]:
        return [(s.kind, s.text) for s in find_entities(text)]

    assert ("person", "漢高祖") in read("昔漢高祖亦從太上皇置酒此宮")  # not 高祖 of the lexicon alone
    assert read("漢宣帝地節三年")[0] == ("person", "漢宣帝")  # not the lexicon's place 帝地
    assert ("place", "安定") in read("魏主遣安定王休帥從官")  # the Prince of Anding: no 定王
    assert not any(text == "魯元公" for _kind, text in read("以為魯元公主湯沐邑"))  # a princess
    assert ("person", "王思政") in read("從世宗平王思政於潁川")  # 平 "put down" 王思政, no 平王
    assert ("office", "侍中") in read("使侍中宗敞送降箋於曜")  # no 中宗


def test_states_listed_together_are_places():
    spans = [(s.kind, s.text) for s in find_entities("秦盡韓、魏之上黨")]
    assert ("place", "韓") in spans and ("place", "魏") in spans


def test_prefectures_are_places_but_not_determiner_phrases():
    spans = [(s.kind, s.text) for s in find_entities("貶信州司馬諸州皆震")]
    assert ("place", "信州") in spans
    assert not any(text.endswith("州") and text != "信州" for _kind, text in spans)


def test_a_place_takes_the_administrative_unit_written_after_it():
    # 順昌 is in the place lexicon, 順昌府 is not; 江州 already ends in its unit and takes no second one.
    spans = [(s.kind, s.text) for s in find_entities("改知順昌府，徙江州州學")]
    assert ("place", "順昌府") in spans and ("place", "江州") in spans
    assert ("place", "順昌") not in spans
    # a circuit (路, 道) is a unit too: cm_dev 提点福建路刑狱
    assert ("place", "福建路") in [(s.kind, s.text) for s in find_entities("宣和七年，提點福建路刑獄。")]


def test_places_listed_before_their_count_and_unit_are_each_a_place():
    def listed(text: str) -> list[str]:
        return [s.text for s in find_entities(text) if s.method == "unit-list-pattern"]

    assert listed("以博、冀二州為屬郡") == ["博", "冀"]
    assert listed("犯隨、郢、復等州") == ["隨", "郢", "復"]
    assert listed("督荊、湘等六州諸軍事") == ["荊", "湘"]
    assert listed("領山東、大名、衛輝三路軍") == ["衛輝"]  # 山東 and 大名 are in the lexicons already
    assert listed("以大將軍、梁、益二州牧") == ["梁", "益"]  # 軍 ends an office, not a place
    assert listed("東、西兩路") == [] and listed("錄尚書、三十州") == []
    assert listed("辟驃騎、司空二府") == [] and listed("宣武軍節度、汴宋等州觀察使") == []
    assert listed("知浚、太康、任丘三縣") == ["太康", "任丘"]  # the match took the verb 知 with 浚
    assert listed("分西北、西南二路") == [] and listed("使持節、會稽二郡") == []


def test_foreign_states_and_peoples_are_places_from_the_hand_list():
    spans = [(s.kind, s.text, s.method) for s in find_entities("是歲，吐蕃、回紇遣使來朝")]
    assert ("place", "吐蕃", "polity-lexicon") in spans and ("place", "回紇", "polity-lexicon") in spans


def test_historical_regions_are_places_from_the_hand_list():
    spans = [(s.kind, s.text, s.method) for s in find_entities("金人攻江西者，致兩淮侵擾")]
    assert ("place", "江西", "region-lexicon") in spans and ("place", "兩淮", "region-lexicon") in spans


def test_the_jurchen_state_is_a_place_only_where_jin_cannot_be_gold_or_a_statue():
    def jin(text: str) -> list[int]:
        return [s.start for s in find_entities(text) if s.kind == "place" and s.text == "金"]

    assert jin("金人陷相州") == [0] and jin("靖康末，金人入侵") == [4]
    assert jin("敗金人於盱眙") == [1] and jin("金兵已迫") == [0]
    assert jin("銷鋒鍉鑄以為金人十二") == [] and jin("收休屠祭天金人") == []
    assert jin("乃一金人，仆於草間") == [] and jin("賜金帛無算") == [] and jin("罰以金軍") == []


def test_an_author_cited_by_a_works_title_is_a_person():
    def cited(text: str) -> list[str]:
        return [s.text for s in find_entities(text) if s.kind == "person"]

    assert cited("庾仲雍《江水記》曰：若城至") == ["庾仲雍"]
    assert cited("晉郭太儀《果賦》云") == ["郭太儀"]  # not 晉郭太儀 (too long a given name), nor 郭太 of the lexicon
    assert cited("崔瑗作《草書勢》曰") == ["崔瑗"] and cited("韓嬰敘《詩》云") == ["韓嬰"]
    assert cited("鄭注《儀禮》云") == [] and cited("余按《國語》曰") == [] and cited("晉又改《昭武舞》曰") == []
    # Without a verb of citing, no pattern names the author: only the lexicon's given name 仲雍 is read.
    assert cited("梁帝《金樓子》云") == [] and cited("庾仲雍《江水記》") == ["仲雍"]


def test_names_inside_a_titles_marks_are_part_of_the_title():
    spans = [(s.kind, s.text) for s in find_entities("至大元年，修《成宗實錄》。")]
    assert not any(kind == "person" for kind, _ in spans)
    assert ("place", "西京") not in [(s.kind, s.text) for s in find_entities("張衡《西京》云：日月於是乎出入")]
    assert ("person", "成宗") in [(s.kind, s.text) for s in find_entities("成宗即位，召為翰林學士")]


def test_no_name_is_read_inside_an_era_named_without_a_year():
    assert [s.text for s in find_entities("靖康末，金人入侵")] == ["金"]  # not 康末 of the mined lexicon
    assert ("person", "宋高宗") in [(s.kind, s.text) for s in find_entities("宋高宗建炎初，遣使")]
    assert ("place", "長安") in [(s.kind, s.text) for s in find_entities("居長安中，")]  # no era: 长安 the city


def test_no_name_is_read_inside_an_era_and_its_year():
    # 延光, 长安 and 永嘉 are also in the lexicons (a given name, the city, a commandery); before a year, the era.
    assert [(s.kind, s.text) for s in find_entities("延光四年，辟司徒李郃府")] == [
        ("office", "司徒"),
        ("person", "李郃"),
    ]
    assert ("place", "長安") not in [(s.kind, s.text) for s in find_entities("長安三年，拜中臺右丞")]
    assert not any(s.text in ("黃龍", "龍三") for s in find_entities("黃龍三年，召岱還屯長沙"))
    # A longer name that holds an era is still read, as is the era's word where no year follows.
    assert ("person", "竇建德") in [(s.kind, s.text) for s in find_entities("竇建德六年，攻之")]
    assert ("place", "長安") in [(s.kind, s.text) for s in find_entities("至長安，謁見")]


def test_the_corpus_variant_of_a_surname_is_matched_in_its_usual_form():
    # The corpora write 硃 for the surname 朱 (硃全忠); the lexicon holds 朱全忠, the span keeps the page's text.
    spans = [(s.kind, s.text) for s in find_entities("硃全忠遣使來朝，加檢校太尉")]
    assert ("person", "硃全忠") in spans
    assert ("office", "檢校太尉") in spans and not any(kind == "place" and "檢校" in text for kind, text in spans)


def test_offices_come_whole_from_the_mined_list_without_the_place_before_them():
    spans = [(s.kind, s.text) for s in find_entities("貶信州司馬，尋轉尚書左丞，加檢校太子少師，遷歸德軍節度使")]
    assert ("place", "信州") in spans and ("office", "司馬") in spans
    assert ("office", "尚書左丞") in spans and ("office", "檢校太子少師") in spans
    assert ("office", "歸德軍節度使") in spans


def test_a_tagged_full_name_replaces_the_surname_or_short_name_the_rules_found_alone():
    # Tagged spans as the learned tagger gives them: (kind, start, end, confidence).
    def found(text: str, tagged: list) -> set:
        return {(s.kind, s.text, s.method) for s in find_entities(text, None, tagged)}

    # 趙 after an office is taken for the state 趙 by the rules; the tagger reads the person 趙延暉.
    text = "節度使趙延暉盡禮奉迎"
    assert ("place", "趙", "state-pattern") in found(text, [])
    assert ("person", "趙延暉", "entity-tagger") in found(text, [("person", 3, 6, 0.7)])
    assert not any(kind == "place" for kind, _, _ in found(text, [("person", 3, 6, 0.7)]))
    # The lexicon knows 楊仁; the tagger reads 楊仁美, a surname and a two-character given name.
    text = "于闐國王楊仁美遣使貢方物"
    assert ("person", "楊仁", "person-lexicon") in found(text, [])
    assert ("person", "楊仁美", "entity-tagger") in found(text, [("person", 4, 7, 0.7)])
    # The lexicon knows the given name 彥詢 used alone; the tagger reads the surname before it.
    text = "己未，晉遣楊彥詢來貢。"
    assert found(text, []) == {("person", "彥詢", "person-lexicon")}
    assert found(text, [("person", 5, 8, 0.7)]) == {("person", "楊彥詢", "entity-tagger")}
    assert found("詔使彥詢來", [("person", 1, 4, 0.7)]) == {("person", "彥詢", "person-lexicon")}  # 使 is no surname
    # A three-character name of the lexicon is whole: a longer tagged span does not take it over.
    assert found("帝論賈似道誤國", [("person", 2, 6, 0.9)]) == {("person", "賈似道", "person-lexicon")}
    # Nor does a tagged name that would swallow a place the rules found.
    rules_alone = found("于闐國王楊仁美", [])
    assert found("于闐國王楊仁美", [("person", 0, 7, 0.9)]) == rules_alone


def test_a_tagged_place_one_character_longer_replaces_a_county_or_place_cut_short():
    def places(text: str, start: int, end: int) -> list[str]:
        return [s.text for s in find_entities(text, tagged=[("place", start, end, 0.7)]) if s.kind == "place"]

    assert places("邛州臨漢縣內有湫", 2, 5) == ["邛州", "臨漢縣"]  # not the suffix pattern's 漢縣
    assert places("王鎮惡陷江陵城", 4, 7) == ["江陵城"]  # a place suffix after the lexicon's 江陵
    assert places("振京城饑民", 0, 3) == ["京城"]  # 振 "relieve" is no part of the name
    assert "寧州山" not in places("永寧州山崩", 1, 4)  # 山 after a prefecture: the mountains collapsed


def test_the_taggers_one_character_persons_are_dropped():
    # 孟 of 孟頫 (頫 is rare): a name cut short, not a person.
    assert find_entities("前史官楊載稱孟頫之才", None, [("person", 6, 7, 0.6)]) == []


def test_legendary_figures_are_persons_from_the_hand_list():
    spans = [(s.kind, s.text, s.method) for s in find_entities("神農氏衰，蚩尤作亂，黃帝伐之")]
    assert {("person", "神農", "legend-lexicon"), ("person", "蚩尤", "legend-lexicon")} <= set(spans)
    assert ("person", "黃帝", "legend-lexicon") in spans


def test_person_and_place_lexicons_say_where_each_entry_came_from():
    from entities.lexicons import LEXICONS

    for name, kind in (("persons.tsv", "person"), ("places.tsv", "place")):
        lines = (LEXICONS / name).read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("#") and "NiuTrans" in lines[0]
        rows = [line.split("\t") for line in lines if not line.startswith("#")]
        assert rows[0] == [kind, "count", "method"]
        assert len(rows) > 1000
        known = {
            "style-pattern",
            "courtesy-name",
            "origin-pattern",
            "speaker-pattern",
            "suffix-pattern",
            "copy-through",
            "copy-through-bare",
            "copy-through-wordlike-surname",
        }
        assert all(int(count) > 0 and set(method.split("+")) <= known for _, count, method in rows[1:])


@pytest.mark.parametrize(("name", "size"), [("entities_dev", 150), ("entities_heldout", 140)])
def test_hand_checked_set_spans_point_at_their_text(name, size):
    import json

    from tests.conftest import ROOT

    rows = [json.loads(line) for line in (ROOT / "corpora" / "eval" / f"{name}.jsonl").read_text().splitlines()]
    assert len(rows) >= size
    for row in rows:
        for e in row["entities"]:
            assert row["text"][e["start"] : e["end"]] == e["text"] and e["kind"] in {"person", "place", "office"}
        spans = sorted((e["start"], e["end"]) for e in row["entities"])
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans)), row["text"]


def test_names_listed_beside_a_known_person_are_persons():
    spans = [(s.kind, s.text, s.method) for s in find_entities("怀光復劫李建徽、楊惠元等軍")]
    assert ("person", "李建徽", "person-lexicon") in spans
    assert ("person", "楊惠元", "list-pattern") in spans
    # no known person in the list: nothing is guessed
    assert not [s for s in find_entities("劫甲乙、丙丁等軍") if s.kind == "person"]


def test_a_given_name_alone_is_found_after_the_full_name_in_the_same_book():
    # 建徽 alone is in no lexicon; 李建徽 is
    text = "李建徽反上遣使諭建徽建徽不從"
    book = one_line_book(text, [Sentence(id="s00001", start=0, end=5), Sentence(id="s00002", start=5, end=len(text))])
    annotate_book(book)
    persons = [(e.text, e.method) for e in book.entities if e.kind == "person"]
    assert persons == [("李建徽", "person-lexicon"), ("建徽", "name-propagation"), ("建徽", "name-propagation")]
    # without the full name, the second sentence alone gives the given name no special standing
    alone = one_line_book(text[5:], [Sentence(id="s00001", start=0, end=len(text) - 5)])
    annotate_book(alone)
    assert all(e.method != "name-propagation" for e in alone.entities)


def persons_in(document: list[str], sentence: str) -> list[tuple[str, int]]:
    from entities.document_names import document_given_names

    extra = document_given_names(document)
    return [(e.text, e.start) for e in find_entities(sentence, extra) if e.kind == "person"]


def test_a_one_character_given_name_is_a_person_where_a_clause_opens_with_it_or_a_verb_takes_it():
    # cm_dev: 陈桷 named in full once, then 桷 alone; his courtesy name 季壬 gives no given name 壬
    told = "桷入乱兵中，谕以祸福，贼气沮，邀桷奏帅臣自毙，桷诡从其请。"
    chapter = ["陈桷，字季壬，温州平阳人。", told]
    assert persons_in(chapter, told) == [("桷", 0), ("桷", 16), ("桷", 23)]
    assert persons_in([told], told) == []  # no full name in the document: no name
    assert persons_in(chapter, "壬申，诏曰。") == []
    # inside a clause, not after a verb that takes a person, the character is a word (惊飞 "startled into flight")
    flight = "群鸟惊飞，飞引兵至，召飞父子。"
    assert persons_in(["岳飞，字鹏举，相州汤阴人。", flight], flight) == [("飞", 5), ("飞", 11)]


def test_a_common_character_or_a_verb_of_appointment_is_no_one_character_given_name():
    from entities.lexicons import common_characters

    assert "安" in common_characters() and "桷" not in common_characters()
    assert persons_in(["王安，字子平。", "安可得乎？"], "安可得乎？") == []
    assert persons_in(["李充，字弘度，江夏人。", "充五军都统制。"], "充五军都统制。") == []


def test_a_full_name_a_pattern_found_once_stays_whole_where_it_stands_again_in_the_book():
    from entities.annotator import annotate_document

    # 楊惠元 is in no lexicon; the list beside 李建徽 marks it in the first line, and then its given name 惠元
    # is propagated: where the full name stands again, the full name is the span, not 惠元 with 楊 left over.
    lines = ["怀光復劫李建徽、楊惠元等軍", "楊惠元走奉天", "惠元不從"]
    persons = [[(e["text"], e["method"]) for e in found if e["kind"] == "person"] for found in annotate_document(lines)]
    assert ("楊惠元", "list-pattern") in persons[0]  # found there, not carried there
    assert persons[1] == [("楊惠元", "document-name")]
    assert persons[2] == [("惠元", "name-propagation")]
    assert [p for p in annotate_document(lines[1:])[0] if p["kind"] == "person" and p["text"] == "惠元"] == []


def test_annotation_reads_the_editors_marks_but_spans_only_page_characters():
    from wenyuan.document import Char

    # 趙贊 is found only as an item of a 、-list beside a known person: the marks must be read.
    chars = [Char(text=c, punct_after={"杞": "、", "贊": "、", "貶": "。"}.get(c)) for c in "盧杞趙贊白志貞等皆貶"]
    book = one_line_book(chars, [Sentence(id="s1", start=0, end=len(chars))])
    annotate_book(book)
    found = {(e.kind, e.text, e.method) for e in book.entities}
    assert ("person", "盧杞", "person-lexicon") in found and ("person", "趙贊", "list-pattern") in found
    for e in book.entities:
        assert book.text[e.start : e.end] == e.text
    assert book.text == "盧杞趙贊白志貞等皆貶"


def test_names_whose_simplified_form_lies_beyond_the_bmp_are_found():
    # 頫 simplifies to 𫖯 (CJK Extension E): the courtesy-name pattern still reads the whole name.
    spans = [(s.kind, s.text) for s in find_entities("趙孟頫，字子昂，宋太祖子秦王德芳之後也。")]
    assert ("person", "趙孟頫") in spans and ("person", "子昂") in spans
    # Lexicon entries the corpus wrote with a traditional character match the simplified reading of the text.
    assert [(s.kind, s.text) for s in find_entities("李勣破高麗，劉鄩守兗州")] == [
        ("person", "李勣"),
        ("place", "高麗"),
        ("person", "劉鄩"),
        ("place", "兗州"),
    ]
    # A form the simplification turns into a determiner phrase is not added (於南山 would be 于 "at" + 南山).
    assert not any(s.text.startswith("于") for s in find_entities("战于南山之下"))
    # A determiner the entry began with all along is its own: 知罃 (Zhi Ying) is read 知䓨 and still found.
    assert [(s.kind, s.text) for s in find_entities("韓厥老矣，知罃稟焉以為政")] == [
        ("person", "韓厥"),
        ("person", "知罃"),
    ]


def test_the_shipped_place_lexicon_has_named_gates_and_no_pieces_of_longer_names():
    def places(text: str) -> list[str]:
        return [s.text for s in find_entities(text) if s.kind == "place"]

    assert places("屯兵雁門，北擊朔方") == ["雁門", "朔方"]  # named gates and quarters are places
    assert places("出西門") == []  # a direction's gate is none
    assert "遠軍" not in places("贈寧遠軍承宣使")  # the tail of 宁远军
    assert "演武" not in places("過演武場")  # the head of 演武场
    assert places("此非常人也") == []  # "no ordinary man": a description, not an origin
    assert places("太皇太后崩于羽林") == []  # the empress dowager, the guards: common words the translators copy
    # Cities that were also eras for a year or two, and a province's seat the miner had read as a person.
    assert places("自建康徙興元，至遼陽") == ["建康", "興元", "遼陽"]
    assert places("建康元年") == []  # before its year the era, no place
    spans = {(s.text, s.kind) for s in find_entities("安祿山反，祿山遂陷長安")}
    assert ("安祿山", "person") in spans and ("祿山", "person") in spans and ("長安", "place") in spans


def test_a_biography_opening_with_the_given_name_names_the_person_and_the_book_carries_it_on():
    # cm_dev 元史: 程钜夫 is known by his courtesy name; later sentences of the chapter write 钜夫 alone.
    opening = "程鉅夫，名文海，避武宗廟諱，以字行。"
    spans = [(s.kind, s.text, s.method) for s in find_entities(opening)]
    assert ("person", "程鉅夫", "given-name-pattern") in spans and ("person", "文海", "given-name-pattern") in spans
    assert ("鉅夫", 12) in persons_in([opening], "又命為御史中丞，臺臣言：鉅夫南人，且年少。")
    # The cm_train matches that were no persons: a medical term and a speaker giving a surname.
    assert find_entities("衛氣和，名曰緩；") == []
    assert not [s for s in find_entities("問之，對曰：余姓張，名公弼，住蓮花峰東") if s.kind == "person"]


def test_the_taggers_persons_that_are_common_words_and_places_that_are_a_bare_unit_are_dropped():
    # cm_train: 日行千里 "a thousand li a day", 自然之势; and 所经州郡, where the tagger read 州 as a place.
    assert find_entities("人長三寸，日行千里", tagged=[("person", 7, 9, 0.7)]) == []
    assert find_entities("此自然之勢也", tagged=[("person", 1, 3, 0.7)]) == []
    assert find_entities("所經州郡，長吏迎奉", tagged=[("place", 2, 3, 0.4)]) == []
    # A tagged name that is no word stays.
    assert [s.text for s in find_entities("討反寇鍾明亮", tagged=[("person", 3, 6, 0.7)])] == ["鍾明亮"]


def test_prefectures_and_counties_in_general_are_no_place():
    # 州郡, 州县, 郡县: "the prefectures and counties", not 经州 or 掠州; a real place keeps its lexicon entry.
    assert find_entities("所經州郡，長吏迎奉") == []
    assert find_entities("掠州縣，為盜") == []
    assert [s.text for s in find_entities("益州郡地震")] == ["益州"]


def test_lady_wang_gives_no_given_name_lady():
    from entities.document_names import given_names

    assert "夫人" not in given_names(["王夫人", "戚夫人"])
    assert "建徽" in given_names(["李建徽"])


def test_the_passes_run_in_the_order_of_precedence_the_finder_documents():
    import re

    from entities import finder

    rows = [line for line in finder.__doc__.splitlines() if re.match(r"(\d\d| \d| -)  \S", line)]
    assert [row[4:30].strip() for row in rows] == [name for name, _ in finder.PASSES]
