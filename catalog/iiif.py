"""IIIF Presentation 3 manifest of a book: a canvas per page, line transcriptions and sentence translations
as W3C Web Annotations (``supplementing``, each line also by its polygon), metadata with real language tags,
rights, attribution, provider, and links to the TEI edition and the LIDO record."""

from __future__ import annotations

import re
from typing import Any

from catalog.common import CatalogConfig, simplified
from tasks.translate import sentence_texts
from wenyuan.document import Book, Line, Page, polygon_bounds

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"


def _xywh(lines: list[Line]) -> str:
    boxes = [polygon_bounds(line.polygon) for line in lines if line.polygon]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return f"xywh={round(x0)},{round(y0)},{max(1, round(x1 - x0))},{max(1, round(y1 - y0))}"


#: Licence names archivists write in a manifest, and the URI IIIF's ``rights`` needs for each.
_CC = re.compile(r"^\s*CC[\s-]+(BY(?:-(?:NC|SA|ND))*)[\s-]+(\d\.\d)\s*$", re.IGNORECASE)
_RIGHTS_PREFIXES = (
    "http://creativecommons.org/",
    "https://creativecommons.org/",
    "http://rightsstatements.org/",
    "https://rightsstatements.org/",
)


def rights_uri(rights: str | None) -> str | None:
    """The Creative Commons or RightsStatements.org URI a rights statement names, if it names one
    (``CC BY 4.0``, ``CC0``, ``Public Domain Mark``, or the URI itself)."""
    text = (rights or "").strip()
    if text.startswith(_RIGHTS_PREFIXES):
        return text.split()[0]
    text = re.split(r"[:;,(（：；]", text)[0].strip()  # the licence's name, before any explanation
    if m := _CC.match(text):
        return f"http://creativecommons.org/licenses/{m.group(1).lower()}/{m.group(2)}/"
    if text.upper().replace(" ", "") in ("CC0", "CC01.0", "CC0-1.0"):
        return "http://creativecommons.org/publicdomain/zero/1.0/"
    if text.lower() in ("public domain mark", "public domain mark 1.0", "pdm"):
        return "http://creativecommons.org/publicdomain/mark/1.0/"
    return None


def language_of(text: str) -> str:
    """A BCP 47 tag for a metadata value: Chinese in traditional or simplified script, else English."""
    if not re.search(r"[\u3400-\u9fff\U00020000-\U0003134f]", text):
        return "en"
    return "zh-Hant" if simplified(text) != text else "zh"


def _value(text: str) -> dict[str, list[str]]:
    return {language_of(text): [text]}


def _selectors(xywh: str, polygon: list[tuple[float, float]] | None) -> list[dict[str, str]] | dict[str, str]:
    """The region as a media fragment (every viewer) and, where the line has a polygon, as an SVG polygon."""
    fragment = {"type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/", "value": xywh}
    if not polygon:
        return fragment
    points = " ".join(f"{round(x)},{round(y)}" for x, y in polygon)
    svg = f"<svg xmlns='http://www.w3.org/2000/svg'><polygon points='{points}'/></svg>"
    return [fragment, {"type": "SvgSelector", "value": svg}]


def _annotation(
    anno_id: str, canvas_id: str, body: dict[str, Any], xywh: str, polygon: list[tuple[float, float]] | None = None
) -> dict[str, Any]:
    return {
        "id": anno_id,
        "type": "Annotation",
        "motivation": "supplementing",
        "body": body,
        "target": {
            "type": "SpecificResource",
            "source": {"id": canvas_id, "type": "Canvas"},
            "selector": _selectors(xywh, polygon),
        },
    }


def _text(text: str, lang: str, label: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "TextualBody", "value": text, "format": "text/plain", "language": lang}
    if label:
        body["label"] = {"en": [label]}
    return body


def _line_body(line: Line) -> dict[str, Any]:
    """What the page prints (峯), and, where cleaning regularised it, the reading (峰) as the other choice."""
    printed = "".join(c.orig if c.orig is not None else c.text for c in line.chars)
    if printed == line.text:
        return _text(printed, "lzh")
    return {"type": "Choice", "items": [_text(printed, "lzh", "as printed"), _text(line.text, "lzh", "regularised")]}


def _sentence_places(book: Book) -> dict[str, tuple[Page, list[Line]]]:
    """For each sentence: the page it starts on and its lines there (a translation is anchored to them)."""
    where: dict[str, tuple[Page, list[Line]]] = {}
    located = [(page, line) for page, _region, line, _ch in book.chars()]
    for s in book.sentences:
        if s.start >= len(located):
            continue
        page = located[s.start][0]
        lines = [line for p, line in located[s.start : s.end] if p.id == page.id]
        where[s.id] = (page, list({id(ln): ln for ln in lines}.values()))
    return where


