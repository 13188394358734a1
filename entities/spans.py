"""The shapes a found entity takes on its way through the annotator, from the richest to the plainest.

- :class:`Span`: what the rules and :func:`entities.finder.find_entities` return (kind, offsets, text, method,
  confidence).
- :data:`TaggedTuple`: ``(kind, start, end, confidence)``, a learned tagger's person or place as the finder
  takes it (:class:`models.entity_tagger.TaggedSpan` unpacked).
- :data:`SpanTuple`: ``(kind, start, end)``, what the translation rules (:mod:`entities.name_projection`,
  :mod:`entities.copied_places`) return, the silver labels are made from and the scorers compare.
- The JSON-ready dicts of :func:`entities.annotator.annotate_text` (with the dates' own fields), which the
  command line prints and the annotate stage turns into :class:`wenyuan.document.Entity`.

Dates have shapes of their own (:class:`entities.dates.DateMatch`, :class:`entities.date_evaluation.Dated`).
Offsets are characters of the text read, end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

SpanTuple = tuple[str, int, int]
TaggedTuple = tuple[str, int, int, float]


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str
    method: str
    confidence: float = 0.8
