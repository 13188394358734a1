"""Annotation stage: reign-era dates (resolved with the DILA tables), persons, places, book titles and
official titles (from mined lexicons and patterns of classical prose, with a learned person/place tagger
filling what they leave) as entities over the reading text.

Entities are searched sentence by sentence, in each sentence's own characters (a main-text sentence skips the
commentary printed inside it) read with the editor's marks after them (patterns such as lists with 、 need
them), so an entity never crosses a sentence boundary, never covers a mark and never alters the text.
The book's dynasty from the manifest chooses among eras that several regimes used, and the sentences are
read in order, so a year written without its era (二十年，… after 至元十九年) is read in the era named last.
A person named in full anywhere in the book (李怀光) is also found by the given name alone (怀光) everywhere
in it, and a sentence already translated lends its translation, which writes out the short forms the source
uses (仪 is 张仪, 燕 is 燕国: ``entities.name_projection``) and copies the names of places no lexicon holds (龙虎台,
战于长桥 as 在长桥交战: ``entities.copied_places``). Books are annotated a section (``section_pages``)
at a time, so "the book" here is the section (and an era is not carried from one section into the next).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from entities.dates import DateMatch, find_dates, find_dates_in_sequence
from entities.finder import METHODS as ENTITY_METHODS
from entities.finder import find_entities, given_names, name_form
from entities.mining.names import given_name
from wenyuan.document import Book, Char, Entity
from wenyuan.script import simplified_chars

METHOD = "dila-era-pattern"
DEFAULT_TAGGER = Path(__file__).resolve().parent.parent / "models" / "entity_tagger"


@lru_cache(maxsize=2)
def load_entity_tagger(model_dir: str, device: str = "auto"):
    """Load (once per process) the entity tagger folder ``model_dir``."""
    from models.entity_tagger import EntityTagger

    return EntityTagger.from_pretrained(model_dir, device=device)


def tag_texts(tagger, texts: list[str]) -> list[list[tuple[str, int, int, float]]]:
    """The tagger's persons and places in each text, as ``annotate_text`` takes them (none without a tagger)."""
    if tagger is None:
        return [[] for _ in texts]
    return [[(s.kind, s.start, s.end, s.confidence) for s in spans] for spans in tagger.find(texts)]


def _units(book: Book) -> list[list[int]]:
    """Global character offsets of each sentence's own characters (or of each stream, unpunctuated books)."""
    if book.sentences:
        return book.sentence_offsets()
    regions = [region.kind for _p, region, _l, _c in book.chars()]
    notes = [k for k, kind in enumerate(regions) if kind not in ("main", "marginalia")]
    return [[k for k, kind in enumerate(regions) if kind == "main"], notes]


def _reading(chars: list[Char], offsets: list[int]) -> tuple[str, list[int | None]]:
    """A unit's characters with the editor's marks after them (what the lexicons, patterns and tagger read
    best), and for each position of that text the global character offset (None for a mark)."""
    pieces: list[str] = []
    where: list[int | None] = []
    for k in offsets:
        pieces.append(chars[k].text)
        where.append(k)
        if chars[k].punct_after:
            pieces.append(chars[k].punct_after)
            where += [None] * len(chars[k].punct_after)
    return "".join(pieces), where


def annotate_book(book: Book, tagger=None) -> Book:
    """Add dates, persons, places, book titles and offices to ``book`` as entities (in place; replaces what
    earlier runs added). ``tagger``: an :class:`~models.entity_tagger.EntityTagger`, or None for lexicons
    and patterns alone. Sentences the translate stage has translated lend their translations
    (:func:`entities.name_projection.projected_spans`, :mod:`entities.copied_places`)."""
    chars = [ch for *_, ch in book.chars()]
    regime = book.metadata.dynasty
    entities = [e for e in book.entities if e.method != METHOD and e.method not in ENTITY_METHODS]
    readings = [_reading(chars, offsets) for offsets in _units(book)]
    translations = [s.translation for s in book.sentences] if book.sentences else None
    annotated = annotate_document([text for text, _ in readings], regime, tagger, translations)
    for (_text, where), found_in_text in zip(readings, annotated, strict=True):
        for found in found_in_text:
            kind, start, end, _ = found.pop("kind"), found.pop("start"), found.pop("end"), found.pop("text")
            if where[start] is None or where[end - 1] is None:
                continue  # an entity begins or ends with a mark: not one over page characters
            inside = [k for k in where[start:end] if k is not None]
            if kind == "date":
                # An era read from an earlier date (二十年 after 至元十九年) is an inference, not a reading.
                certain = found["valid"] and not found["alternatives"] and "era_from" not in found
                confidence, method, attributes = (1.0 if certain else 0.6), METHOD, found
            else:
                confidence, method, attributes = found["confidence"], found["method"], {}
            entities.append(
                Entity(
                    id=f"e{len(entities) + 1:05d}",
                    kind=kind,
                    start=inside[0],
                    end=inside[-1] + 1,
                    text="".join(chars[k].text for k in inside),
                    confidence=confidence,
                    method=method,
                    attributes=attributes,
                )
            )
    book.entities = sorted(entities, key=lambda e: e.start)
    tagger_info = {"tagger": f"{tagger.name} {tagger.version}", "tagger_sha256": tagger.checksum} if tagger else {}
    book.add_step("annotate", "wenyuan.annotate", "1", regime=regime or "", **tagger_info)
    return book


def document_given_names(texts: list[str]) -> dict[str, tuple[str, str]]:
    """Extra lexicon entries for the persons found anywhere in ``texts`` (one document): their given names
    (建徽 of 李建徽), and the full names that patterns found, so that a name a pattern marks once (杨惠元曰) is
    whole wherever else it stands rather than cut to its given name (惠元)."""

    found = {
        (name_form(simplified_chars(s.text)), s.method, text[s.start - 1 : s.start] == "字")
        for text in texts
        for s in find_entities(text)
        if s.kind == "person"
    }
    full_names = {name for name, _, _ in found}
    # A speaker named without a surname (子罕曰：) is as much a name elsewhere in the text (献诸子罕).
    bare = {name for name, method, _ in found if method == "speaker-pattern"}
    # A courtesy name (季壬 of 陈桷，字季壬) has no surname to take off, whatever its first character.
    extra = given_names(sorted({name for name, _, courtesy in found if not courtesy}))
    extra.update({name: ("person", "document-name") for name in full_names if given_name(name) or name in bare})
    return extra


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
    tagged: list[tuple[str, int, int, float]] | None = None,
    dates: list[DateMatch] | None = None,
    translation: str | None = None,
) -> list[dict]:
    """Entities of one passage as JSON-ready dicts (``kind``, ``text``, ``start``, ``end``, details), in order.

    ``extra``: lexicon entries for this passage only (see :func:`entities.finder.given_names`); ``tagged``: the
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
