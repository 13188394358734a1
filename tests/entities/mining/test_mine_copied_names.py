"""The copy-through miner: names are what translators leave unchanged, in the contexts names stand in."""

from __future__ import annotations

import gzip
from pathlib import Path

from entities.mining.copied_names import (
    could_be_name,
    is_copied,
    mine_bare_names,
    mine_copied,
    mine_copied_places,
    untypable,
)


def _corpus(tmp_path: Path, pairs: list[tuple[str, str]]) -> Path:
    path = tmp_path / "cm.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("book\tchapter\tsrc\ttgt\n")
        fh.writelines(f"书\t一\t{src}\t{tgt}\n" for src, tgt in pairs)
    return path


def test_names_are_copied_words_are_reworded(tmp_path):
    pairs = [
        ("杨炎曰：可。", "杨炎说：可以。"),
        ("遣杨炎至洛阳。", "派遣杨炎到洛阳。"),
        ("杨炎卒。", "杨炎去世了。"),
        ("帝召杨炎问之。", "皇帝召见杨炎询问这件事。"),
        ("杨炎为相。", "杨炎担任宰相。"),  # 杨炎为 is 杨炎 with a word glued on, and is reworded anyway
        ("陈兵于野，陈兵曰。", "在野外布兵，布兵说。"),  # 陈兵 "deploy troops": begins with a surname, reworded
    ] * 3
    persons = mine_copied(_corpus(tmp_path, pairs), min_sentences=5)
    assert "杨炎" in persons
    assert "陈兵" not in persons and "杨炎为" not in persons


def test_given_names_used_alone_come_from_full_names(tmp_path):
    pairs = [
        ("李怀光曰：善。", "李怀光说：好。"),
        ("诏李怀光入朝。", "下诏让李怀光入朝。"),
        ("怀光曰：不可。", "怀光说：不行。"),
        ("遣怀光击之。", "派怀光攻打他们。"),
        ("怀光卒。", "怀光死了。"),
    ] * 6
    persons = mine_copied(_corpus(tmp_path, pairs), min_sentences=5)
    assert {"李怀光", "怀光"} <= set(persons)


def test_names_without_a_surname_are_copied_strings_in_persons_contexts(tmp_path):
    # 目夷 and 重诲 begin with no surname (a name of antiquity; 安重诲's given name used alone).
    names = [
        ("公子目夷曰：小国争盟，祸也。", "公子目夷说：小国争夺盟约，是祸患。"),
        ("宋公使目夷守国。", "宋公派目夷守卫国都。"),
        ("重诲奏不已，明宗怒。", "安重诲不停地上奏，明宗发怒。"),
        ("明宗召重诲问之。", "明宗召见重诲询问这件事。"),
    ] * 3
    others = [
        ("史臣曰：善。", "史臣说：好。"),  # the historian's voice, on the hand list
        ("遣典签往。", "派典签前往。"),  # an office, though 遣 takes persons
        ("陈兵曰。", "布兵说。"),  # reworded
        ("遣洛阳令。", "派洛阳县令。"),  # known already (a place)
        ("遣河阳至。", "派河阳到了。"),  # in a place's context as often as a person's
        ("至河阳。", "到河阳。"),
        ("作明堂歌曰：", "作明堂歌说："),  # only ever a piece of 明堂歌, copied whole
    ] * 3
    found = mine_bare_names(_corpus(tmp_path, names + others), known={"洛阳"})
    assert set(found) == {"目夷", "重诲"}
    assert found["目夷"] == 6
    # Three sentences at least: a name seen twice is left out.
    assert "目夷" not in mine_bare_names(_corpus(tmp_path, names[:2] * 1), known=set())


def test_rarer_surnames_need_a_persons_contexts_and_no_place_inside(tmp_path):
    person = [
        ("荀攸曰：善。", "荀攸说：好。"),
        ("遣荀攸往。", "派荀攸前往。"),
        ("荀攸至。", "荀攸到了。"),
    ] * 4
    # 茅屋 "thatched hut" is copied and stands once in a person's context (荀攸曰 is one too): the looser
    # test that common surnames get would keep it.
    hut = [("茅屋破。", "茅屋坏了。")] * 29 + [("茅屋曰。", "茅屋说。")]
    governor = [("拜扬州总管。", "被任命为扬州总管。")] * 12  # 拜 "appointed" stands before persons
    persons = mine_copied(_corpus(tmp_path, person + hut + governor), min_sentences=5)
    assert "荀攸" in persons
    assert "茅屋" not in persons and "扬州总" not in persons


def test_a_rarer_surname_does_not_take_a_full_name_apart(tmp_path):
    # 满政 alone is 高满政's given name, not a person surnamed 满 that 高 was glued to (as 马 to 王莽).
    pairs = [("高满政曰：可。", "高满政说：可以。")] * 6 + [("满政曰：善。", "满政说：好。")] * 14
    persons = mine_copied(_corpus(tmp_path, pairs), min_sentences=5)
    assert {"高满政", "满政"} <= set(persons)


