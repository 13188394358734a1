"""Read a wenyuan TEI edition (for example one an archivist corrected) back into the document model.

The inverse of :mod:`tasks.tei` for everything the TEI carries: metadata, processing steps and revisions,
pages and line zones, the reading with its regularisations, uncertain readings, editorial punctuation,
sentences and their translations. What TEI does not carry (character boxes, confidences of clear readings,
stage settings) can be taken from the document JSON the edition was made from (``base``); characters the
archivist changed are then recorded as edits, and :func:`corrections` lists them as training examples.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree

from tasks.corrections import Tally, record_session
from tasks.tei import DEFAULT_LICENCE, PERSON_NAME, TEI_NS
from wenyuan.document import Book, BookMetadata, Change, Char, Edit, Entity, Line, Page, Region, Sentence, Step
from wenyuan.errors import BadInputError
from wenyuan.io import atomic_write_bytes
from wenyuan.years import iso8601_from_xsd10

T = f"{{{TEI_NS}}}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_ENTITY_KINDS = {"persName": "person", "placeName": "place", "title": "title", "date": "date", "roleName": "office"}
_DESC = re.compile(r"stage (?P<stage>[^,]+)(?:, version (?P<version>[^,]+))?(?:, sha256 (?P<checksum>\w+))?")


def _person(ref: str | None) -> str | None:
    """A workbench user's name from the ``@resp``/``@who`` pointer :func:`tasks.tei.person_id` wrote; a pointer
    that is no such name (another tool's, several at once) is kept as ``unknown``, which still makes an id."""
    if not ref:
        return None
    name = ref.lstrip("#").removeprefix("reviewer-")
    return name if PERSON_NAME.match(name) else "unknown"


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _text(el, path: str) -> str | None:
    found = el.find(path)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _header(root) -> tuple[str | None, BookMetadata, list[Step], list[Change]]:
    fd = f"{T}teiHeader/{T}fileDesc"
    book_id = _text(root, f"{fd}/{T}publicationStmt/{T}idno[@type='wenyuan']")
    ms = f"{fd}/{T}sourceDesc/{T}msDesc"
    title = _text(root, f"{fd}/{T}titleStmt/{T}title")
    licence = _text(root, f"{fd}/{T}publicationStmt/{T}availability/{T}licence")
    md = BookMetadata(
        title=None if title == book_id else title,
        author=_text(root, f"{fd}/{T}titleStmt/{T}author"),
        institution=_text(root, f"{ms}/{T}msIdentifier/{T}institution"),
        shelfmark=_text(root, f"{ms}/{T}msIdentifier/{T}idno[@type='shelfmark']"),
        dynasty=_text(root, f"{ms}/{T}history/{T}origin/{T}origDate"),
        edition=_text(root, f"{ms}/{T}msContents/{T}msItem/{T}note[@type='edition']"),
        rights=None if licence == DEFAULT_LICENCE else licence,
        publisher=_text(root, f"{fd}/{T}publicationStmt/{T}publisher"),
    )
    published = root.find(f"{fd}/{T}publicationStmt/{T}date")
    at = datetime.now(UTC)
    if published is not None and published.get("when"):
        at = datetime.combine(date.fromisoformat(published.get("when")), datetime.min.time(), UTC)
    steps = []
    for app in root.iterfind(f"{T}teiHeader/{T}encodingDesc/{T}appInfo/{T}application"):
        if app.get("ident") == "wenyuan":
            continue
        m = _DESC.match(_text(app, f"{T}desc") or "")
        if m:
            steps.append(
                Step(
                    stage=m["stage"],
                    tool=_text(app, f"{T}label") or app.get("ident"),
                    version=m["version"] or "",
                    checksum=m["checksum"] or "",
                    at=at,
                )
            )
    tagger = root.find(f"{fd}/{T}titleStmt/{T}respStmt/{T}name[@{XML_ID}='entity-tagger']")
    for step in steps:
        if step.stage == "annotate" and tagger is not None and tagger.text:
            step.settings["tagger"] = tagger.text
    changes = [
        Change(
            when=datetime.fromisoformat(c.get("when")),
            who=_person((c.get("who") or "#wenyuan").lstrip("#")),
            what="".join(c.itertext()).strip(),
        )
        for c in root.iterfind(f"{T}teiHeader/{T}revisionDesc/{T}change")
        if c.get("when")
    ]
    return book_id, md, steps, changes


_SOURCE = re.compile(r"^Scan: (?P<file>.+?)(?:, page (?P<page>\d+))?$")


def _source(desc: str | None, image: str) -> tuple[str, int]:
    """The archive's scan a surface was made from (``desc type="source"``), else the edition's image."""
    m = _SOURCE.match((desc or "").strip())
    if not m:
        return image, 0
    return m["file"], int(m["page"]) - 1 if m["page"] else 0


def _points(value: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in value.split())]


