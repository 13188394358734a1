"""IIIF Presentation 3 manifest of a book: a canvas per page, line transcriptions and sentence translations
as W3C Web Annotations (``supplementing``), metadata, rights and attribution."""

from __future__ import annotations

from typing import Any

from tasks.catalog_common import CatalogConfig, simplified
from tasks.translate import sentence_texts
from wenyuan.document import Book, Line, Page, polygon_bounds

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"


def _xywh(lines: list[Line]) -> str:
    boxes = [polygon_bounds(line.polygon) for line in lines if line.polygon]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return f"xywh={round(x0)},{round(y0)},{max(1, round(x1 - x0))},{max(1, round(y1 - y0))}"


def _annotation(anno_id: str, canvas_id: str, text: str, lang: str, xywh: str) -> dict[str, Any]:
    return {
        "id": anno_id,
        "type": "Annotation",
        "motivation": "supplementing",
        "body": {"type": "TextualBody", "value": text, "format": "text/plain", "language": lang},
        "target": {
            "type": "SpecificResource",
            "source": {"id": canvas_id, "type": "Canvas"},
            "selector": {"type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/", "value": xywh},
        },
    }


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
            {"label": {"en": [label]}, "value": {"none": [value]}}
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
        "items": [],
    }
    if md.rights and md.rights.startswith(
        (
            "http://creativecommons.org/",
            "https://creativecommons.org/",
            "http://rightsstatements.org/",
            "https://rightsstatements.org/",
        )
    ):
        manifest["rights"] = md.rights
    statement = "; ".join(x for x in (md.institution, md.rights) if x)
    if statement:
        manifest["requiredStatement"] = {"label": {"en": ["Attribution"]}, "value": {"none": [statement]}}
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
            _annotation(f"{base}/annotation/{line.id}", canvas_id, line.text, "lzh", _xywh([line])) for line in lines
        ]
        for sid, (where, s_lines) in places.items():
            if where.id == page.id and sid in translations and s_lines:
                annotations.append(
                    _annotation(f"{base}/annotation/{sid}-source", canvas_id, texts[sid], "lzh", _xywh(s_lines))
                )
                annotations.append(
                    _annotation(
                        f"{base}/annotation/{sid}-translation", canvas_id, translations[sid], "zh-Hans", _xywh(s_lines)
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
