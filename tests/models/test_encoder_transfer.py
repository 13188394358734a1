"""The translator's encoder carried over to BERT's layout, as a starting point for the punctuator."""

from __future__ import annotations

import json

import pytest

from models.encoder_transfer import bert_from_marian, encoder_from_translator, is_translator_folder
from tasks.punctuate import DEFAULT_MODEL as SHIPPED_PUNCTUATOR
from tasks.translate import DEFAULT_MODEL as SHIPPED_TRANSLATOR
from wenyuan.errors import ModelLoadError

SENTENCES = ["太祖高皇帝讳元璋字国瑞濠州钟离人也", "初帝起兵讨贼既而天下大定乃议礼乐"]


@pytest.fixture(scope="module")
def marian():
    import torch
    from transformers import AutoModelForSeq2SeqLM

    return AutoModelForSeq2SeqLM.from_pretrained(SHIPPED_TRANSLATOR, dtype=torch.float32).eval()


@pytest.fixture(scope="module")
def mapped(marian):
    return bert_from_marian(marian)


def test_each_layer_computes_what_the_translator_layer_computes(marian, mapped):
    import torch

    bert, arch = mapped
    assert (arch.layers, arch.hidden) == (marian.config.encoder_layers, marian.config.d_model)
    hidden = torch.randn(2, 12, arch.hidden, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        for theirs, ours in zip(marian.get_encoder().layers, bert.encoder.layer, strict=True):
            expected = theirs(hidden, attention_mask=None)
            got = ours(hidden)
            got = got[0] if isinstance(got, tuple) else got
            torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)


def test_whole_encoder_reads_real_text_nearly_as_the_translator_does(marian, mapped):
    """Only the embedding layer norm is approximated, so the final states point the same way."""
    import torch
    from transformers import AutoTokenizer

    bert, _ = mapped
    batch = AutoTokenizer.from_pretrained(SHIPPED_TRANSLATOR)(SENTENCES, return_tensors="pt", padding=True)
    with torch.no_grad():
        expected = marian.get_encoder()(**batch).last_hidden_state
        got = bert(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    real = batch["attention_mask"].bool()
    cosine = torch.nn.functional.cosine_similarity(got[real], expected[real], dim=-1)
    assert cosine.min() > 0.97
    # A fresh BERT of the same shape is nowhere near: the check above can fail.
    from transformers import BertModel

    fresh = BertModel(bert.config).eval()
    with torch.no_grad():
        other = fresh(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    assert torch.nn.functional.cosine_similarity(other[real], expected[real], dim=-1).mean() < 0.5


def test_written_folder_seeds_a_token_classifier(tmp_path):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    assert is_translator_folder(SHIPPED_TRANSLATOR) and not is_translator_folder(SHIPPED_PUNCTUATOR)
    out = encoder_from_translator(SHIPPED_TRANSLATOR, tmp_path / "encoder")
    model = AutoModelForTokenClassification.from_pretrained(out, num_labels=8)
    layers = json.loads((SHIPPED_TRANSLATOR / "config.json").read_text())["encoder_layers"]
    assert model.config.num_hidden_layers == layers and model.config.num_labels == 8
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert tokenizer.get_vocab() == AutoTokenizer.from_pretrained(SHIPPED_TRANSLATOR).get_vocab()
    assert "The encoder of wenyuan-translator 1." in (out / "README.md").read_text(encoding="utf-8")


def test_a_folder_that_is_not_a_translator_is_refused(tmp_path):
    with pytest.raises(ModelLoadError, match=r"expected 'translator\.v1'"):
        encoder_from_translator(SHIPPED_PUNCTUATOR, tmp_path / "encoder")


def test_a_corrupt_translator_folder_is_named_in_the_error(tmp_path):
    import shutil

    broken = tmp_path / "translator"
    shutil.copytree(SHIPPED_TRANSLATOR, broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelLoadError, match=r"translator: cannot load the model"):
        encoder_from_translator(broken, tmp_path / "encoder")
    assert not (tmp_path / "encoder").exists()  # nothing half-written for a resumed run to pick up
