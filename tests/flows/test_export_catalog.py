"""Catalog exports: IIIF (checked with iiif-prezi3), LIDO (checked with the LIDO 1.1 XSD), Dublin Core,
incremental re-export, deletions, and corrections flowing from TEI into every format."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from lxml import etree

from catalog.common import CatalogConfig, dynasty_span
from catalog.dublin_core import DC_NS, book_to_oai_dc, books_to_csv
from catalog.iiif import book_to_iiif
from catalog.lido import LIDO_NS, book_to_lido, validate_lido
from tasks.tei import TEI_NS
from tests.conftest import shared_file
from wenyuan.document import Book, BookMetadata, Entity

LIDO = {"l": LIDO_NS}


@pytest.fixture(scope="module")
def lido_xsd():
    return shared_file("schemas/lido/lido-v1.1.xsd")


@pytest.fixture()
def book(digitized_sample) -> Book:
    return Book.load(digitized_sample["json"])


def _as_list(selector) -> list[dict]:
    return selector if isinstance(selector, list) else [selector]


def test_iiif_manifest_is_valid_presentation_3(book):
    from iiif_prezi3 import Manifest

    data = book_to_iiif(book, CatalogConfig(base_url="https://example.org/iiif"))
    Manifest(**data)  # raises on anything the Presentation 3 models reject
    assert data["id"] == "https://example.org/iiif/lunyu-sample/manifest.json"
    assert len(data["items"]) == len(book.pages)
    for canvas, page in zip(data["items"], book.pages, strict=True):
        assert (canvas["width"], canvas["height"]) == (page.width, page.height)
        image = canvas["items"][0]["items"][0]
        assert image["motivation"] == "painting" and image["body"]["id"].endswith(".jpg")
        annos = canvas["annotations"][0]["items"]
        assert all(a["motivation"] == "supplementing" for a in annos)
        selectors = {a["id"].rsplit("/", 1)[-1]: _as_list(a["target"]["selector"]) for a in annos}
        fragments = [s for found in selectors.values() for s in found if s["type"] == "FragmentSelector"]
        assert len(fragments) == len(annos) and all(s["value"].startswith("xywh=") for s in fragments)
        # Each line is also its polygon, as the document model has it.
        for line in page.lines():
            if line.chars:
                points = " ".join(f"{round(x)},{round(y)}" for x, y in line.polygon)
                svg = f"<svg xmlns='http://www.w3.org/2000/svg'><polygon points='{points}'/></svg>"
                assert {"type": "SvgSelector", "value": svg} in selectors[line.id]
    bodies = [
        body
        for c in data["items"]
        for a in c["annotations"][0]["items"]
        for body in (a["body"]["items"] if a["body"]["type"] == "Choice" else [a["body"]])
    ]
    assert any(b["value"].startswith("學而時習之") and b["language"] == "lzh" for b in bodies)
    assert any(b["language"] == "zh-Hans" for b in bodies)
    # Where cleaning regularised a character, the line offers what the page prints beside the reading.
    choices = [a["body"] for c in data["items"] for a in c["annotations"][0]["items"] if a["body"]["type"] == "Choice"]
    assert choices and all(ch["items"][0]["label"] == {"en": ["as printed"]} for ch in choices)
    assert all(ch["items"][0]["value"] != ch["items"][1]["value"] for ch in choices)
    # Rights as a URI, attribution, provider, links to the TEI and LIDO, and no untagged language.
    assert data["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert data["requiredStatement"]["value"]["en"][0].startswith("wenyuan project")
    assert data["provider"][0]["type"] == "Agent" and data["provider"][0]["label"] == {"en": ["wenyuan project"]}
    assert {s["format"] for s in data["seeAlso"]} == {"application/tei+xml", "application/xml"}
    assert data["rendering"][0]["id"].endswith("lunyu-sample.tei.xml")
    assert {next(iter(m["value"])) for m in data["metadata"]} == {"zh-Hant", "zh", "en"}  # 春秋: either script
    assert "none" not in json.dumps(data["metadata"]) + json.dumps(data["requiredStatement"])


@pytest.mark.parametrize(
    ("rights", "uri"),
    [
        ("CC BY 4.0", "http://creativecommons.org/licenses/by/4.0/"),
        ("CC BY-NC-SA 3.0: the library's images", "http://creativecommons.org/licenses/by-nc-sa/3.0/"),
        ("CC0", "http://creativecommons.org/publicdomain/zero/1.0/"),
        ("http://rightsstatements.org/vocab/InC/1.0/", "http://rightsstatements.org/vocab/InC/1.0/"),
        ("All rights reserved", None),
        (None, None),
    ],
)
def test_rights_statements_become_the_uris_iiif_needs(rights, uri):
    from catalog.iiif import rights_uri

    assert rights_uri(rights) == uri


def test_iiif_uses_an_image_service_when_configured(book):
    data = book_to_iiif(book, CatalogConfig(base_url="https://x.org", image_service="https://img.x.org/iiif/3"))
    body = data["items"][0]["items"][0]["items"][0]["body"]
    assert body["service"][0]["type"] == "ImageService3"
    assert body["id"].startswith("https://img.x.org/iiif/3/")


def test_lido_record_is_valid_and_carries_the_catalog_fields(book, lido_xsd):
    book.entities = [
        Entity(id="e1", kind="person", start=0, end=2, text="孔子"),
        Entity(id="e2", kind="place", start=0, end=1, text="魯"),
    ]
    tree = book_to_lido(book)
    assert validate_lido(tree, lido_xsd) == []
    get = lambda xp: tree.xpath(xp, namespaces=LIDO)  # noqa: E731
    assert get("//l:titleSet/l:appellationValue[@l:pref='preferred']/text()") == ["論語（樣本）"]
    assert get("//l:titleSet/l:appellationValue[@l:pref='alternate']/text()") == ["论语（样本）"]
    assert get("//l:repositorySet/l:workID[@l:type='shelfmark']/text()") == ["WY-SAMPLE-001"]
    assert get("//l:eventDate/l:date/l:earliestDate/text()") == ["-0769"]  # 770 BCE in ISO 8601 (0000 = 1 BCE)
    assert get("//l:subjectActor//l:appellationValue/text()") == ["孔子"]
    assert len(get("//l:resourceSet")) == len(book.pages)


def test_only_confident_or_person_confirmed_entities_become_subjects(book, lido_xsd):
    """The annotator's flat-rate guesses (溫良, 敬忠 at 0.8) are never published; its confident finds and what an
    editor marked in the TEI (no machine certainty) are."""
    from catalog.dublin_core import dc_fields

    book.entities = [
        Entity(id="e1", kind="person", start=0, end=2, text="溫良", confidence=0.71, method="entity-tagger"),
        Entity(id="e2", kind="person", start=0, end=2, text="敬忠", confidence=0.8, method="person-lexicon"),
        Entity(id="e3", kind="place", start=0, end=1, text="齊", confidence=0.93, method="entity-tagger"),
        Entity(id="e4", kind="person", start=0, end=2, text="子貢", method="tei"),  # an editor's
    ]
    assert dc_fields(book)["subject"] == ["齊", "子貢"]
    tree = book_to_lido(book)
    assert validate_lido(tree, lido_xsd) == []
    names = tree.xpath("//l:subjectSet//l:appellationValue/text()", namespaces=LIDO)
    assert names == ["齊", "子貢"]
    # The threshold is a setting: a catalog that accepts the rules' finds lowers it.
    looser = CatalogConfig(subject_min_confidence=0.8)
    assert dc_fields(book, looser)["subject"] == ["敬忠", "齊", "子貢"]


def test_lido_separates_the_works_creation_from_this_copys_production(book, lido_xsd):
    """A sutra translated in the 3rd century and printed under the Ming: its translator belongs to the work's
    creation, never to the print's production (LIDO Terminology event types, as LIDO's examples give them)."""
    book.metadata = BookMetadata(
        title="無量清淨平等覺經",
        author="白延譯",
        dynasty="曹魏",
        printed="明萬曆",
        printed_at="嘉興",
        edition="嘉興藏本",
    )
    tree = book_to_lido(book)
    assert validate_lido(tree, lido_xsd) == []
    events = tree.xpath("//l:eventSet/l:event", namespaces=LIDO)
    kinds = [e.xpath("l:eventType/l:conceptID/text()", namespaces=LIDO)[0] for e in events]
    assert kinds == ["http://terminology.lido-schema.org/lido00012", "http://terminology.lido-schema.org/lido00007"]
    assert {e.xpath("l:eventType/l:conceptID/@l:type", namespaces=LIDO)[0] for e in events} == {
        "http://terminology.lido-schema.org/lido00099"
    }
    creation, production = events
    get = lambda event, xp: event.xpath(xp, namespaces=LIDO)  # noqa: E731
    assert get(creation, ".//l:actor//l:appellationValue/text()") == ["白延"]
    assert get(creation, ".//l:roleActor/l:term[@xml:lang='en']/text()") == ["translator"]
    assert get(creation, "l:eventDate/l:date/l:earliestDate/text()") == ["0220"]  # 魏, 220–266
    assert get(production, ".//l:actor") == []  # the translator did not print the Ming edition
    assert get(production, "l:eventDate/l:displayDate/text()") == ["明萬曆"]
    assert get(production, "l:eventDate/l:date/l:earliestDate/text()") == ["1368"]
    assert get(production, "l:eventPlace//l:appellationValue/text()") == ["嘉興"]
    assert get(production, "l:eventDescriptionSet/l:descriptiveNoteValue/text()") == ["嘉興藏本"]


@pytest.mark.parametrize(
    ("statement", "people"),
    [
        ("白延譯", [("白延", "translator")]),
        ("司馬遷撰 裴駰集解", [("司馬遷", "author"), ("裴駰", "commentator")]),
        ("朱熹集注", [("朱熹", "commentator")]),
        ("孔子弟子及再傳弟子", [("孔子弟子及再傳弟子", "author")]),
        ("", []),
    ],
)
def test_roles_are_read_from_the_statement_of_responsibility(statement, people):
    from catalog.lido import authors

    assert [(name, role[0][0]) for name, role in authors(statement)] == people


@pytest.mark.parametrize(
    "metadata",
    [
        BookMetadata(),  # nothing known: still a valid record
        BookMetadata(title="<b>&" + "長" * 3000, author="a\x07b", dynasty="不明朝", rights="CC BY 4.0"),
    ],
)
def test_lido_stays_valid_with_missing_or_hostile_metadata(book, lido_xsd, metadata):
    book.metadata = metadata
    tree = book_to_lido(book)
    etree.fromstring(etree.tostring(tree))  # well-formed
    assert validate_lido(tree, lido_xsd) == []


def test_lido_validator_rejects_an_invalid_record(lido_xsd):
    bad = etree.ElementTree(etree.fromstring(f'<lidoWrap xmlns="{LIDO_NS}"><lido/></lidoWrap>'))
    assert validate_lido(bad, lido_xsd) != []


def test_dublin_core_csv_and_oai_dc(book):
    rows = list(csv.DictReader(io.StringIO(books_to_csv([book, book]))))
    assert len(rows) == 2
    row = rows[0]
    assert row["dcterms:title"] == "論語（樣本）" and row["dcterms:date"] == "-0769/-0475"
    assert row["dcterms:identifier"].split("|") == ["lunyu-sample", "WY-SAMPLE-001"]
    assert len(row["media"].split("|")) == len(book.pages)
    assert row["dcterms:publisher"] == ""  # the holding institution owns the print; it did not publish this edition
    assert "wenyuan project" in row["dcterms:source"]
    dc = book_to_oai_dc(book)
    assert dc.findtext(f"{{{DC_NS}}}title") == "論語（樣本）"
    assert dc.findtext(f"{{{DC_NS}}}description").startswith("wenyuan synthetic")


def test_dynasty_spans():
    assert dynasty_span("唐") == (618, 907) and dynasty_span("唐朝") == (618, 907)
    assert dynasty_span("汉") == (-206, 220) and dynasty_span("火星朝") is None and dynasty_span(None) is None


def test_export_flow_is_incremental_and_reports_deletions(digitized_sample, prefect_server, tmp_path):
    from flows.export_catalog import export_catalog

    folder = tmp_path / "lunyu-sample"
    shutil.copytree(digitized_sample["out"] / "lunyu-sample", folder)
    store = tmp_path / "store"
    first = export_catalog(inputs=[str(folder)], out=str(store))
    assert first["exported"] == ["lunyu-sample"]
    assert {p.name for p in (store / "lunyu-sample").iterdir()} >= {
        "manifest.json",
        "lunyu-sample.lido.xml",
        "lunyu-sample.oai_dc.xml",
        "images",
        "lunyu-sample.tei.xml",
    }
    again = export_catalog(inputs=[str(folder)], out=str(store))
    assert again["exported"] == [] and again["unchanged"] == ["lunyu-sample"]

    # An archivist corrects the first character in the TEI: every format shows it after the re-export.
    tei = folder / "lunyu-sample.tei.xml"
    tree = etree.parse(str(tei))
    s = tree.xpath("//t:s[1]", namespaces={"t": TEI_NS})[0]
    s.text = "斆" + s.text[1:]
    tree.write(str(tei), encoding="UTF-8", xml_declaration=True)
    third = export_catalog(inputs=[str(folder)], out=str(store))
    assert third["exported"] == ["lunyu-sample"]
    manifest = json.loads((store / "lunyu-sample" / "manifest.json").read_text(encoding="utf-8"))
    bodies = [a["body"] for c in manifest["items"] for a in c["annotations"][0]["items"]]
    lines = [b["value"] for body in bodies for b in (body["items"] if body["type"] == "Choice" else [body])]
    assert any(t.startswith("斆而時習之") for t in lines)
    lido = etree.parse(str(store / "lunyu-sample" / "lunyu-sample.lido.xml"))
    assert "斆而時習之" in "".join(lido.xpath("//l:descriptiveNoteValue/text()", namespaces=LIDO))
    assert "斆而時習之" in (store / "catalog.csv").read_text(encoding="utf-8")

    shutil.rmtree(folder)  # the book leaves the store
    fourth = export_catalog(inputs=[], out=str(store))
    assert fourth["deleted"] == ["lunyu-sample"]
    assert not (store / "lunyu-sample").exists()  # its records and images are withdrawn too
    assert json.loads((store / "export-state.json").read_text())["lunyu-sample"]["deleted"] is True
    assert "lunyu-sample" not in (store / "catalog.csv").read_text(encoding="utf-8")


def test_export_reports_bad_inputs_and_goes_on(digitized_sample, prefect_server, tmp_path):
    from flows.export_catalog import export_catalog

    junk = tmp_path / "junk"
    junk.mkdir()
    broken = tmp_path / "broken.tei.xml"
    broken.write_text("<TEI><unclosed>", encoding="utf-8")
    result = export_catalog(
        inputs=[str(junk), str(broken), str(digitized_sample["out"] / "lunyu-sample")],
        out=str(tmp_path / "store"),
        formats=["lido"],
    )
    assert result["exported"] == ["lunyu-sample"]
    assert {f["input"] for f in result["failed"]} == {str(junk), str(broken)}
    assert all(f["reason"] for f in result["failed"])


def test_the_folder_digitize_wrote_exports_every_book_in_it(digitized_sample, prefect_server, tmp_path):
    """`wenyuan export OUT` on the folder `digitize --out OUT` wrote: each book folder in it is an input."""
    from click.testing import CliRunner

    from app.cli import main

    out = tmp_path / "out"
    shutil.copytree(digitized_sample["out"] / "lunyu-sample", out / "lunyu-sample")
    (out / "lunyu-sample" / "pages").mkdir(exist_ok=True)  # a book's own sub-folders are not books
    result = CliRunner().invoke(main, ["export", str(out), "--out", str(tmp_path / "store"), "--format", "lido"])
    assert result.exit_code == 0, result.output
    assert "exported 1," in result.output
    assert (tmp_path / "store" / "lunyu-sample" / "lunyu-sample.lido.xml").exists()


def test_an_edition_imported_from_tei_exports_with_its_images(digitized_sample, prefect_server, tmp_path):
    """import-tei brings the page images along, so the catalog records of an imported edition link to images
    that exist."""
    from click.testing import CliRunner

    from app.cli import main
    from flows.export_catalog import export_catalog

    tei = Path(digitized_sample["tei"])
    result = CliRunner().invoke(main, ["import-tei", str(tei), "--out", str(tmp_path / "imported")])
    assert result.exit_code == 0, result.output
    book = Book.load(tmp_path / "imported" / "lunyu-sample.json")
    assert all((tmp_path / "imported" / p.image).is_file() for p in book.pages)
    export_catalog(inputs=[str(tmp_path / "imported")], out=str(tmp_path / "store"), formats=["iiif"])
    manifest = json.loads((tmp_path / "store" / "lunyu-sample" / "manifest.json").read_text(encoding="utf-8"))
    base = "http://localhost:8000/lunyu-sample/"
    for canvas in manifest["items"]:
        url = canvas["items"][0]["items"][0]["body"]["id"]
        assert (tmp_path / "store" / "lunyu-sample" / url.removeprefix(base)).is_file(), url
