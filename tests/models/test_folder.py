"""Model folders: what ``save_fp16_folder`` writes is the model, not the state of its last call."""

from __future__ import annotations

import json

import pytest
from tokenizers import Tokenizer

from models.folder import folder_checksum, inference_checksum, read_metadata, save_fp16_folder

SHIPPED = ["models/translator", "models/punctuator", "models/entity_tagger"]


@pytest.mark.parametrize("folder", SHIPPED)
def test_shipped_tokenizers_neither_truncate_nor_pad(folder):
    raw = json.loads(open(f"{folder}/tokenizer.json", encoding="utf-8").read())
    assert raw["truncation"] is None and raw["padding"] is None
    assert "max_length" not in json.loads(open(f"{folder}/tokenizer_config.json", encoding="utf-8").read())


def test_saving_after_a_truncating_call_keeps_long_inputs_whole(tmp_path):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained("models/translator")
    model = AutoModelForSeq2SeqLM.from_pretrained("models/translator")
    tokenizer(["天地玄黄", "宇宙"], padding=True, truncation=True, max_length=3)
    save_fp16_folder(model, tokenizer, tmp_path, {"name": "t"}, card="# t\n")

    reloaded = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert len(reloaded.encode("天" * 300).ids) > 300
    assert "max_length" not in json.loads((tmp_path / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert read_metadata(tmp_path) == {"name": "t"}
    # The caller's tokenizer is left as it was.
    assert tokenizer._tokenizer.truncation is not None


def test_the_inference_checksum_follows_decoding_settings_but_not_scores(tmp_path):
    import shutil

    from tasks.punctuate import DEFAULT_MODEL

    folder = tmp_path / "punctuator"
    shutil.copytree(DEFAULT_MODEL, folder)
    before = (folder_checksum(folder), inference_checksum(folder))
    meta = read_metadata(folder)
    (folder / "wenyuan.json").write_text(json.dumps({**meta, "metrics": {}}), encoding="utf-8")
    assert (folder_checksum(folder), inference_checksum(folder)) == before  # scores steer nothing
    decoding = {**meta["decoding"], "no_mark_bias": meta["decoding"]["no_mark_bias"] - 0.5}
    (folder / "wenyuan.json").write_text(json.dumps({**meta, "decoding": decoding}), encoding="utf-8")
    assert folder_checksum(folder) == before[0]  # the weights, the model's identity, are the same
    assert inference_checksum(folder) != before[1]  # but its output is not
    checksums = set()
    for token in (None, "[SEP]"):  # texts read with or without boundary tokens: another output
        (folder / "wenyuan.json").write_text(json.dumps({**meta, "text_boundary_token": token}), encoding="utf-8")
        checksums.add(inference_checksum(folder))
    assert len(checksums) == 2


def test_a_model_ships_only_when_it_beats_the_shipped_one_by_more_than_the_margin(tmp_path):
    from models.folder import ship_if_better

    def folder(name: str, f1: float):
        path = tmp_path / name
        path.mkdir()
        (path / "wenyuan.json").write_text(json.dumps({"metrics": {"dev_mean_f1": f1}}), encoding="utf-8")
        return path

    shipped, close, clear = folder("shipped", 0.723), folder("close", 0.725), folder("clear", 0.74)
    assert ship_if_better(close, shipped, "dev_mean_f1", min_gain=0.01) == (False, 0.723)
    assert read_metadata(shipped)["metrics"]["dev_mean_f1"] == 0.723
    assert ship_if_better(close, shipped, "dev_mean_f1") == (True, 0.723)  # no margin: any gain ships
    assert ship_if_better(clear, shipped, "dev_mean_f1", min_gain=0.01) == (True, 0.725)
    assert read_metadata(shipped)["metrics"]["dev_mean_f1"] == 0.74
