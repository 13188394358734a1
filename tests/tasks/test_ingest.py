"""Ingest of every supported format, natural order, content hashes and hostile inputs."""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tasks.ingest import (
    list_page_sources,
    load_page_image,
    page_hash,
    read_manifest,
)
from wenyuan.errors import BadInputError, ManifestError


def _img(seed: int, size=(60, 80)) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


def _sources(tmp_path, *inputs):
    return list_page_sources([Path(i) for i in inputs], tmp_path / "work")


def test_folder_pages_come_in_natural_order(tmp_path):
    d = tmp_path / "book"
    d.mkdir()
    for n in (10, 2, 1):
        _img(n).save(d / f"page{n}.png")
    sources, bad, manifest = _sources(tmp_path, d)
    assert [s.path.name for s in sources] == ["page1.png", "page2.png", "page10.png"]
    assert bad == [] and manifest is None


def test_multipage_tiff_gives_one_source_per_page(tmp_path):
    path = tmp_path / "scan.tiff"
    _img(1).save(path, save_all=True, append_images=[_img(2), _img(3)])
    sources, _bad, _ = _sources(tmp_path, path)
    assert [s.page for s in sources] == [0, 1, 2]
    pixels = [load_page_image(s) for s in sources]
    assert np.array_equal(pixels[1][:, :, ::-1], np.asarray(_img(2)))


def test_pdf_pages_are_rendered(tmp_path):
    path = tmp_path / "book.pdf"
    _img(1, (200, 300)).save(path, save_all=True, append_images=[_img(2, (200, 300))], resolution=72)
    sources, bad, _ = _sources(tmp_path, path)
    assert len(sources) == 2 and bad == []
    page = load_page_image(sources[0])
    assert page.ndim == 3 and page.shape[2] == 3 and page.shape[0] > 300  # rendered at 300 dpi


def test_zip_is_extracted_and_its_manifest_found(tmp_path):
    path = tmp_path / "batch.zip"
    buf = io.BytesIO()
    _img(1).save(buf, "PNG")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("b/p2.png", buf.getvalue())
        zf.writestr("b/p1.png", buf.getvalue())
        zf.writestr("b/manifest.json", json.dumps({"title": "史記"}))
    sources, _bad, manifest = _sources(tmp_path, path)
    assert [s.path.name for s in sources] == ["p1.png", "p2.png"]
    assert manifest is not None and read_manifest(manifest).title == "史記"


def test_same_page_in_two_containers_has_one_content_hash(tmp_path):
    _img(5).save(tmp_path / "a.png")
    _img(5).save(tmp_path / "b.tiff")
    sources, _, _ = _sources(tmp_path, tmp_path / "a.png", tmp_path / "b.tiff")
    hashes = {page_hash(load_page_image(s)) for s in sources}
    assert len(hashes) == 1


def _hostile_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        buf = io.BytesIO()
        _img(1).save(buf, "PNG")
        zf.writestr("ok.png", buf.getvalue())
        zf.writestr("../escape.png", buf.getvalue())
        zf.writestr("/abs.png", buf.getvalue())
        link = zipfile.ZipInfo("link.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("bomb.png", b"\0" * 50_000_000)  # ratio far above the limit


def test_hostile_zip_members_are_refused_and_the_rest_extracted(tmp_path):
    path = tmp_path / "hostile.zip"
    _hostile_zip(path)
    sources, bad, _ = _sources(tmp_path, path)
    assert [s.path.name for s in sources] == ["ok.png"]
    reasons = {q.path.split("!")[1]: q.reason for q in bad}
    assert "'..'" in reasons["../escape.png"] and "absolute" in reasons["/abs.png"]
    assert "symbolic link" in reasons["link.png"]
    assert "zip bomb" in reasons["bomb.png"]
    assert not (tmp_path / "escape.png").exists()


def _png_with_declared_size(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.png", b"", "empty file"),  # zero bytes
        ("text.jpg", b"this is not an image\n", "not an image"),  # wrong format behind an image suffix
        ("bomb.png", _png_with_declared_size(100_000, 100_000), "exceeds"),  # decompression bomb
    ],
)
def test_bad_images_fail_with_a_reason_naming_the_file(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    sources, bad, _ = _sources(tmp_path, path)
    if bad:  # found at listing time
        assert reason in bad[0].reason and name in bad[0].path
        return
    with pytest.raises(BadInputError) as err:
        load_page_image(sources[0])
    assert reason in str(err.value) and name in str(err.value)


def test_truncated_jpeg_is_reported_as_corrupt(tmp_path):
    buf = io.BytesIO()
    _img(3, (400, 400)).save(buf, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    sources, _, _ = _sources(tmp_path, path)
    with pytest.raises(BadInputError, match=r"cut\.jpg"):
        load_page_image(sources[0])


def test_corrupt_pdf_is_quarantined_at_listing(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n garbage")
    sources, bad, _ = _sources(tmp_path, path)
    assert sources == [] and "broken.pdf" in bad[0].path and "PDF" in bad[0].reason


def test_manifest_csv_and_unknown_fields(tmp_path):
    path = tmp_path / "manifest.csv"
    path.write_text("title,author,dynasty,call_no\n資治通鑑,司馬光,宋,A-1\n", encoding="utf-8")
    md = read_manifest(path)
    assert (md.title, md.author, md.dynasty, md.extra) == ("資治通鑑", "司馬光", "宋", {"call_no": "A-1"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("標題\n資治通鑑\n".encode("big5"), "not UTF-8"),  # wrong encoding
        (b"foo,bar\n1,2\n", "no known field"),  # wrong columns
        (b"", "header row"),  # empty
    ],
)
def test_bad_manifests_are_refused_clearly(tmp_path, content, message):
    path = tmp_path / "manifest.csv"
    path.write_bytes(content)
    with pytest.raises(ManifestError, match=message):
        read_manifest(path)


def test_a_decompression_bomb_is_refused_naming_the_project_limit(tmp_path):
    # Pillow refuses such a file itself, citing twice its limit (240 Mpx): the reason must name ours.
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_with_declared_size(100_000, 100_000))
    sources, _bad, _ = _sources(tmp_path, path)
    with pytest.raises(BadInputError) as err:
        load_page_image(sources[0])
    assert "120,000,000 pixels" in err.value.reason and "240" not in err.value.reason
    assert "10,000,000,000" in err.value.reason and "bomb.png" in str(err.value)