def test_a_name_has_no_numerals_offices_or_rank_endings():
    offices = frozenset({"刺史", "节度使"})
    assert could_be_name("杨炎", offices) and could_be_name("贾似道", offices)
    for phrase in ("王元年", "许节度", "徐州刺", "晋悼公", "左金吾", "黄巾"):
        assert not could_be_name(phrase, offices), phrase


def test_places_are_copied_strings_in_places_contexts_but_not_eras(tmp_path):
    pairs = [
        ("军至河北。", "军队到达河北。"),
        ("河北人也。", "是河北人。"),
        ("屯河北。", "驻扎在河北。"),
        ("至显庆，乃罢。", "到了显庆年间，才停止。"),  # an era name: 至X "until X", not a place
        ("至显庆中。", "到显庆年间。"),
    ] * 5
    places = mine_copied_places(_corpus(tmp_path, pairs), persons=set(), min_sentences=5)
    assert "河北" in places and "显庆" not in places


def test_an_era_name_the_corpus_mostly_writes_as_a_city_is_a_place(tmp_path):
    # 建康 was an era for a year (建康元年) and is Nanjing everywhere else; 显庆 is written before its years.
    pairs = [("军至建康。", "军队到达建康。"), ("屯建康。", "驻扎在建康。"), ("建康人也。", "是建康人。")] * 3
    pairs += [("建康元年。", "建康元年。")]
    pairs += [("至显庆，乃罢。", "到了显庆年间，才停止。"), ("显庆元年。", "显庆元年。")] * 4
    pairs += [("显庆三年。", "显庆三年。")] * 4
    places = mine_copied_places(_corpus(tmp_path, pairs * 2), persons=set(), min_sentences=5)
    assert "建康" in places and "显庆" not in places


def test_named_gates_and_quarters_are_places_but_generic_ones_are_not(tmp_path):
    pairs = []
    for name in ("雁门", "朔方", "西门", "宫门", "西方"):
        pairs += [(f"军至{name}。", f"军队到达{name}。"), (f"出{name}。", f"出了{name}。")]
        pairs += [(f"屯{name}。", f"驻扎在{name}。")]
    places = mine_copied_places(_corpus(tmp_path, pairs * 5), persons=set(), min_sentences=5)
    assert "雁门" in places and "朔方" in places
    assert not {"西门", "宫门", "西方"} & set(places)


def test_modern_words_and_reworded_pattern_finds_are_dropped():
    from entities.mining.copied_names import Stats
    from entities.mining.names import drop_unlikely

    persons = {"刘秀": (64, "copy-through"), "何必": (12, "speaker-pattern"), "何况": (65, "copy-through")}
    places = {"黄河": (414, "suffix-pattern"), "凡是": (36, "copy-through")}
    stats = {
        "刘秀": Stats(sentences=64, copied=62, in_targets=778),  # translators name him where the source says 帝
        "何必": Stats(sentences=440, copied=10, typed_copied=10, in_targets=1084),  # "why must": reworded
        "何况": Stats(sentences=65, copied=63, in_targets=2168),  # a modern word, copied and used everywhere
        "黄河": Stats(sentences=414, copied=401, typed_copied=401, in_targets=4578),  # 河 becomes 黄河 in translation
        "凡是": Stats(sentences=36, copied=28, in_targets=3162),
    }
    drop_unlikely(persons, places, stats)
    assert set(persons) == {"刘秀"} and set(places) == {"黄河"}


def test_places_that_are_mostly_pieces_of_longer_names_are_dropped(tmp_path):
    from entities.mining.copied_names import corpus_stats
    from entities.mining.names import drop_unlikely

    pairs = [
        ("升贝州为宁远军。", "把贝州升为宁远军。"),  # 远军 stands only inside army and prefecture names
        ("置靖远军。", "设置靖远军。"),
        ("过演武场。", "经过演武场。"),  # 演武 only before 场, copied with it
        ("至洛阳。", "到达洛阳。"),  # 洛阳 copied with its suffix or office, or alone
        ("洛阳城中。", "洛阳城中。"),
        ("为洛阳令。", "担任洛阳令。"),
        ("封为洛阳公。", "被封为洛阳公。"),
    ] * 10  # a piece needs ten occurrences
    places = {name: (10, "copy-through") for name in ("远军", "演武", "洛阳")}
    drop_unlikely({}, places, corpus_stats(_corpus(tmp_path, pairs), set(places)))
    assert set(places) == {"洛阳"}


def test_a_list_of_places_before_its_unit_is_a_places_context_not_a_persons(tmp_path):
    # 辽阳等处 heads a province's name; 卢杞等 "卢杞 and the others" stays a person's context.
    pairs = [("置辽阳等处行中书省。", "设置辽阳等处行中书省。"), ("辽阳等处饥。", "辽阳等处发生饥荒。")]
    pairs += [("至辽阳。", "到达辽阳。"), ("卢杞等奏。", "卢杞等人上奏。")]
    places = mine_copied_places(_corpus(tmp_path, pairs * 5), persons=set(), min_sentences=5)
    assert "辽阳" in places and "卢杞" not in places


