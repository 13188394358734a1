"""Character-level punctuation model (``punctuator.v1``): a small BERT token classifier trained from scratch.

The model reads simplified characters (the script of its training corpus); traditional input is mapped to
simplified one character at a time with OpenCC, so positions stay aligned with the page text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from corpora.punct import LABEL_TO_ID, PUNCT_LABELS, extract_labels, is_punctuation
from models.folder import load_model_folder, read_metadata

ARCHITECTURE = "punctuator.v1"


@dataclass
class PunctuatorArch:
    """Architecture of a new punctuator (ignored when resuming or loading)."""

    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int = 1024
    max_positions: int = 512
    dropout: float = 0.1


def build_model(vocab_size: int, arch: PunctuatorArch, pad_id: int = 0):
    """A freshly initialised ``BertForTokenClassification`` over the punctuation label set."""
    from transformers import BertConfig, BertForTokenClassification

    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=arch.hidden,
        num_hidden_layers=arch.layers,
        num_attention_heads=arch.heads,
        intermediate_size=arch.intermediate,
        max_position_embeddings=arch.max_positions,
        hidden_dropout_prob=arch.dropout,
        attention_probs_dropout_prob=arch.dropout,
        type_vocab_size=1,
        pad_token_id=pad_id,
        num_labels=len(PUNCT_LABELS),
        id2label=dict(enumerate(PUNCT_LABELS)),
        label2id=dict(LABEL_TO_ID),
    )
    return BertForTokenClassification(config)


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_model_script(ch: str) -> str:
    """Simplified form of one character (itself when OpenCC maps it to more or fewer characters)."""
    out = _t2s().convert(ch)
    return out if len(out) == 1 else ch


class CharEncoder:
    """Maps characters to vocabulary ids without the overhead of a tokenizer call per character."""

    def __init__(self, tokenizer):
        self.vocab: dict[str, int] = tokenizer.get_vocab()
        self.unk = self.vocab[tokenizer.unk_token]
        self.pad = self.vocab[tokenizer.pad_token]

    def encode(self, chars: str) -> np.ndarray:
        get, unk = self.vocab.get, self.unk
        return np.fromiter((get(to_model_script(c), unk) for c in chars), dtype=np.int32, count=len(chars))


def encode_labelled(texts, encoder: CharEncoder) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate labelled paragraphs into one id array and one label array (streams its input)."""
    ids: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for lt in texts:
        ids.append(encoder.encode(lt.chars))
        labels.append(np.fromiter((LABEL_TO_ID[x] for x in lt.labels), dtype=np.int8, count=len(lt.labels)))
    return np.concatenate(ids), np.concatenate(labels)


def window_batch(ids: np.ndarray, labels: np.ndarray, step: int, seed: int, batch: int, length: int) -> dict:
    """Random windows of the concatenated corpus, a pure function of ``step`` (for exact resume)."""
    import torch

    rng = np.random.default_rng([seed, step])
    starts = rng.integers(0, len(ids) - length, size=batch)
    idx = starts[:, None] + np.arange(length)[None, :]
    return {
        "input_ids": torch.from_numpy(ids[idx].astype(np.int64)),
        "attention_mask": torch.ones((batch, length), dtype=torch.long),
        "labels": torch.from_numpy(labels[idx].astype(np.int64)),
    }


