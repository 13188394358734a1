"""A book read a section at a time: same text, sentences, global offsets, valid TEI from the pieces."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from lxml import etree

from flows.digitize import text_sections
from tasks.annotate import annotate_book
from tasks.clean import clean_book
from tasks.punctuate import DEFAULT_MODEL as PUNCTUATOR_DIR
from tasks.punctuate import SENTENCE_END, load_punctuator, punctuate_book
from tasks.tei import validate_tei, write_tei_stream
from tasks.tei_import import tei_to_book
from wenyuan.book_store import PageRef, SectionStore
from wenyuan.document import Book, BookMetadata


def _page_refs(digitized_sample, folder: Path) -> list[PageRef]:
    """The sample book's pages as the OCR stage saved them, each with a reign-era date written into its
    first line (so every section has an entity whose offsets must move with it)."""
    book_dir = Path(digitized_sample["json"]).parent
    by_id = {}
    for file in (book_dir / "pages").glob("*.json"):
        for page in json.loads(file.read_text(encoding="utf-8")):
            by_id[page["id"]] = page
    folder.mkdir()
    refs = []
    for page in Book.load(digitized_sample["json"]).pages:
        raw = by_id[page.id]
        # After the sample's first clause on each page, where the date stands as a sentence of its own.
        for ch, date in zip(raw["regions"][0]["lines"][0]["chars"][5:], "貞觀十三年", strict=False):
            ch["text"] = date
        file = folder / f"{page.id}.json"
        file.write_text(json.dumps([raw], ensure_ascii=False), encoding="utf-8")
        refs.append(PageRef(id=page.id, file=str(file)))
    return refs


def _layers(book: Book, _chunk: list[PageRef] | None = None) -> Book:
    return annotate_book(punctuate_book(clean_book(book), load_punctuator(str(PUNCTUATOR_DIR), "cpu")))


@pytest.mark.parametrize("section_pages", [1, 2])
def test_a_book_read_in_sections_keeps_its_text_sentences_and_entities(digitized_sample, tmp_path, section_pages):
    refs = _page_refs(digitized_sample, tmp_path / "pages")
    template = Book(id="sections", metadata=BookMetadata(title="論語", dynasty="唐"))
    store = SectionStore(tmp_path / "sections", template)
    sections = []
    for section in text_sections(refs, template, section_pages, _layers):
        sections.append(len(section.pages))
        store.add(section)
    store.write_json(tmp_path / "book.json")
    merged = Book.load(tmp_path / "book.json")
    whole = _layers(template.model_copy(update={"pages": [r.load() for r in refs]}, deep=True))

    assert sum(sections) == len(refs) == store.stats.pages
    assert merged.text == whole.text
    assert [p.index for p in merged.pages] == list(range(len(refs)))
    assert [s.id for s in merged.sentences] == [f"s{k:05d}" for k in range(1, len(merged.sentences) + 1)]
    assert store.stats.characters == len(merged.text)
    kinds = [region.kind == "main" for _p, region, _l, _c in merged.chars()]
    # Sentences end on a sentence-final mark, or where a section ends (the one break sectioning forces).
    chars = [ch for *_, ch in merged.chars()]
    main = [s for s in merged.sentences if s.stream == "main"]
    assert len(main) > 5
    page_ends, n = set(), 0
    for page in merged.pages:
        n += sum(len(line.chars) for line in page.lines())
        page_ends.add(n)
    section_ends = sorted(set(sorted(page_ends)[section_pages - 1 :: section_pages]) | {n})
    last_main_char = {max(k for k, is_main in enumerate(kinds[:end]) if is_main) + 1 for end in section_ends}
    forced = [s for s in main if chars[s.end - 1].punct_after not in SENTENCE_END]
    assert all(s.end in last_main_char for s in forced)
    assert len(forced) <= len(section_ends)
    # Beside the forced break, a section changes the punctuator's windows (less context at its edges, and
    # windows aligned to the section's start rather than the book's), which moves some close calls; the
    # segmentation must stay close to the whole book's.
    whole_main = [s for s in whole.sentences if s.stream == "main"]
    assert abs(len(main) - len(whole_main)) <= max(2 * len(section_ends), len(whole_main) // 5)
    # Main-text sentences tile the main text exactly, as they do when the book is read whole.
    covered = sorted(k for s in main for k in range(s.start, s.end) if kinds[k])
    assert covered == [k for k, is_main in enumerate(kinds) if is_main]
    # Entity offsets were moved with their section: each still spans its own text.
    # Whether the punctuator keeps a date inside one sentence is the model's business: the sections must
    # find what the whole book finds.
    dates = [e.text for e in merged.entities if e.kind == "date"]
    assert dates and set(dates) == {"貞觀十三年"}
    assert dates == [e.text for e in whole.entities if e.kind == "date"]
    for e in merged.entities:
        stream = kinds[e.start]  # main text or commentary: an entity lies in one stream
        own = [c.text for c, k in zip(chars[e.start : e.end], kinds[e.start : e.end], strict=True) if k == stream]
        assert "".join(own) == e.text
    assert [e.id for e in merged.entities] == [f"e{k:05d}" for k in range(1, len(merged.entities) + 1)]
    assert store.stats.dates == len(dates)


def test_tei_streamed_from_sections_is_valid_and_reads_back(digitized_sample, tmp_path):
    refs = _page_refs(digitized_sample, tmp_path / "pages")
    template = Book(id="streamed", metadata=BookMetadata(title="論語"))
    store = SectionStore(tmp_path / "sections", template)
    for section in text_sections(refs, template, 1, _layers):
        store.add(section)
    buffer = io.BytesIO()
    write_tei_stream(buffer, store.header, store.sections, has_dates=store.stats.dates > 0, has_translation=False)
    tree = etree.ElementTree(etree.fromstring(buffer.getvalue()))
    assert validate_tei(tree) == []
    whens = tree.xpath("//t:date/@from", namespaces={"t": "http://www.tei-c.org/ns/1.0"})
    assert store.stats.dates >= 1
    assert whens == ["0639-02-09"] * store.stats.dates  # 貞觀十三年 began on 639-02-09 (Julian; DILA)
    back = tei_to_book(tree)
    assert back.text == "".join(s.text for s in store.sections())
    assert len(back.sentences) == store.stats.sentences
    assert len(back.pages) == len(refs)
