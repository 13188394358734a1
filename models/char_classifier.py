"""Character classifiers: a token classifier that gives every input character one label, over texts of any
length. The punctuator and the entity tagger are two of them, with one interface (``from_pretrained``,
``predict_logits``, ``decode``).

Long texts are read in overlapping windows; each character takes its logits from the window in which it sits
furthest from an edge, so no input is truncated and every prediction has context on both sides. The window is
the length the model was trained on (``trained_window`` in ``wenyuan.json``): position embeddings beyond it
were never trained. Input is read per character in the models' (simplified) script, so offsets stay those of
the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from models.folder import load_model_folder, read_metadata
from wenyuan.errors import ModelLoadError
from wenyuan.script import simplified_char


class CharEncoder:
    """Maps characters to vocabulary ids without the overhead of a tokenizer call per character."""

    def __init__(self, tokenizer):
        self.vocab: dict[str, int] = tokenizer.get_vocab()
        self.unk = self.vocab[tokenizer.unk_token]
        self.pad = self.vocab[tokenizer.pad_token]

    def encode(self, chars: str) -> np.ndarray:
        get, unk = self.vocab.get, self.unk
        return np.fromiter((get(simplified_char(c), unk) for c in chars), dtype=np.int32, count=len(chars))


T = TypeVar("T")


def sweep_bias(grid: Iterable[float], evaluate: Callable[[float], T], key: Callable[[T], float]) -> tuple[float, T]:
    """The bias of ``grid`` whose ``evaluate(bias)`` is best by ``key``, and that result (the calibration of
    a classifier's label-0 bias: the model runs once outside, only decoding inside ``evaluate``). Ties go to
    the bias nearest zero."""
    best: tuple[float, T] | None = None
    for bias in sorted(grid, key=abs):
        result = evaluate(bias)
        if best is None or key(result) > key(best[1]):
            best = (bias, result)
    if best is None:
        raise ValueError("empty bias grid")
    return best


def window_spans(n: int, window: int, stride: int) -> list[tuple[int, int]]:
    """``(start, end)`` of the windows that cover ``n`` characters."""
    if n <= window:
        return [(0, n)]
    starts = [*range(0, n - window, stride), n - window]
    return [(s, s + window) for s in starts]


def windowed_logits(
    model,
    encoded: list[np.ndarray],
    num_labels: int,
    pad_id: int,
    device: str,
    window: int,
    stride: int,
    batch_size: int,
) -> list[np.ndarray]:
    """Logits (characters x labels) for each encoded text (an array of token ids, one per character)."""
    import torch

    jobs: list[tuple[int, int, int]] = []
    for ti, ids in enumerate(encoded):
        jobs.extend((ti, s, e) for s, e in window_spans(len(ids), window, stride) if e > s)
    scores = [np.full((len(ids),), -1.0, dtype=np.float32) for ids in encoded]
    result = [np.zeros((len(ids), num_labels), dtype=np.float32) for ids in encoded]
    jobs.sort(key=lambda j: j[2] - j[1])  # similar lengths together: less padding
    for b in range(0, len(jobs), batch_size):
        chunk = jobs[b : b + batch_size]
        width = max(e - s for _, s, e in chunk)
        ids = np.full((len(chunk), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(chunk), width), dtype=np.int64)
        for row, (ti, s, e) in enumerate(chunk):
            ids[row, : e - s] = encoded[ti][s:e]
            mask[row, : e - s] = 1
        with torch.inference_mode():
            logits = model(
                input_ids=torch.from_numpy(ids).to(device), attention_mask=torch.from_numpy(mask).to(device)
            ).logits
        logits = logits.float().cpu().numpy()
        for row, (ti, s, e) in enumerate(chunk):
            pos = np.arange(e - s)
            centrality = np.minimum(pos + 1, e - s - pos)
            # Window edges at the text's own start/end are not edges of context.
            if s == 0:
                centrality = np.maximum(centrality, e - s - pos)
            if e == len(encoded[ti]):
                centrality = np.maximum(centrality, pos + 1)
            better = centrality > scores[ti][s:e]
            scores[ti][s:e][better] = centrality[better]
            result[ti][s:e][better] = logits[row][: e - s][better]
    return result


#: The window length the training flows use (and record as a folder's ``trained_window``); also the default
#: for a folder that does not say. Reading a 128-trained model in 256-character windows puts half of each
#: window on untrained positions: it cost the punctuator 0.085 segmentation F1 (bench/RESULTS.md).
TRAINED_WINDOW = 128


class CharClassifier:
    """A loaded character classifier. Subclasses name their ``architecture``, their ``encoder_class`` and the
    ``bias_key`` under which ``wenyuan.json`` keeps their calibrated decoding bias.

    ``bias`` is added to the logit of label 0 (no mark, outside an entity) before the argmax: a negative value
    trades precision for recall of the other labels.
    """

    architecture = ""
    encoder_class: type[CharEncoder] = CharEncoder
    bias_key = "bias"

    def __init__(
        self,
        model,
        tokenizer,
        device: str = "cpu",
        window: int = TRAINED_WINDOW,
        stride: int | None = None,
        batch_size: int = 32,
        name: str = "",
        version: str = "0",
        checksum: str = "",
        bias: float = 0.0,
        boundary_token: str | None = None,
    ):
        # A window cannot exceed the positions the model has. Half-window strides: every character has a
        # window where it sits in the middle half.
        window = min(window, getattr(model.config, "max_position_embeddings", window))
        stride = max(1, window // 2) if stride is None else stride
        if not 0 < stride <= window:
            raise ValueError("stride must be in (0, window]")
        self.model = model.to(device).eval()
        self.encoder = self.encoder_class(tokenizer)
        # A model trained with text-boundary tokens between paragraphs reads each text between two of them.
        self.boundary_token = boundary_token
        self.boundary_id = None
        if boundary_token is not None:
            if boundary_token not in self.encoder.vocab:
                raise ValueError(f"text boundary token {boundary_token!r} is not in the vocabulary")
            self.boundary_id = self.encoder.vocab[boundary_token]
        self.device = device
        self.window = window
        self.stride = stride
        self.batch_size = batch_size
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        self.bias = bias
        self.name = name or self.architecture
        self.version = version
        self.checksum = checksum

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "auto", **kwargs: Any):
        """Load a model folder with its calibrated bias and its training window; fp16 weights are used on CUDA,
        fp32 on CPU."""
        model, tokenizer, dev, provenance = load_model_folder(
            folder, cls.architecture, "AutoModelForTokenClassification", device
        )
        meta = read_metadata(folder)
        saved = {
            "bias": meta.get("decoding", {}).get(cls.bias_key, 0.0),
            "window": meta.get("trained_window", TRAINED_WINDOW),
            "boundary_token": meta.get("text_boundary_token"),
        }
        try:
            return cls(model, tokenizer, dev, **{**saved, **provenance, **kwargs})
        except ValueError as exc:  # e.g. a boundary token its vocabulary lacks: name the folder
            raise ModelLoadError(f"{folder}: {exc}") from exc

    def predict_logits(self, texts: list[str]) -> list[np.ndarray]:
        """Per-character label logits (characters x labels) for each text."""
        encoded = [self.encoder.encode(t) for t in texts]
        if self.boundary_id is not None:
            edge = np.array([self.boundary_id], dtype=np.int32)
            encoded = [np.concatenate((edge, ids, edge)) for ids in encoded]
        logits = windowed_logits(
            self.model,
            encoded,
            len(self.labels),
            self.encoder.pad,
            self.device,
            self.window,
            self.stride,
            self.batch_size,
        )
        return logits if self.boundary_id is None else [lg[1:-1] for lg in logits]

    def biased(self, logits: np.ndarray, bias: float | None = None) -> np.ndarray:
        """A copy of ``logits`` with the bias (``self.bias`` unless given) added to label 0."""
        shifted = logits.copy()
        shifted[:, 0] += self.bias if bias is None else bias
        return shifted
