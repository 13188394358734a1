"""Self-describing model folders: loading checks, metadata, and saving fp16 copies."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from wenyuan.errors import ModelLoadError

METADATA_FILE = "wenyuan.json"


def read_metadata(folder: str | Path) -> dict[str, Any]:
    """Read ``wenyuan.json`` of a model folder (empty dict for a plain Hugging Face folder)."""
    path = Path(folder) / METADATA_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path}: unreadable model metadata ({exc})") from exc


def update_metadata(folder: str | Path, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into a model folder's ``wenyuan.json`` and return the whole metadata."""
    meta = read_metadata(folder)
    meta.update(fields)
    (Path(folder) / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


def check_model_folder(folder: str | Path, architecture: str | None = None) -> Path:
    """Fail early, naming the path, when ``folder`` is not a loadable model folder."""
    path = Path(folder)
    if not path.is_dir():
        raise ModelLoadError(f"{path}: model folder not found")
    if not (path / "config.json").exists():
        raise ModelLoadError(f"{path}: no config.json; not a Hugging Face model folder")
    if not any(path.glob("*.safetensors")) and not any(path.glob("*.bin")):
        raise ModelLoadError(f"{path}: no weights (*.safetensors) in the model folder")
    # transformers skips an unreadable generation_config.json without a word and decodes with its defaults.
    for name in ("config.json", "generation_config.json"):
        if (path / name).exists():
            try:
                json.loads((path / name).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ModelLoadError(f"{path / name}: not valid JSON ({exc})") from exc
    meta = read_metadata(path)
    if architecture and meta.get("architecture") not in (None, architecture):
        raise ModelLoadError(
            f"{path}: architecture {meta.get('architecture')!r} in {METADATA_FILE}, expected {architecture!r}"
        )
    return path


def folder_checksum(folder: str | Path) -> str:
    """SHA-256 over the weight files, recorded in TEI headers as the model's identity."""
    digest = hashlib.sha256()
    for f in sorted(Path(folder).glob("*.safetensors")):
        digest.update(f.read_bytes())
    return digest.hexdigest()


#: The files and the ``wenyuan.json`` fields besides the weights that change what a folder's model outputs.
_INFERENCE_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json")
_INFERENCE_FIELDS = ("decoding", "trained_window", "text_boundary_token")


def inference_checksum(folder: str | Path) -> str:
    """SHA-256 over all a folder holds that steers its output: the weights, the configs and tokenizer, and the
    decoding settings of ``wenyuan.json``. Stage caches key on it: a recalibrated bias or a new default decoding
    re-runs the stage, where the weights alone (``folder_checksum``, the model's identity) would not."""
    path = Path(folder)
    digest = hashlib.sha256(folder_checksum(path).encode())
    for name in _INFERENCE_FILES:
        if (path / name).exists():
            digest.update(name.encode() + b"\0" + (path / name).read_bytes())
    meta = read_metadata(path)
    digest.update(json.dumps({k: meta.get(k) for k in _INFERENCE_FIELDS}, sort_keys=True).encode())
    return digest.hexdigest()


def save_fp16_folder(model, tokenizer, folder: str | Path, metadata: dict[str, Any], card: str) -> None:
    """Save ``model`` as fp16 safetensors with its tokenizer, metadata and model card.

    The model is copied before halving so the caller's fp32 training copy is untouched.
    """
    import copy

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(model).to("cpu").half()
    half.save_pretrained(folder, safe_serialization=True)
    save_tokenizer(tokenizer, folder)
    (folder / METADATA_FILE).write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "README.md").write_text(card, encoding="utf-8")


# Settings of a tokenizer's last call, not of the tokenizer.
_CALL_SETTINGS = ("max_length", "stride", "truncation_strategy", "pad_to_multiple_of", "pad_token_type_id")


def save_tokenizer(tokenizer, folder: str | Path) -> None:
    """Save ``tokenizer`` without the padding and truncation of its last call.

    Why: a fast tokenizer keeps the settings of its last call (an evaluation's ``max_length``), and
    ``save_pretrained`` writes them out, so the folder would cut inputs short for anyone loading
    ``tokenizer.json`` with the ``tokenizers`` library alone, and they stick in ``tokenizer_config.json``.
    """
    import copy

    folder = Path(folder)
    clean = copy.deepcopy(tokenizer)
    backend = getattr(clean, "_tokenizer", None)
    if backend is not None:
        backend.no_truncation()
        backend.no_padding()
    clean.save_pretrained(folder)
    config_path = folder / "tokenizer_config.json"
    if config_path.exists():
        config = json.loads(config_path.read_text(encoding="utf-8"))
        for key in _CALL_SETTINGS:
            config.pop(key, None)
        for key in ("padding_side", "truncation_side"):
            if config.get(key) == "right":  # the default; written only because a call set it
                config.pop(key)
        config_path.write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def ship_if_better(
    candidate: str | Path, ship_to: str | Path, metric: str, min_gain: float = 0.0, baseline: float | None = None
) -> tuple[bool, float]:
    """Replace the folder ``ship_to`` by ``candidate`` when its ``metrics[metric]`` is higher by more than
    ``min_gain`` (a metric measured on a small set moves by noise alone; shipping on noise changes every
    output for nothing).

    ``metric`` is a dotted path into ``wenyuan.json``'s ``metrics`` (e.g. ``segmentation.f1``). ``baseline``, when
    given, stands for the shipped model's recorded score (it was measured on the candidate's dev set). The swap
    goes through a temporary copy so an interrupted ship never leaves a half-written model folder.

    Returns:
        Whether it shipped, and the shipped model's previous score (-1 when there was none).
    """
    import shutil

    def score(folder: str | Path) -> float:
        value: Any = read_metadata(folder).get("metrics", {})
        for key in metric.split("."):
            value = value.get(key, {}) if isinstance(value, dict) else {}
        return float(value) if isinstance(value, int | float) else -1.0

    candidate, ship_to = Path(candidate), Path(ship_to)
    previous = score(ship_to) if baseline is None else baseline
    if score(candidate) <= previous + min_gain:
        return False, previous
    tmp = ship_to.with_name(ship_to.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(candidate, tmp)
    shutil.rmtree(ship_to, ignore_errors=True)
    tmp.rename(ship_to)
    return True, previous


def quiet_transformers() -> None:
    """Silence transformers' per-load progress bars and advisories (pipeline logs say what loaded)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def load_model_folder(folder: str | Path, architecture: str, auto_class: str, device: str = "auto"):
    """Check and load a model folder with its tokenizer: fp16 on CUDA, fp32 on CPU.

    Args:
        folder: the model folder.
        architecture: the wenyuan architecture it must declare (if it has ``wenyuan.json`` at all).
        auto_class: the ``transformers`` auto class to load with, e.g. ``AutoModelForSeq2SeqLM``.
        device: ``auto``, ``cpu`` or ``cuda``.

    Returns:
        ``(model, tokenizer, device, provenance)`` where provenance holds ``name``, ``version``, ``checksum``.

    Raises:
        ModelLoadError: naming the folder when it is missing, incomplete or unreadable.
    """
    import torch
    import transformers

    from models.device import select_device

    path = check_model_folder(folder, architecture)
    dev = select_device(device)
    quiet_transformers()
    dtype = torch.float16 if dev.startswith("cuda") else torch.float32
    try:
        model = getattr(transformers, auto_class).from_pretrained(path, dtype=dtype)
        tokenizer = transformers.AutoTokenizer.from_pretrained(path)
    except Exception as exc:  # transformers raises OSError, ValueError, safetensors errors...
        raise ModelLoadError(f"{path}: cannot load the model ({exc})") from exc
    meta = read_metadata(path)
    provenance = {
        "name": meta.get("name", path.name),
        "version": str(meta.get("version", "0")),
        "checksum": folder_checksum(path),
    }
    return model, tokenizer, dev, provenance
