"""Silver person and place labels for the entity tagger: the shipped lexicons and patterns
(``entities.finder``) applied to the classical side of the parallel corpus.

Sentences are labelled a chapter at a time, so a given name alone (怀光) is marked wherever the chapter names
the person in full (李怀光), as the pipeline does. The labels are precise but incomplete (the rules find about
half of the names in the hand-checked sets); the tagger is meant to learn the contexts and shapes of names
from them and generalise to names no lexicon holds.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpora.parallel import iter_pairs
from entities.document_names import document_given_names
from entities.finder import find_entities
from entities.lexicons import read_lexicon
from entities.vocabulary import SURNAMES_1, given_name
from models.entity_tagger import TAGS, bio_tags, spans_from_tags


def label_chapter(sentences: list[str], translations: list[str] | None = None) -> list[list[str]]:
    """Silver BIO tags for the sentences of one chapter: persons and places found by the rules, and, where
    the ``translations`` are given, those they name in full (:func:`entities.name_projection.projected_spans`)."""
    extra = document_given_names(sentences)
    translations = translations or [None] * len(sentences)
    return [
        bio_tags(len(text), ((s.kind, s.start, s.end) for s in find_entities(text, extra, translation=tgt)))
        for text, tgt in zip(sentences, translations, strict=True)
    ]


def iter_silver(
    path: str | Path, every: int = 1, limit: int | None = None, project: bool = True
) -> Iterator[tuple[str, list[str]]]:
    """``(sentence, tags)`` for the sources of a ``cm_*.tsv.gz`` file, chapter by chapter, streamed.

    ``every``: label every n-th chapter only (a sample spread over all books, since the file is in book
    order). ``limit`` stops after that many sentences (at the end of the chapter it falls in). ``project``:
    add the persons and places the translations name in full (:func:`entities.name_projection.projected_spans`).
    """
    seen = 0
    chapters = itertools.groupby(iter_pairs(path), key=lambda p: (p.book, p.chapter))
    for _key, pairs in itertools.islice(chapters, 0, None, every):
        pairs = list(pairs)
        sentences = [p.src for p in pairs]
        translations = [p.tgt for p in pairs] if project else None
        yield from zip(sentences, label_chapter(sentences, translations), strict=True)
        seen += len(sentences)
        if limit is not None and seen >= limit:
            return


@dataclass(frozen=True)
class NamePools:
    """Token ids to make up names from: surnames, and the characters of given names and of place names
    (without their last character) in the shipped lexicons, with their frequencies as weights."""

    surnames: np.ndarray
    given: np.ndarray
    given_weights: np.ndarray
    place: np.ndarray
    place_weights: np.ndarray


def name_pools(encoder) -> NamePools:
    """Pools for :func:`swap_names`, in the ids of ``encoder`` (a :class:`~models.char_classifier.CharEncoder`);
    characters it does not know are left out."""

    def pool(chars: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        keys = sorted(chars)
        ids = encoder.encode("".join(keys))
        known = ids != encoder.unk
        weights = np.array([chars[k] for k in keys], dtype=np.float64)[known]
        return ids[known], weights / weights.sum()

    given: Counter[str] = Counter()
    for name in read_lexicon("persons.tsv", "person"):
        given.update(given_name(name) or "")
    places: Counter[str] = Counter(ch for place in read_lexicon("places.tsv", "place") for ch in place[:-1])
    surnames, _ = pool(Counter(SURNAMES_1))
    return NamePools(surnames, *pool(given), *pool(places))


def swap_names(ids: np.ndarray, tags: np.ndarray, rng: np.random.Generator, pools: NamePools, p: float = 0.5):
    """A copy of ``ids`` (batch x length) in which each silver person or place is, with probability ``p``,
    replaced by a made-up one of the same length: a surname and given-name characters for a person; for a
    place of two or more characters, new characters before its last one (州, 山, 河 stay).

    Silver labels come from lexicons, so a tagger could learn the lexicon by heart; made-up names make it
    read the context and the shape of a name instead, which is what finds the names no lexicon holds.
    """
    out = ids.copy()
    for row in range(tags.shape[0]):
        for kind, start, end in spans_from_tags([TAGS[t] for t in tags[row]]):
            if rng.random() >= p:
                continue
            if kind == "person" and end - start >= 2:
                out[row, start] = rng.choice(pools.surnames)
                out[row, start + 1 : end] = rng.choice(pools.given, size=end - start - 1, p=pools.given_weights)
            elif kind == "place" and end - start >= 2:
                out[row, start : end - 1] = rng.choice(pools.place, size=end - start - 1, p=pools.place_weights)
    return out