def test_suffix_finds_the_corpus_reads_as_persons_are_moved_to_the_persons(tmp_path):
    from entities.mining.copied_names import corpus_stats
    from entities.mining.names import drop_unlikely

    # 禄山 "hill" by its suffix, yet An Lushan: he rebels, is sent, speaks; 华山 is reached and is a hill.
    pairs = [("禄山反。", "安禄山反叛。"), ("遣禄山击之。", "派遣安禄山攻打他们。"), ("禄山曰：", "安禄山说：")]
    pairs += [("至华山。", "到达华山。"), ("华山崩。", "华山崩塌。")]
    persons, places = {}, {"禄山": (30, "suffix-pattern"), "华山": (20, "suffix-pattern")}
    drop_unlikely(persons, places, corpus_stats(_corpus(tmp_path, pairs * 5), set(places)))
    assert set(places) == {"华山"} and set(persons) == {"禄山"}


def test_a_name_whose_rare_character_the_translation_splits_counts_as_copied(tmp_path):
    # The translators write 泚 as 氵此 (corpora/split_characters.py); 朱泚 is copied all the same.
    pairs = [("朱泚曰：可。", "朱氵此说：可以。"), ("遣朱泚往。", "派朱氵此前往。"), ("朱泚卒。", "朱氵此死了。")] * 3
    assert "朱泚" in mine_copied(_corpus(tmp_path, pairs), min_sentences=5)


def test_a_name_whose_rare_character_the_translators_could_not_type_counts_as_copied(tmp_path):
    # 瑊 is outside GB2312: the translators drop it (浑瑊 is 浑) or put another character (宋璟 as 宋景).
    assert untypable("瑊") and untypable("璟") and not untypable("浑") and not untypable("爲")  # 爲 is typed 为
    assert is_copied("宋璟", "宋景说", min_typed=1) and is_copied("张守珪", "张守说")
    # One character typed is evidence only where the caller knows it is a surname, and never as a rank.
    assert not is_copied("珪笑", "他笑了") and not is_copied("王冏", "齐王起兵", min_typed=1)
    pairs = [("宋璟曰：可。", "宋景说：可以。"), ("遣宋璟往。", "派宋前往。"), ("宋璟卒。", "宋璟死了。")] * 3
    assert "宋璟" in mine_copied(_corpus(tmp_path, pairs), min_sentences=5)


def test_tails_of_compound_surnamed_names_are_not_names(tmp_path):
    # 马光 stands after 司 in every sentence: it is 司马光 cut short; 炽磐 is 乞伏炽磐's given name used alone.
    pairs = [
        ("司马光曰：可。", "司马光说：可以。"),
        ("遣司马光往。", "派司马光前往。"),
        ("乞伏炽磐曰：善。", "乞伏炽磐说：好。"),
        ("炽磐曰：不可。", "炽磐说：不行。"),
        ("遣炽磐击之。", "派炽磐攻打他们。"),
    ] * 6
    persons = mine_copied(_corpus(tmp_path, pairs), min_sentences=5)
    assert {"司马光", "乞伏炽磐", "炽磐"} <= set(persons) and "马光" not in persons


def test_a_place_the_translators_could_not_type_is_not_taken_for_reworded(tmp_path):
    from entities.mining.copied_names import corpus_stats
    from entities.mining.names import drop_unlikely

    # 邠 is outside GB2312: the translators write 州 and drop it, which is no rewording. 宫县 ("hung on four
    # sides") they could type, and reword.
    pairs = [("陷邠州。", "攻陷了州。"), ("至邠州。", "到了彬州。"), ("钟虡宫县。", "钟架宫悬。")] * 4
    places = {"邠州": (12, "suffix-pattern"), "虡宫县": (4, "suffix-pattern")}
    drop_unlikely({}, places, corpus_stats(_corpus(tmp_path, pairs), set(places)))
    assert set(places) == {"邠州"}


def test_a_surname_that_is_a_word_counts_before_a_known_given_name(tmp_path):
    from entities.mining.copied_names import mine_wordlike_surnamed

    # 石 "stone" begins no mined name; before 敬瑭, a person known already, it is the surname of 石敬瑭. 石敬 is
    # not read before 天 (敬天 is no known given name), and 方 "just then" before 居易 is reworded, no surname.
    pairs = [
        ("石敬瑭曰：可。", "石敬瑭说：可以。"),
        ("遣石敬瑭往。", "派石敬瑭前往。"),
        ("石敬天地。", "石头敬重天地。"),
        ("方居易地。", "才搬到容易的地方。"),
        ("民方居易。", "百姓正住得安稳。"),
    ] * 3
    found = mine_wordlike_surnamed(_corpus(tmp_path, pairs), persons={"敬瑭", "居易"}, known=set())
    assert set(found) == {"石敬瑭"}
