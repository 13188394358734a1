"""Character-level person and place tagger (``entity-tagger.v1``): a BERT token classifier over BIO tags.

Its encoder starts from the shipped punctuator's (which has read 30M characters of classical prose) and is
fine-tuned on silver labels (``entities/silver.py``). Input is read per character in the model's
(simplified) script; punctuation marks and spaces all map to one separator token, so punctuated and
unpunctuated text both work and offsets stay those of the input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpora.punct import is_punctuation
from models.char_classifier import CharClassifier, CharEncoder

ARCHITECTURE = "entity-tagger.v1"

#: Entity kinds the tagger learns; titles, offices and dates stay with lexicons and patterns.
KINDS: tuple[str, ...] = ("person", "place")
#: BIO tags over characters.
TAGS: tuple[str, ...] = ("O", *(f"{p}-{k}" for k in KINDS for p in ("B", "I")))
TAG_TO_ID = {tag: i for i, tag in enumerate(TAGS)}


def bio_tags(length: int, spans: Iterable[tuple[str, int, int]]) -> list[str]:
    """One BIO tag per character of a text of ``length`` characters, from ``(kind, start, end)`` spans."""
    tags = ["O"] * length
    for kind, start, end in spans:
        if kind not in KINDS:
            continue
        tags[start] = f"B-{kind}"
        for k in range(start + 1, end):
            tags[k] = f"I-{kind}"
    return tags


def spans_from_tags(tags: Iterable[str]) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` spans of a BIO sequence; an I- tag without its B- opens a span of its own."""
    spans: list[tuple[str, int, int]] = []
    kind, start = None, 0
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, this = tag.partition("-")
        if kind is not None and not (prefix == "I" and this == kind):
            spans.append((kind, start, i))
            kind = None
        if prefix == "B" or (prefix == "I" and kind is None):
            kind, start = this, i
    return spans


class TaggerEncoder(CharEncoder):
    """Character ids with every punctuation mark and space mapped to the ``[SEP]`` token."""

    def __init__(self, tokenizer):
        super().__init__(tokenizer)
        self.sep = self.vocab[tokenizer.sep_token]

    def encode(self, chars: str) -> np.ndarray:
        ids = super().encode(chars)
        marks = [i for i, c in enumerate(chars) if is_punctuation(c)]
        ids[marks] = self.sep
        return ids


@dataclass(frozen=True)
class TaggedSpan:
    """A person or place the tagger found: character offsets, and the mean probability of its tags."""

    kind: str
    start: int
    end: int
    confidence: float


def build_from_encoder(encoder_folder: str | Path):
    """A token classifier over :data:`TAGS` whose encoder is copied from ``encoder_folder`` (a fresh head)."""
    import torch
    from transformers import AutoModelForTokenClassification

    from models.folder import quiet_transformers

    quiet_transformers()
    return AutoModelForTokenClassification.from_pretrained(
        encoder_folder,
        dtype=torch.float32,
        num_labels=len(TAGS),
        id2label=dict(enumerate(TAGS)),
        label2id={t: i for i, t in enumerate(TAGS)},
        ignore_mismatched_sizes=True,
    )


class EntityTagger(CharClassifier):
    """Finds persons and places in classical text of any length. ``bias`` (added to the O logit) is
    calibrated on the hand-checked dev set: silver labels miss names, so the model alone is shy of tagging."""

    architecture = ARCHITECTURE
    encoder_class = TaggerEncoder
    bias_key = "o_bias"

    def decode(self, text: str, logits: np.ndarray, bias: float | None = None) -> list[TaggedSpan]:
        """Spans from one text's logits; spans never include punctuation or spaces."""
        shifted = self.biased(logits, bias)
        best = shifted.argmax(-1)
        tags = ["O" if is_punctuation(ch) else self.labels[t] for ch, t in zip(text, best, strict=True)]
        probs = np.exp(shifted - shifted.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        chosen = probs[np.arange(len(best)), best]
        return [
            TaggedSpan(kind, start, end, round(float(chosen[start:end].mean()), 3))
            for kind, start, end in spans_from_tags(tags)
        ]

    def find(self, texts: list[str]) -> list[list[TaggedSpan]]:
        """Persons and places in each text."""
        return [self.decode(t, lg) for t, lg in zip(texts, self.predict_logits(texts), strict=True)]
