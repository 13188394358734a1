"""Characters the corpus's translators spell in two pieces: the table built from the corpus, and joining."""

from __future__ import annotations

from corpora.split_characters import join_split_characters, mine, split_spellings, split_table

TABLE = {"泚": ("氵此",), "瑊": ("王咸",)}


def test_pieces_are_joined_only_where_the_source_has_the_character():
    joined = join_split_characters("朱氵此反叛，浑王咸与他交战。", "朱泚反，浑瑊与之战。", TABLE)
    assert joined == "朱泚反叛，浑瑊与他交战。"
    # 王咸 is also a name of its own: without 瑊 in the source it stays.
    assert join_split_characters("执金吾王咸为右将军", "执金吾王咸为右将军", TABLE) == "执金吾王咸为右将军"
    assert join_split_characters("", "泚", TABLE) == ""


def test_spellings_take_components_in_both_scripts():
    spellings = split_spellings({"頫": [["兆", "頁"]], "泚": [["水", "此"], ["氵", "此"]], "一": [["一"]]})
    assert spellings == {"頫": {"兆頁", "兆页"}, "泚": {"水此", "氵此"}}


def test_a_split_counts_where_the_corpus_shows_it_standing_for_the_character():
    spellings = {"泚": {"氵此"}, "好": {"女子"}}
    pairs = [
        ("朱泚反。", "朱氵此反叛。"),
        ("朱泚死。", "朱氵此死了。"),
        ("泚水出焉。", "泚水从这里流出。"),  # copied here, seldom elsewhere
        # 女子 "woman" holds the pieces of 好, and twice stands where the source has an uncopied 好, but most
        # translations with 女子 have no 好 in their source: no split spelling
        ("好色者。", "喜欢女子的人。"),
        ("好色者众。", "喜欢女子的人很多。"),
        ("女也。", "是女子。"),
        ("女子。", "女子。"),
        ("有女。", "有个女子。"),
        ("好学。", "喜好学习。"),
    ]
    assert mine(lambda: iter(pairs), spellings) == {"氵此": ("泚", 2)}


def test_the_shipped_table_has_the_spellings_of_known_names():
    table = split_table()
    assert {"氵此", "王咸", "兆页"} <= {s for splits in table.values() for s in splits}
    assert all(len(split) == 2 and char not in split for char, splits in table.items() for split in splits)


def test_the_table_checksum_follows_its_content(tmp_path, monkeypatch):
    import corpora.split_characters as sc

    path = tmp_path / "split.tsv"
    path.write_text("char\tsplit\tpairs\n泚\t氵此\t2\n", encoding="utf-8")
    monkeypatch.setattr(sc, "TABLE", path)
    before = sc.table_checksum()
    path.write_text("char\tsplit\tpairs\n泚\t氵此\t3\n", encoding="utf-8")
    assert sc.table_checksum() != before