class Punctuator:
    """Inserts editorial punctuation into unpunctuated classical text.

    Long inputs are read in overlapping windows; each character takes its label from the window in which it
    sits furthest from an edge, so no input is truncated and every prediction has context on both sides.
    """

    def __init__(
        self,
        model,
        tokenizer,
        device: str = "cpu",
        window: int = 256,
        stride: int = 192,
        batch_size: int = 32,
        name: str = ARCHITECTURE,
        version: str = "0",
        checksum: str = "",
        no_mark_bias: float = 0.0,
    ):
        # A window cannot exceed the positions the model has; the stride shrinks with it.
        limit = getattr(model.config, "max_position_embeddings", window)
        if window > limit:
            stride, window = max(1, stride * limit // window), limit
        if not 0 < stride <= window:
            raise ValueError("stride must be in (0, window]")
        self.model = model.to(device).eval()
        self.encoder = CharEncoder(tokenizer)
        self.device = device
        self.window = window
        self.stride = stride
        self.batch_size = batch_size
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        # Added to the no-mark logit before the argmax: a negative value trades precision for recall of
        # breaks. Calibrated on dev when a model is trained (``calibrate_no_mark_bias``), kept in wenyuan.json.
        self.no_mark_bias = no_mark_bias
        self.name = name
        self.version = version
        self.checksum = checksum

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "auto", **kwargs: Any) -> Punctuator:
        """Load a punctuator folder; fp16 weights are used on CUDA and widened to fp32 on CPU."""
        model, tokenizer, dev, provenance = load_model_folder(
            folder, ARCHITECTURE, "AutoModelForTokenClassification", device
        )
        decoding = read_metadata(folder).get("decoding", {})
        return cls(model, tokenizer, dev, **{"no_mark_bias": decoding.get("no_mark_bias", 0.0), **provenance, **kwargs})

    def _windows(self, n: int) -> list[tuple[int, int]]:
        if n <= self.window:
            return [(0, n)]
        starts = [*list(range(0, n - self.window, self.stride)), n - self.window]
        return [(s, s + self.window) for s in starts]

    def predict_labels(self, texts: list[str]) -> list[list[str]]:
        """One label per character of each (unpunctuated) text."""
        return [self.decode(logits) for logits in self.predict_logits(texts)]

    def decode(self, logits: np.ndarray, no_mark_bias: float | None = None) -> list[str]:
        """Labels from per-character logits (``predict_logits``), with the no-mark bias applied."""
        bias = self.no_mark_bias if no_mark_bias is None else no_mark_bias
        shifted = logits.copy()
        shifted[:, self.labels.index("O")] += bias
        return [self.labels[i] for i in shifted.argmax(-1)]

    def predict_logits(self, texts: list[str]) -> list[np.ndarray]:
        """Per-character label logits (characters x labels) for each (unpunctuated) text."""
        import torch

        jobs: list[tuple[int, int, int]] = []
        encoded = [self.encoder.encode(t) for t in texts]
        for ti, ids in enumerate(encoded):
            jobs.extend((ti, s, e) for s, e in self._windows(len(ids)) if e > s)
        scores = [np.full((len(ids),), -1.0, dtype=np.float32) for ids in encoded]
        result = [np.zeros((len(ids), len(self.labels)), dtype=np.float32) for ids in encoded]
        jobs.sort(key=lambda j: j[2] - j[1])  # similar lengths together: less padding
        for b in range(0, len(jobs), self.batch_size):
            chunk = jobs[b : b + self.batch_size]
            width = max(e - s for _, s, e in chunk)
            ids = np.full((len(chunk), width), self.encoder.pad, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, (ti, s, e) in enumerate(chunk):
                ids[row, : e - s] = encoded[ti][s:e]
                mask[row, : e - s] = 1
            with torch.inference_mode():
                logits = self.model(
                    input_ids=torch.from_numpy(ids).to(self.device),
                    attention_mask=torch.from_numpy(mask).to(self.device),
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

    def punctuate(self, texts: list[str]) -> list[str]:
        """Insert marks into each text; existing marks, spaces and all other characters stay as they are.

        A character already followed by a mark gets no predicted mark, so punctuated input keeps its own.
        """
        stripped: list[str] = []
        keep: list[list[int]] = []
        for text in texts:
            positions = [i for i, ch in enumerate(text) if not is_punctuation(ch)]
            keep.append(positions)
            stripped.append("".join(text[i] for i in positions))
        predicted = self.predict_labels(stripped)
        out = []
        for text, positions, labels in zip(texts, keep, predicted, strict=True):
            insert_after = dict(zip(positions, labels, strict=True))
            pieces = []
            for i, ch in enumerate(text):
                pieces.append(ch)
                label = insert_after.get(i, "O")
                followed_by_mark = i + 1 < len(text) and is_punctuation(text[i + 1]) and not text[i + 1].isspace()
                if label != "O" and not followed_by_mark:
                    pieces.append(label)
            out.append("".join(pieces))
        return out


def evaluate_punctuator(punctuator: Punctuator, paragraphs: list[str]) -> dict[str, object]:
    """Score ``punctuator`` on punctuated gold paragraphs (marks stripped for input)."""
    from models.metrics import punctuation_scores

    gold = [extract_labels(p) for p in paragraphs]
    pred = punctuator.predict_labels([g.chars for g in gold])
    return punctuation_scores(((p, g.labels) for p, g in zip(pred, gold, strict=True)), PUNCT_LABELS[1:])


def calibrate_no_mark_bias(
    punctuator: Punctuator, paragraphs: list[str], grid: tuple[float, ...] = tuple(x / 4 for x in range(-12, 3))
) -> tuple[float, float]:
    """The no-mark bias from ``grid`` with the best segmentation F1 on ``paragraphs``, and that F1.

    The model runs once; only the argmax is repeated per bias. Ties go to the bias nearest zero.
    """
    from models.metrics import punctuation_scores

    gold = [extract_labels(p) for p in paragraphs]
    logits = punctuator.predict_logits([g.chars for g in gold])
    best = (0.0, -1.0)
    for bias in sorted(grid, key=abs):
        pred = [punctuator.decode(lg, bias) for lg in logits]
        f1 = punctuation_scores(((p, g.labels) for p, g in zip(pred, gold, strict=True)), PUNCT_LABELS[1:])
        if f1["segmentation"]["f1"] > best[1]:
            best = (bias, f1["segmentation"]["f1"])
    return best