def _bounds_polygon(lines: list[Line]) -> list[tuple[float, float]]:
    xs = [x for ln in lines for x, _ in ln.polygon] or [0.0]
    ys = [y for ln in lines for _, y in ln.polygon] or [0.0]
    return [(min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys))]


class _BodyReader:
    """Walks the transcription in document order, rebuilding regions, lines, characters and sentences."""

    def __init__(self, pages: dict[str, Page], zones: dict[str, list[tuple[float, float]]]):
        self.pages = pages
        self.zones = zones
        self.page: Page | None = None
        self.region: Region | None = None
        self.line: Line | None = None
        self.in_note = False
        self.in_margin = False
        self.register = 0
        self.offset = 0
        self.last_char: dict[bool, Char | None] = {True: None, False: None}
        self.sentences: list[Sentence] = []
        self.entities: list[Entity] = []
        self.edits: list[Edit] = []
        self.read = 0  # position in the current line as OCR read it: its characters and the gaps cleaning left

    def _new_region(self, kind: str, register: int) -> None:
        if self.page is None:
            raise BadInputError("TEI", "text before the first <pb>: not a wenyuan edition")
        self.region = Region(
            id=f"{self.page.id}-r{len(self.page.regions) + 1:03d}", kind=kind, polygon=[], register_index=register
        )
        self.page.regions.append(self.region)

    def _new_line(self, line_id: str) -> None:
        kind = "marginalia" if self.in_margin else "commentary" if self.in_note else "main"
        register = 0 if kind == "marginalia" else self.register  # margin text lies outside the registers
        if self.region is None or self.region.kind != kind or self.region.register_index != register:
            self._new_region(kind, register)
        self.line = Line(id=line_id, polygon=self.zones.get(line_id, []))
        self.region.lines.append(self.line)
        self.read = 0

    def add_text(
        self,
        text: str | None,
        confidence: float | None = None,
        orig: str | None = None,
        sic: str | None = None,
        corrected_by: str | None = None,
    ) -> None:
        for ch in text or "":
            if ch.isspace():  # layout whitespace of the XML, not text (the editions carry no spaces)
                continue
            if self.line is None:
                raise BadInputError("TEI", f"character {ch!r} before the first <lb>: not a wenyuan edition")
            char = Char(text=ch, confidence=confidence, orig=orig, sic=sic, corrected_by=corrected_by)
            self.line.chars.append(char)
            self.read += 1
            self.last_char[self.in_note] = char
            self.offset += 1

    def visit(self, el, confidence: float | None = None) -> None:
        tag = _local(el)
        if tag == "pb":
            self.page = self.pages[el.get("facs", "").lstrip("#")]
            self.region = None
            self.register = 0
        elif tag == "cb":
            self.register = max(0, int(el.get("n", "1")) - 1) if el.get("n", "1").isdigit() else 0
        elif tag == "fw":  # margin text: its own region, outside every sentence
            self.in_margin = True
            self.region = None
            self._children(el, confidence)
            self.in_margin = False
            self.region = None
        elif tag == "lb":
            self._new_line(el.get("facs", "").lstrip("#"))
        elif tag == "gap" and self.line is not None and self.page is not None:
            # A character cleaning dropped (what it was is in the document JSON, when there is one).
            self.edits.append(
                Edit(page=self.page.id, line=self.line.id, index=self.read, before="", after="", reason="ocr-junk")
            )
            self.read += 1
        elif tag == "pc":
            last = self.last_char[self.in_note]
            if last is not None:
                last.punct_after = (last.punct_after or "") + "".join(el.itertext())
                if el.get("resp", "#punctuator") != "#punctuator":
                    last.punct_by = _person(el.get("resp"))
        elif tag == "choice" and el.find(f"{T}corr") is not None:  # a person's correction of the reading
            corr = el.find(f"{T}corr")
            sic = "".join(el.find(f"{T}sic").itertext()) if el.find(f"{T}sic") is not None else ""
            self.add_text("".join(corr.itertext()), None, sic=sic, corrected_by=_person(corr.get("resp")))
        elif tag == "choice":
            orig = "".join(el.find(f"{T}orig").itertext()) if el.find(f"{T}orig") is not None else None
            reg = "".join(el.find(f"{T}reg").itertext()) if el.find(f"{T}reg") is not None else ""
            self.add_text(reg, confidence, orig)
        elif tag == "unclear":
            self._children(el, _certainty(el) if _certainty(el) is not None else confidence)
        elif tag == "note":
            outer = self.in_note
            self.in_note = True
            self.region = None
            self._children(el, confidence)
            self.in_note = outer
            self.region = None
        elif tag in _ENTITY_KINDS and self.line is not None:
            start = self.offset
            self._children(el, confidence)
            attrs = {k: el.get(k) for k in ("when", "from", "to") if el.get(k)}
            if attrs:
                attrs = {
                    "valid": True,
                    "from": iso8601_from_xsd10(attrs.get("when", attrs.get("from"))),
                    "to": iso8601_from_xsd10(attrs.get("when", attrs.get("to"))),
                    "calendar": (el.get("calendar") or "#julian").lstrip("#"),
                }
            self.entities.append(
                Entity(
                    id=f"e{len(self.entities) + 1:05d}",
                    kind=_ENTITY_KINDS[tag],
                    start=start,
                    end=self.offset,
                    text="".join(el.itertext()).strip(),
                    confidence=_certainty(el),
                    method="tei",
                    attributes=attrs,
                )
            )
        elif tag in ("s", "seg") and el.get(XML_ID):
            start = self.offset
            self._children(el, confidence)
            stream = "commentary" if self.in_note else "main"
            self.sentences.append(Sentence(id=el.get(XML_ID), start=start, end=self.offset, stream=stream))
        else:
            self._children(el, confidence)

    def _children(self, el, confidence: float | None) -> None:
        self.add_text(el.text, confidence)
        for child in el:
            self.visit(child, confidence)
            self.add_text(child.tail, confidence)


