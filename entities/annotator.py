"""Dates and entities of a document's passages (texts, no :class:`~wenyuan.document.Book`): what the annotate
stage and ``wenyuan annotate`` find, as JSON-ready dicts.

The passages are read in order, so a year written without its era (二十年，… after 至元十九年) is read in the era
named last (:func:`entities.dates.find_dates_in_sequence`), and a person named in full in one passage is found by
the given name alone in all (:mod:`entities.document_names`). A date holds its characters: a person or place
found inside one is dropped (:func:`annotate_text`).
"""

from __future__ import annotations

from entities.dates import DateMatch, find_dates, find_dates_in_sequence
from entities.document_names import document_given_names
from entities.finder import find_entities
from entities.spans import TaggedTuple


def tag_texts(tagger, texts: list[str]) -> list[list[TaggedTuple]]:
    """The tagger's persons and places in each text, as ``annotate_text`` takes them (none without a tagger).
    ``tagger``: an :class:`~models.entity_tagger.EntityTagger`, or None."""
    if tagger is None:
        return [[] for _ in texts]
    return [[(s.kind, s.start, s.end, s.confidence) for s in spans] for spans in tagger.find(texts)]


def annotate_document(
    texts: list[str], regime: str | None = None, tagger=None, translations: list[str | None] | None = None
) -> list[list[dict]]:
    """:func:`annotate_text` over the passages of one document in reading order: a person named in full in
    one is found by the given name alone in all, and a year written without its era is read in the era of
    the last date before it. ``translations``: a modern translation of each passage (or None), whose names
    written in full find the source's short forms."""
    extra = document_given_names(texts)
    dated = find_dates_in_sequence(texts, regime)
    translations = translations or [None] * len(texts)
    return [
        annotate_text(text, regime, extra, tagged, dates, translation)
        for text, tagged, dates, translation in zip(texts, tag_texts(tagger, texts), dated, translations, strict=True)
    ]


def annotate_text(
    text: str,
    regime: str | None = None,
    extra: dict[str, tuple[str, str]] | None = None,
    tagged: list[TaggedTuple] | None = None,
    dates: list[DateMatch] | None = None,
    translation: str | None = None,
) -> list[dict]:
    """Entities of one passage as JSON-ready dicts (``kind``, ``text``, ``start``, ``end``, details), in order.

    ``extra``: lexicon entries for this passage only (see :func:`entities.document_names.given_names`); ``tagged``: the
    entity tagger's spans in it (:func:`tag_texts`); ``dates``: its dates read in the context of the passages
    before it (:func:`entities.dates.find_dates_in_sequence`), else they are found in the passage alone;
    ``translation``: the passage in modern Chinese, if it has been translated (see
    :func:`entities.finder.find_entities`).
    """
    if dates is None:
        dates = find_dates(text, regime=regime)
    found = [{"kind": "date", **m.as_dict()} for m in dates]
    taken = {k for d in found for k in range(d["start"], d["end"])}
    found += [
        {"kind": s.kind, "text": s.text, "start": s.start, "end": s.end, "method": s.method, "confidence": s.confidence}
        for s in find_entities(text, extra, tagged, translation)
        if not taken.intersection(range(s.start, s.end))
    ]
    return sorted(found, key=lambda d: d["start"])
