"""The character tokenizer: saved and loaded by transformers, unknown and astral characters handled."""

from __future__ import annotations

from collections import Counter

from models.char_tokenizer import build_char_tokenizer, count_characters


def _tokenizer(append_eos: bool = False):
    counts = count_characters(["學而時習之，不亦說乎？", "学而时习之", "學而"])
    return build_char_tokenizer(counts, max_size=100, min_count=1, append_eos=append_eos)


def test_round_trip_through_save_and_autotokenizer(tmp_path):
    from transformers import AutoTokenizer

    _tokenizer().save_pretrained(tmp_path)
    tok = AutoTokenizer.from_pretrained(tmp_path)
    ids = tok("學而時習之，不亦說乎？")["input_ids"]
    assert len(ids) == 11
    assert tok.decode(ids) == "學而時習之，不亦說乎？"


def test_unknown_and_astral_characters_become_one_unk_each():
    tok = _tokenizer()
    ids = tok("學𠀀x而")["input_ids"]  # 𠀀 is CJK Extension B (outside the BMP)
    assert ids[1] == ids[2] == tok.unk_token_id
    assert len(ids) == 4
    assert tok.decode(ids, skip_special_tokens=True) == "學而"


def test_whitespace_is_dropped_and_eos_appended_for_seq2seq():
    tok = _tokenizer(append_eos=True)
    ids = tok("學 而\n")["input_ids"]
    assert ids[-1] == tok.eos_token_id and len(ids) == 3


def test_vocabulary_is_capped_and_rare_characters_left_out():
    counts = Counter({"甲": 5, "乙": 3, "丙": 1})
    tok = build_char_tokenizer(counts, max_size=7, min_count=2)
    vocab = tok.get_vocab()
    assert "甲" in vocab and "乙" not in vocab and "丙" not in vocab  # 6 special tokens + 1
