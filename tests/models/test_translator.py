"""The translator: passage splitting, unknown characters, and the shipped model through its public API."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpora.parallel import iter_pairs
from models.translator import bound_length, foreign_segments, restore_unknown, split_passage
from tasks.translate import DEFAULT_MODEL, load_translator
from tests.conftest import shared_file
from wenyuan.script import to_simplified


@given(st.text(alphabet=st.sampled_from(list("甲乙丙丁。！？；，、：")), max_size=400), st.integers(5, 60))
def test_split_passage_rejoins_exactly_and_respects_the_limit(text, limit):
    pieces = split_passage(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= limit for p in pieces) or text == ""


def test_split_passage_prefers_sentence_ends():
    assert split_passage("甲乙丙。丁戊己。庚辛", 5) == ["甲乙丙。", "丁戊己。", "庚辛"]


def test_unknown_characters_are_copied_from_the_source():
    assert restore_unknown("[UNK]说：[UNK]。[UNK]", ["𠀀", "𪚥"], "[UNK]") == "𠀀说：𪚥。"


def test_runaway_output_is_cut_at_a_mark():
    assert bound_length("甲乙。丙丁戊己庚", 6) == "甲乙。丙丁戊"  # a mark too early would lose too much
    assert bound_length("甲乙丙丁。戊己庚", 6) == "甲乙丙丁。"
    assert bound_length("甲乙丙丁戊己庚", 6) == "甲乙丙丁戊己"
    assert bound_length("甲乙", 6) == "甲乙"


def test_traditional_input_is_converted_to_the_model_script():
    assert to_simplified("學而時習之，不亦說乎") == "学而时习之，不亦说乎"


@given(st.text(alphabet=st.sampled_from(list("甲乙丙𠀀。，abZ09 -:ｂ")), max_size=200))
def test_foreign_segments_rejoin_exactly_and_leave_no_latin_to_the_model(text):
    segments = foreign_segments(text)
    assert "".join(seg for seg, _ in segments) == text
    for seg, translate in segments:
        assert seg
        if translate:  # what the model gets has a Han character and no letter or digit
            assert any(c in "甲乙丙𠀀" for c in seg) and not any(c in "abZ09ｂ" for c in seg)


def test_foreign_segments_keep_words_with_the_spaces_between_them():
    assert foreign_segments("孔子曰 Confucius said: 學而") == [
        ("孔子曰 ", True),
        ("Confucius said", False),
        (": 學而", True),
    ]
    assert foreign_segments("ISBN 978-7-101") == [("ISBN 978-7-101", False)]
    assert foreign_segments("，。") == [("，。", False)]  # nothing Chinese to translate


@pytest.fixture(scope="module")
def translator():
    return load_translator(str(DEFAULT_MODEL), "cpu")


def test_shipped_folder_loads_with_auto_classes():
    import torch
    from safetensors import safe_open
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    model = AutoModelForSeq2SeqLM.from_pretrained(DEFAULT_MODEL)
    tokenizer = AutoTokenizer.from_pretrained(DEFAULT_MODEL)
    assert tokenizer("學")["input_ids"][-1] == tokenizer.eos_token_id
    weights = DEFAULT_MODEL / "model.safetensors"
    assert weights.stat().st_size < 30 * 2**20
    with safe_open(weights, "pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
    assert model.config.is_encoder_decoder


def test_lines_keep_count_and_order_and_output_is_bounded(translator):
    lines = ["子曰：學而時習之，不亦說乎？", "", "  ", "天下大亂。" * 60, "𠀀", "秦王使人謂安陵君曰"]
    out = translator.translate(lines)
    assert len(out) == len(lines)
    assert out[1] == "" and out[2] == ""
    assert out[0] and out[3] and out[5]
    for src, got in zip(lines, out, strict=True):
        assert len(got) <= 2 * len(src.strip()) + 10 * (1 + len(src) // translator.max_source_chars)


def test_a_rare_character_of_the_source_is_written_whole(translator):
    # The references spell 泚 in pieces (朱氵此) and the model learned to; the output joins them.
    out = translator.translate(["朱泚反，遣使招之。"])[0]
    assert "朱泚" in out and "氵" not in out


def test_what_is_not_chinese_is_kept_as_written(translator):
    lines = ["abc 123 hello", "Analects, tr. James Legge (1861)", "子曰 Confucius said 學而時習之", "——"]
    out = translator.translate(lines)
    assert out[:2] == lines[:2] and out[3] == "——"
    assert " Confucius said " in out[2] and out[2] != lines[2]  # the Chinese around it is translated


def test_beats_copying_the_source_on_a_dev_slice(translator):
    from models.translator import evaluate_translator

    pairs = list(itertools.islice(iter_pairs(shared_file("corpora/cm_dev.tsv.gz")), 150))
    scores = evaluate_translator(translator, [p.src for p in pairs], [p.tgt for p in pairs])
    # The bar: BLEU above copying the source on the same sentences (chrF is reported, not gated).
    assert scores["bleu"] > scores["copy_bleu"]


def test_the_folders_beam_search_renders_fuller_and_better_than_greedy_on_a_dev_slice(translator):
    import sacrebleu

    from models.translator import RECOMMENDED_DECODING, Translator

    # The pipeline's default is the folder's recommended decoding; beams=1 gives greedy.
    recommended = tuple(RECOMMENDED_DECODING[k] for k in ("num_beams", "length_penalty", "no_repeat_ngram_size"))
    assert (translator.beams, translator.length_penalty, translator.no_repeat_ngram) == recommended
    greedy = Translator(translator.model, translator.tokenizer, "cpu", beams=1)
    pairs = list(itertools.islice(iter_pairs(shared_file("corpora/cm_dev.tsv.gz")), 40))
    src, refs = [p.src for p in pairs], [[p.tgt for p in pairs]]
    beam_out, greedy_out = translator.translate(src), greedy.translate(src)
    # Greedy output is too short against the references; the length penalty is there to lengthen it.
    assert sum(map(len, beam_out)) > sum(map(len, greedy_out))
    bleu = {
        name: sacrebleu.corpus_bleu(out, refs, tokenize="zh").score
        for name, out in [("beam", beam_out), ("greedy", greedy_out)]
    }
    assert bleu["beam"] >= bleu["greedy"], bleu


def test_a_folder_that_names_no_repetition_guard_still_decodes_with_one(translator):
    from models.translator import REPEAT_GUARD_NGRAM, Translator

    generation = translator.model.generation_config
    named, generation.no_repeat_ngram_size = generation.no_repeat_ngram_size, 0
    try:
        assert Translator(translator.model, translator.tokenizer, "cpu").no_repeat_ngram == REPEAT_GUARD_NGRAM > 0
    finally:
        generation.no_repeat_ngram_size = named


def test_a_deepened_encoder_translates_nearly_as_the_shipped_model_did(translator):
    import copy

    import sacrebleu

    from models.translator import Translator, deepen_encoder

    base = translator.model
    grown = deepen_encoder(copy.deepcopy(base), base.config.encoder_layers + 2)
    assert len(grown.get_encoder().layers) == grown.config.encoder_layers == base.config.encoder_layers + 2
    pairs = list(itertools.islice(iter_pairs(shared_file("corpora/cm_dev.tsv.gz")), 40))
    src = [p.src for p in pairs]

    def greedy(model) -> list[str]:
        return Translator(model.eval(), translator.tokenizer, "cpu", beams=1).translate(src)

    before = greedy(base)
    # The new layers start as near-identities: measured against the shipped model's own output, the grown
    # model's reads nearly the same; a plain copy of a layer, without the zeroed projections, does not.
    kept = sacrebleu.corpus_chrf(greedy(grown), [before]).score
    crude = copy.deepcopy(base)
    crude.get_encoder().layers.insert(1, copy.deepcopy(crude.get_encoder().layers[0]))
    crude.config.encoder_layers += 1
    assert kept > 70 and kept > sacrebleu.corpus_chrf(greedy(crude), [before]).score + 10
    with pytest.raises(ValueError, match="cannot deepen"):
        deepen_encoder(copy.deepcopy(base), 1)


@given(st.lists(st.integers(0, 4), min_size=1, max_size=30), st.integers(1, 4), st.integers(1, 3))
def test_the_vectorised_repeat_guard_forbids_exactly_what_transformers_forbids(tokens, n, rows):
    import torch
    from transformers import NoRepeatNGramLogitsProcessor

    from models.translator import block_repeated_ngrams

    ids = torch.tensor([tokens[k:] + tokens[:k] for k in range(rows)])  # rows differ: each is its own
    scores = torch.zeros(rows, 5)
    expected = NoRepeatNGramLogitsProcessor(n)(ids, scores.clone())
    assert torch.equal(block_repeated_ngrams(ids, scores.clone(), n), expected)


def test_the_guard_decodes_as_transformers_own_did(translator):
    """Same outputs, beam search and greedy, as generate's built-in no_repeat_ngram_size."""
    import torch

    sources = [p.src for p in itertools.islice(iter_pairs(shared_file("corpora/cm_dev.tsv.gz")), 0, 400, 25)]
    enc = translator.tokenizer(sources, return_tensors="pt", padding=True)
    shipped = translator.beams
    try:
        for beams in (1, 4):
            translator.beams = beams
            with torch.inference_mode():
                builtin = translator.model.generate(
                    **enc, num_beams=beams, max_new_tokens=120, no_repeat_ngram_size=translator.no_repeat_ngram
                )
            texts = translator.tokenizer.batch_decode(builtin, skip_special_tokens=True)
            ours = translator._generate(sources)
            assert [t.replace(" ", "") for t in texts] == [o.replace(" ", "") for o in ours]
    finally:
        translator.beams = shipped


def test_ocr_noise_drops_doubles_and_confuses_characters_reproducibly():
    from corpora.ocr_noise import ocr_noise

    text = "天下大乱，王曰：己未之日，土人入城。" * 20
    noisy = ocr_noise(text, rate=0.2, seed=1)
    assert noisy == ocr_noise(text, rate=0.2, seed=1) != text
    assert noisy.count("，") == text.count("，")  # punctuation untouched
    assert ocr_noise(text, rate=0.0) == text


def test_no_output_loops_on_ocr_noised_input(translator):
    """OCR'd text once drove the decoder into 活活活活… to the length limit."""
    import re

    from corpora.ocr_noise import ocr_noise

    pairs = itertools.islice(iter_pairs(shared_file("corpora/cm_dev.tsv.gz")), 0, 1200, 60)
    sources = [ocr_noise(p.src, rate=0.15, seed=k) for k, p in enumerate(pairs)]
    sources.append("活" * 40)  # the degenerate case itself
    for src, out in zip(sources, translator.translate(sources), strict=True):
        assert out, src
        assert not re.search(r"(.{1,4})\1{6,}", out), (src, out)  # no unit of 1–4 characters 7 times running
        assert len(out) <= 2 * len(src) + 10