def _certainty(el) -> float | None:
    """``@cert`` as a probability, when it is one (TEI also allows high/medium/low)."""
    cert = el.get("cert")
    return float(cert) if cert and cert.replace(".", "", 1).isdigit() else None


def tei_to_book(source: str | Path | etree._ElementTree, base: Book | None = None, who: str = "archivist") -> Book:
    """Rebuild a :class:`Book` from a wenyuan TEI edition.

    Args:
        source: a TEI file or parsed tree.
        base: the document the edition was exported from; boxes and confidences of characters the edition
            did not change are taken from it, and what was changed by hand (a character, a mark, a
            translation) is recorded as a correction by ``who`` (:mod:`tasks.corrections`), with a change in
            the header; a changed character also as an ``Edit``.
        who: the person whose corrections these are (a name; the TEI points to it).

    Raises:
        BadInputError: naming the file when it is not well-formed or not a wenyuan edition.
    """
    name = str(source) if isinstance(source, str | Path) else "TEI"
    try:
        tree = etree.parse(str(source)) if isinstance(source, str | Path) else source
    except (OSError, etree.XMLSyntaxError) as exc:
        raise BadInputError(name, f"not well-formed XML ({exc})") from exc
    root = tree.getroot()
    if root.tag != f"{T}TEI":
        raise BadInputError(name, f"root element is {root.tag!r}, not TEI")
    book_id, md, steps, changes = _header(root)
    pages: dict[str, Page] = {}
    zones: dict[str, list[tuple[float, float]]] = {}
    for k, surf in enumerate(root.iterfind(f"{T}facsimile/{T}surface")):
        graphic = surf.find(f"{T}graphic")
        url = graphic.get("url") if graphic is not None else ""
        page_id = surf.get(XML_ID)
        source, source_page = _source(surf.findtext(f"{T}desc[@type='source']"), Path(url).name)
        pages[page_id] = Page(
            id=page_id,
            index=k,
            source=source,
            source_page=source_page,
            sha256="",
            width=int(surf.get("lrx", 0)),
            height=int(surf.get("lry", 0)),
            image=url,
        )
        for zone in surf.iterfind(f"{T}zone"):
            zones[zone.get(XML_ID)] = _points(zone.get("points", ""))
    reader = _BodyReader(pages, zones)
    div = root.find(f"{T}text/{T}body/{T}div[@type='transcription']")
    if div is None:
        raise BadInputError(name, "no <div type='transcription'>: not a wenyuan edition")
    try:
        reader.visit(div)
    except KeyError as exc:
        raise BadInputError(name, f"<pb> points to an unknown surface {exc}") from exc
    except BadInputError as exc:
        raise BadInputError(name, exc.reason) from exc
    for page in pages.values():
        for region in page.regions:
            region.polygon = _bounds_polygon(region.lines)
    translations = {
        s.get("corresp", "").lstrip("#"): ("".join(s.itertext()), _person(s.get("resp")))
        for s in root.iterfind(f"{T}text/{T}body/{T}div[@type='translation']//{T}s")
    }
    sentences = sorted(reader.sentences, key=lambda s: s.start)
    for s in sentences:
        s.translation, s.translated_by = translations.get(s.id, (None, None))
    book = Book(
        id=book_id or Path(name).name.split(".")[0],
        metadata=md,
        pages=list(pages.values()),
        steps=steps,
        sentences=sentences,
        changes=changes,
        entities=reader.entities,
        edits=reader.edits,
    )
    if base is not None:
        _merge_base(book, base, who)
    return book


