"""The shipped punctuator: loads as a Hugging Face folder, only inserts marks, beats a trivial baseline."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpora.punct import PUNCT_LABELS, extract_labels, iter_paragraphs
from models.metrics import punctuation_scores
from tasks.punctuate import DEFAULT_MODEL, load_punctuator
from tests.conftest import shared_file

MARKS = set(PUNCT_LABELS[1:])


@pytest.fixture(scope="module")
def punctuator():
    return load_punctuator(str(DEFAULT_MODEL), "cpu")


def _strip_marks(text: str) -> str:
    return "".join(c for c in text if c not in MARKS)


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(any(c == o for o in it) for c in short)


def test_shipped_folder_loads_with_auto_classes():
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model = AutoModelForTokenClassification.from_pretrained(DEFAULT_MODEL)
    tokenizer = AutoTokenizer.from_pretrained(DEFAULT_MODEL)
    assert model.config.num_labels == len(PUNCT_LABELS)
    assert tokenizer.unk_token == "[UNK]"
    assert (DEFAULT_MODEL / "model.safetensors").stat().st_size < 30 * 2**20


def test_beats_a_break_every_n_characters_baseline_on_dev(punctuator):
    paragraphs = [p for _b, p in itertools.islice(iter_paragraphs(shared_file("corpora/punct_dev.jsonl.gz")), 150)]
    gold = [extract_labels(p) for p in paragraphs]
    n_chars = sum(len(g.chars) for g in gold)
    n_marks = sum(lab != "O" for g in gold for lab in g.labels)
    every = round(n_chars / n_marks)  # the baseline gets the true mean clause length for free
    baseline = [["，" if (i + 1) % every == 0 else "O" for i in range(len(g.chars))] for g in gold]
    base = punctuation_scores(zip(baseline, (g.labels for g in gold), strict=True), PUNCT_LABELS[1:])
    pred = punctuator.predict_labels([g.chars for g in gold])
    ours = punctuation_scores(zip(pred, (g.labels for g in gold), strict=True), PUNCT_LABELS[1:])
    assert ours["segmentation"]["f1"] > base["segmentation"]["f1"] + 0.1
    assert ours["punctuation"]["f1"] > base["punctuation"]["f1"]


def test_long_text_is_read_in_windows_of_the_training_length(punctuator):
    from models.punctuator import Punctuator

    assert (punctuator.window, punctuator.stride) == (128, 64)  # the folder's trained_window, half-window strides
    # Wider windows reach position embeddings training never used: on long dev paragraphs they do worse.
    dev = iter_paragraphs(shared_file("corpora/punct_dev.jsonl.gz"))
    paragraphs = list(itertools.islice((p for _b, p in dev if len(p) > 400), 12))
    gold = [extract_labels(p) for p in paragraphs]
    wide = Punctuator.from_pretrained(DEFAULT_MODEL, device="cpu", window=512)

    def segmentation_f1(model) -> float:
        pred = model.predict_labels([g.chars for g in gold])
        scores = punctuation_scores(zip(pred, (g.labels for g in gold), strict=True), PUNCT_LABELS[1:])
        return scores["segmentation"]["f1"]

    assert segmentation_f1(punctuator) > segmentation_f1(wide) + 0.03


def test_the_shipped_no_mark_bias_is_loaded_and_calibration_never_does_worse_than_none(punctuator):
    import json

    from models.punctuator import calibrate_no_mark_bias

    stored = json.loads((DEFAULT_MODEL / "wenyuan.json").read_text(encoding="utf-8"))["decoding"]["no_mark_bias"]
    assert punctuator.bias == stored
    # On a slice of train (not the dev text it was calibrated on), the chosen bias scores at least bias 0.
    paragraphs = [p for _b, p in itertools.islice(iter_paragraphs(shared_file("corpora/punct_train.jsonl.gz")), 60)]
    bias, f1 = calibrate_no_mark_bias(punctuator, paragraphs)
    gold = [extract_labels(p) for p in paragraphs]
    logits = punctuator.predict_logits([g.chars for g in gold])
    zero = punctuation_scores(
        zip([punctuator.decode(lg, 0.0) for lg in logits], (g.labels for g in gold), strict=True), PUNCT_LABELS[1:]
    )
    assert f1 >= zero["segmentation"]["f1"] and -3.0 <= bias <= 0.5
    # A large enough bias either way gives all marks or none.
    assert set(punctuator.decode(logits[0], -50.0)) <= MARKS
    assert set(punctuator.decode(logits[0], 50.0)) == {"O"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("子曰學而時習之不亦說乎有朋自遠方來𠀀𪚥abZ09 \t，。「」")), max_size=300))
def test_output_never_changes_drops_or_reorders_a_character(punctuator, text):
    (out,) = punctuator.punctuate([text])
    # Removing the inserted marks gives the input back exactly (input marks included).
    inserted = [c for c in out if c in MARKS]
    assert len(out) - len(text) == len(inserted) - sum(c in MARKS for c in text)
    assert _is_subsequence(text, out)  # input marks included
    assert _strip_marks(out) == _strip_marks(text)


def test_punctuated_input_keeps_its_marks_and_odd_lines_pass(punctuator):
    lines = ["學而時習之，不亦說乎？", "", "ISBN 978-7-101 第3冊", "𠀀𠀁𠀂" * 50, "子曰" * 400]
    out = punctuator.punctuate(lines)
    assert out[1] == ""
    for src, got in zip(lines, out, strict=True):
        assert _is_subsequence(src, got)  # every input character and mark, in order
        assert _strip_marks(got) == _strip_marks(src)
    assert out[0].endswith("？") and out[0].count("，") >= 1


def test_no_mark_is_inserted_inside_a_latin_word_or_number_or_before_a_combining_mark(punctuator):
    # Long alphanumeric runs, mixed with text the model punctuates, and variation selectors after Han characters.
    lines = [
        "學而時習之不亦說乎 Confucius Analects translated by James Legge 1861 有朋自遠方來不亦樂乎",
        "子\ufe00曰學\U000e0100而時習之\U000e0100不亦說乎有朋自遠方來不亦樂乎人不知而不慍",
        "abcdefghijklmnopqrstuvwxyz0123456789" * 8,
    ]
    out = punctuator.punctuate(lines)
    for src, got in zip(lines, out, strict=True):
        assert _strip_marks(got) == _strip_marks(src)
        unspaced = got.replace(" ", "")  # the model reads the text without its spaces
        for prev, mark, nxt in zip(unspaced, unspaced[1:], unspaced[2:], strict=False):
            if mark in MARKS:
                assert not (prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum()), got
                assert nxt not in "\ufe00\U000e0100", got
    assert out[2] == lines[2]  # no Han character: nothing to punctuate, not even its end
    assert any(c in MARKS for c in out[0]) and any(c in MARKS for c in out[1])  # the Chinese is still punctuated


def test_masked_windows_hide_a_share_of_real_characters_and_repeat_per_step():
    import numpy as np

    from models.punctuator import masked_window_batch

    ids = np.arange(6, 20_006, dtype=np.int32)  # each id once: a window's origin shows in any unmasked id
    batch = masked_window_batch(ids, step=7, seed=3, batch=16, length=128, mask_id=4, char_ids=(6, 20_005))
    again = masked_window_batch(ids, step=7, seed=3, batch=16, length=128, mask_id=4, char_ids=(6, 20_005))
    other = masked_window_batch(ids, step=8, seed=3, batch=16, length=128, mask_id=4, char_ids=(6, 20_005))
    assert all((batch[k] == again[k]).all() for k in batch) and not (batch["labels"] == other["labels"]).all()

    inputs, labels = batch["input_ids"].numpy(), batch["labels"].numpy()
    chosen = labels != -100
    assert 0.12 < chosen.mean() < 0.18
    # Labels are the characters at the chosen positions; the other positions are shown as they are.
    first_kept = np.argmax(~chosen, axis=1)
    starts = inputs[np.arange(16), first_kept] - 6 - first_kept
    originals = np.stack([ids[s : s + 128] for s in starts])
    assert (labels[chosen] == originals[chosen]).all() and (inputs[~chosen] == originals[~chosen]).all()
    assert 0.7 < (inputs[chosen] == 4).mean() < 0.9
    assert (inputs >= 4).all() and not (inputs == 5).any()  # no padding or other special token drawn


def test_masked_positions_loss_equals_the_models_own_loss_and_gradient():
    import numpy as np
    import torch

    from models.punctuator import PunctuatorArch, build_masked_lm, masked_positions_loss, masked_window_batch

    torch.manual_seed(0)
    arch = PunctuatorArch(hidden=32, layers=1, heads=2, intermediate=64, max_positions=64, dropout=0.0)
    model = build_masked_lm(300, arch, pad_id=0)
    ids = np.random.default_rng(0).integers(6, 300, size=5_000).astype(np.int32)
    batch = masked_window_batch(ids, step=0, seed=1, batch=4, length=64, mask_id=4, char_ids=(6, 299))

    full = model(**batch).loss
    full.backward()
    want = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    sparse = masked_positions_loss(model, batch)
    sparse.backward()
    assert torch.allclose(sparse, full, atol=1e-5)
    assert all(torch.allclose(p.grad, g, atol=1e-5) for p, g in zip(model.parameters(), want, strict=True))


def test_boundary_tokens_stand_between_training_paragraphs_and_carry_no_loss(punctuator):
    from models.punctuator import IGNORED_LABEL, encode_labelled

    texts = [extract_labels("子曰，學而時習之。"), extract_labels("有朋自遠方來。")]
    sep = punctuator.encoder.vocab["[SEP]"]
    ids, labels = encode_labelled(texts, punctuator.encoder, boundary_id=sep)
    assert [i for i, x in enumerate(ids) if x == sep] == [0, 8, 15]
    assert [i for i, x in enumerate(labels) if x == IGNORED_LABEL] == [0, 8, 15]
    assert labels[2] == PUNCT_LABELS.index("，") and labels[7] == PUNCT_LABELS.index("。")
    plain_ids, plain_labels = encode_labelled(texts, punctuator.encoder)
    assert list(plain_ids) == [x for x in ids if x != sep] and IGNORED_LABEL not in plain_labels


def test_the_shipped_punctuator_reads_texts_between_boundary_tokens(punctuator):
    # It was trained with them (wenyuan.json: text_boundary_token); read without them, its text ends go wrong.
    assert punctuator.boundary_token == "[SEP]" and punctuator.boundary_id is not None


def test_a_folder_trained_with_boundaries_reads_each_text_between_them(tmp_path):
    import shutil

    import numpy as np
    import torch

    from models.folder import update_metadata
    from models.punctuator import Punctuator

    folder = tmp_path / "punctuator"
    shutil.copytree(DEFAULT_MODEL, folder)
    update_metadata(folder, text_boundary_token="[SEP]")
    bounded = Punctuator.from_pretrained(folder, device="cpu")
    unbounded = Punctuator.from_pretrained(folder, device="cpu", boundary_token=None)
    text = "學而時習之不亦說乎有朋自遠方來不亦樂乎"
    sep = bounded.encoder.vocab["[SEP]"]
    ids = np.concatenate(([sep], bounded.encoder.encode(text), [sep]))
    with torch.inference_mode():
        direct = bounded.model(input_ids=torch.from_numpy(ids[None].astype(np.int64))).logits[0, 1:-1].numpy()
    (got,) = bounded.predict_logits([text])
    assert got.shape == (len(text), len(PUNCT_LABELS))
    np.testing.assert_allclose(got, direct, atol=1e-4)
    # The boundaries change what the model sees: without them the logits differ.
    assert not np.allclose(unbounded.predict_logits([text])[0], got, atol=1e-3)
    assert bounded.predict_labels(["", "子"]) == [[], [bounded.predict_labels(["子"])[0][0]]]
    from wenyuan.errors import ModelLoadError

    update_metadata(folder, text_boundary_token="[NOPE]")
    with pytest.raises(ModelLoadError, match=r"punctuator: text boundary token '\[NOPE\]' is not in the vocabulary"):
        Punctuator.from_pretrained(folder, device="cpu")


def test_a_deepened_encoder_keeps_the_models_labels_on_dev(punctuator):
    import copy

    from transformers import AutoTokenizer

    from models.growth import inserted_after
    from models.punctuator import Punctuator, deepen_encoder

    tokenizer = AutoTokenizer.from_pretrained(DEFAULT_MODEL)
    assert inserted_after(4, 2) == [1, 2] and inserted_after(4, 4) == [0, 1, 1, 2]
    base = punctuator.model
    grown = deepen_encoder(copy.deepcopy(base), base.config.num_hidden_layers + 2)
    assert len(grown.bert.encoder.layer) == grown.config.num_hidden_layers == base.config.num_hidden_layers + 2

    def reading_as_shipped(model) -> Punctuator:
        return Punctuator(
            model.eval(),
            tokenizer,
            "cpu",
            window=punctuator.window,
            bias=punctuator.bias,
            boundary_token=punctuator.boundary_token,
        )

    deeper = reading_as_shipped(grown)
    paragraphs = [p for _b, p in itertools.islice(iter_paragraphs(shared_file("corpora/punct_dev.jsonl.gz")), 60)]
    chars = [extract_labels(p).chars for p in paragraphs]
    before = [lab for labels in punctuator.predict_labels(chars) for lab in labels]
    after = [lab for labels in deeper.predict_labels(chars) for lab in labels]
    # The new layers start as near-identities: the grown model reads nearly as the shipped one did.
    assert sum(a == b for a, b in zip(before, after, strict=True)) / len(before) > 0.97
    # A plain copy of a layer, without the zeroed projections, changes far more (what the zeroing is for).
    crude = copy.deepcopy(base)
    crude.bert.encoder.layer.insert(2, copy.deepcopy(crude.bert.encoder.layer[1]))
    crude.config.num_hidden_layers += 1
    copied = reading_as_shipped(crude)
    crude_labels = [lab for labels in copied.predict_labels(chars) for lab in labels]
    assert sum(a == b for a, b in zip(before, crude_labels, strict=True)) < sum(
        a == b for a, b in zip(before, after, strict=True)
    )
    with pytest.raises(ValueError, match="cannot deepen"):
        deepen_encoder(copy.deepcopy(base), 1)
