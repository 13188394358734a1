"""Dublin Core: a CSV for collection-system importers (Omeka S CSV Import, CollectiveAccess) and ``oai_dc`` XML.

The CSV has one row per book, UTF-8 with a header of ``dcterms:`` property terms (Omeka S maps them
automatically); multivalued cells are joined with ``|`` (set the importer's multivalue separator to it).
"""

from __future__ import annotations

import csv
import io

from lxml import etree

from catalog.common import CatalogConfig, dynasty_span, incipit, iso_year, simplified, subjects
from tasks.tei import xml_safe
from wenyuan.document import Book

MULTIVALUE_SEPARATOR = "|"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
COLUMNS = [
    "dcterms:identifier",
    "dcterms:title",
    "dcterms:alternative",
    "dcterms:creator",
    "dcterms:date",
    "dcterms:temporal",
    "dcterms:type",
    "dcterms:format",
    "dcterms:language",
    "dcterms:subject",
    "dcterms:description",
    "dcterms:publisher",
    "dcterms:source",
    "dcterms:rights",
    "dcterms:hasFormat",
    "media",
]


def dc_fields(book: Book, cfg: CatalogConfig | None = None) -> dict[str, list[str]]:
    """The book's Dublin Core description as ``term -> values`` (dcterms names, without prefix)."""
    cfg = cfg or CatalogConfig()
    md = book.metadata
    title = md.title or book.id
    span = dynasty_span(md.dynasty)
    source = ", ".join(x for x in (md.institution, md.shelfmark) if x)
    text = incipit(book, cfg.incipit_chars)
    return {
        "identifier": [book.id, *([md.shelfmark] if md.shelfmark else [])],
        "title": [title],
        "alternative": [simplified(title)] if simplified(title) != title else [],
        "creator": [md.author] if md.author else [],
        "date": [f"{iso_year(span[0])}/{iso_year(span[1])}"] if span else [],
        "temporal": [md.dynasty] if md.dynasty else [],
        "type": ["Text", "StillImage"],
        "format": ["image/jpeg", "application/tei+xml"],
        "language": [md.language, "zh-Hans"] if any(s.translation for s in book.sentences) else [md.language],
        "subject": [name for _kind, name in subjects(book, cfg.subject_min_confidence)],
        "description": [x for x in (md.edition, text) if x],
        # The digital edition's publisher; the holding institution is in ``source`` with the shelfmark.
        "publisher": [md.publisher] if md.publisher else [],
        "source": [source] if source else [],
        "rights": [md.rights] if md.rights else [],
        "hasFormat": [cfg.manifest_url(book), f"{cfg.book_url(book)}/{book.id}.tei.xml"],
        "media": [cfg.image_url(book, page) for page in book.pages],
    }


def fields_to_csv(records: list[dict[str, list[str]]]) -> str:
    """CSV text with a ``dcterms:`` header and one row per record from :func:`dc_fields`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for fields in records:
        # A literal separator inside a value would split it on import; it becomes a full-width bar.
        writer.writerow(
            [
                MULTIVALUE_SEPARATOR.join(
                    v.replace(MULTIVALUE_SEPARATOR, "｜") for v in fields[c.removeprefix("dcterms:")]
                )
                for c in COLUMNS
            ]
        )
    return buf.getvalue()


def books_to_csv(books: list[Book], cfg: CatalogConfig | None = None) -> str:
    """One CSV row per book, ``dcterms:`` header, multivalued cells joined with ``|``."""
    return fields_to_csv([dc_fields(book, cfg) for book in books])


def book_to_oai_dc(book: Book, cfg: CatalogConfig | None = None) -> etree._Element:
    """The ``oai_dc:dc`` record of ``book`` (simple Dublin Core: refinements fold into their parent element)."""
    dc = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI})
    dc.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    fold = {"alternative": "title", "temporal": "coverage", "hasFormat": "relation", "media": "relation"}
    for term, values in dc_fields(book, cfg).items():
        for value in values:
            etree.SubElement(dc, f"{{{DC_NS}}}{fold.get(term, term)}").text = xml_safe(value, term)
    return dc