def _merge_base(book: Book, base: Book, who: str) -> None:
    """Carry over what TEI does not hold from ``base``; record what a person changed, as corrections by ``who``."""
    base_lines = {line.id: line for page in base.pages for line in page.lines()}
    base_pages = {page.id: page for page in base.pages}
    tally = Tally()
    # The gaps the TEI shows are the base's own cleaning edits, which name the dropped characters.
    book.edits = [e for e in book.edits if e.reason != "ocr-junk"]
    book.metadata.extra = dict(base.metadata.extra)
    book.metadata.language = base.metadata.language
    for page in book.pages:
        if page.id in base_pages:
            bp = base_pages[page.id]
            page.sha256, page.source, page.source_page = bp.sha256, bp.source, bp.source_page
            page.preprocessing, page.direction = bp.preprocessing, bp.direction
        for line in page.lines():
            old = base_lines.get(line.id)
            if old is None:
                continue
            line.confidence = old.confidence
            matcher = difflib.SequenceMatcher(
                a=[c.text for c in old.chars], b=[c.text for c in line.chars], autojunk=False
            )
            for op, a0, a1, b0, b1 in matcher.get_opcodes():
                if op == "equal":
                    for oc, nc in zip(old.chars[a0:a1], line.chars[b0:b1], strict=True):
                        nc.polygon = oc.polygon
                        nc.confidence = oc.confidence if nc.confidence is None else nc.confidence
                        nc.punct_confidence = oc.punct_confidence
                        nc.alternatives = oc.alternatives
                        if nc.sic is None and oc.sic is not None:  # an earlier correction, kept
                            nc.sic, nc.corrected_by = oc.sic, oc.corrected_by
                        tally.marks += _mark_changed(oc, nc, who)
                    continue
                before = "".join(c.text for c in old.chars[a0:a1])
                after = "".join(c.text for c in line.chars[b0:b1])
                book.edits.append(
                    Edit(page=page.id, line=line.id, index=b0, before=before, after=after, reason="archivist")
                )
                for oc, nc in zip(old.chars[a0:a1], line.chars[b0:b1], strict=False):
                    nc.polygon = oc.polygon  # a replaced character sits where the old one was read
                    if op == "replace" and a1 - a0 == b1 - b0:
                        # Against the base, whatever @resp the edited TEI still carried: this is who's change.
                        machine = oc.sic if oc.sic is not None else oc.text
                        nc.sic, nc.corrected_by = (None, None) if nc.text == machine else (machine, who)
                        nc.confidence, nc.alternatives = oc.confidence, oc.alternatives
                        tally.characters += 1
                        tally.marks += _mark_changed(oc, nc, who)
    book.edits = [*base.edits, *book.edits]
    base_translations = {s.id: (s.translation, s.translated_by) for s in base.sentences}
    for sentence in book.sentences:
        translation, by = base_translations.get(sentence.id, (None, None))
        if (sentence.translation or None) != (translation or None):
            sentence.translated_by = who
            tally.translations += 1
        else:
            sentence.translated_by = by
    stages = {(s.stage, s.tool) for s in book.steps}
    book.steps = [s for s in base.steps if (s.stage, s.tool) in stages] or book.steps
    book.quarantined = base.quarantined
    if [(e.kind, e.start, e.end) for e in book.entities] == [(e.kind, e.start, e.end) for e in base.entities]:
        book.entities = base.entities  # unchanged: keep the annotation's confidence, method and alternatives
    if tally:
        record_session(book, who, tally)


def _mark_changed(old: Char, new: Char, who: str) -> int:
    """1 when a person changed the mark after a character (recorded on ``new``), else 0."""
    if (new.punct_after or None) == (old.punct_after or None):
        new.punct_by = old.punct_by
        return 0
    new.punct_by = who
    return 1


def copy_page_images(book: Book, source_dir: Path, out_dir: Path) -> list[str]:
    """Copy each page's image (``Page.image``, relative to the edition) from ``source_dir`` to ``out_dir``;
    returns the images that were not there to copy. Paths that would leave either folder are skipped."""
    missing = []
    for page in book.pages:
        rel = Path(page.image)
        if rel.is_absolute() or ".." in rel.parts:
            missing.append(page.image)
            continue
        src, dest = Path(source_dir) / rel, Path(out_dir) / rel
        if not src.is_file():
            if not dest.is_file():
                missing.append(page.image)
            continue
        if src.resolve() != dest.resolve():
            dest.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(dest, src.read_bytes())
    return missing