def book_to_iiif(book: Book, cfg: CatalogConfig | None = None) -> dict[str, Any]:
    """The IIIF Presentation 3 manifest of ``book`` as JSON-ready data."""
    cfg = cfg or CatalogConfig()
    md = book.metadata
    base = cfg.book_url(book)
    title = md.title or book.id
    manifest: dict[str, Any] = {
        "@context": PRESENTATION_CONTEXT,
        "id": cfg.manifest_url(book),
        "type": "Manifest",
        "label": {"lzh": [title], "zh-Hans": [simplified(title)]},
        "metadata": [
            {"label": {"en": [label]}, "value": _value(value)}
            for label, value in (
                ("Author", md.author),
                ("Dynasty", md.dynasty),
                ("Edition", md.edition),
                ("Holding institution", md.institution),
                ("Shelfmark", md.shelfmark),
            )
            if value
        ],
        "viewingDirection": "right-to-left",
        "behavior": ["paged"],
        # The edition and the catalog record, for harvesters and for readers who want the text.
        "seeAlso": [
            {
                "id": f"{base}/{book.id}.tei.xml",
                "type": "Dataset",
                "format": "application/tei+xml",
                "profile": "http://www.tei-c.org/ns/1.0",
                "label": {"en": ["TEI P5 edition"]},
            },
            {
                "id": f"{base}/{book.id}.lido.xml",
                "type": "Dataset",
                "format": "application/xml",
                "profile": "http://www.lido-schema.org",
                "label": {"en": ["LIDO 1.1 record"]},
            },
        ],
        "rendering": [
            {
                "id": f"{base}/{book.id}.tei.xml",
                "type": "Text",
                "format": "application/tei+xml",
                "label": {"en": ["Transcription, punctuation and translation (TEI P5)"]},
            }
        ],
        "items": [],
    }
    if uri := rights_uri(md.rights):
        manifest["rights"] = uri
    statement = "; ".join(x for x in (md.institution, md.rights) if x)
    if statement:
        manifest["requiredStatement"] = {"label": {"en": ["Attribution"]}, "value": _value(statement)}
    if md.institution:
        manifest["provider"] = [
            {
                "id": f"{cfg.base_url.rstrip('/')}/agent/{re.sub(r'[^0-9A-Za-z]+', '-', book.id)}-holder",
                "type": "Agent",
                "label": _value(md.institution),
            }
        ]
    places = _sentence_places(book)
    translations = {s.id: s.translation for s in book.sentences if s.translation}
    texts = dict(zip((s.id for s in book.sentences), sentence_texts(book), strict=True))
    for page in book.pages:
        canvas_id = f"{base}/canvas/{page.id}"
        image: dict[str, Any] = {
            "id": cfg.image_url(book, page),
            "type": "Image",
            "format": "image/jpeg",
            "width": page.width,
            "height": page.height,
        }
        if cfg.image_service:
            image["service"] = [
                {"id": f"{cfg.image_service.rstrip('/')}/{page.id}", "type": "ImageService3", "profile": "level1"}
            ]
        lines = [line for line in page.lines() if line.polygon and line.chars]
        annotations = [
            _annotation(f"{base}/annotation/{line.id}", canvas_id, _line_body(line), _xywh([line]), line.polygon)
            for line in lines
        ]
        for sid, (where, s_lines) in places.items():
            if where.id == page.id and sid in translations and s_lines:
                annotations.append(
                    _annotation(f"{base}/annotation/{sid}-source", canvas_id, _text(texts[sid], "lzh"), _xywh(s_lines))
                )
                annotations.append(
                    _annotation(
                        f"{base}/annotation/{sid}-translation",
                        canvas_id,
                        _text(translations[sid], "zh-Hans"),
                        _xywh(s_lines),
                    )
                )
        canvas: dict[str, Any] = {
            "id": canvas_id,
            "type": "Canvas",
            "label": {"none": [str(page.index + 1)]},
            "width": page.width,
            "height": page.height,
            "items": [
                {
                    "id": f"{base}/page/{page.id}/painting",
                    "type": "AnnotationPage",
                    "items": [
                        {
                            "id": f"{base}/annotation/{page.id}-image",
                            "type": "Annotation",
                            "motivation": "painting",
                            "body": image,
                            "target": canvas_id,
                        }
                    ],
                }
            ],
        }
        if annotations:
            canvas["annotations"] = [
                {"id": f"{base}/page/{page.id}/text", "type": "AnnotationPage", "items": annotations}
            ]
        manifest["items"].append(canvas)
    return manifest
