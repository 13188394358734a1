"""Ingest: turn folders, zips, images, multi-page TIFFs and PDFs into an ordered list of page sources.

Listing is cheap and holds no pixels; pages are decoded one at a time by :func:`load_page_image`, so a
batch of thousands of pages streams through memory. Every problem with an input becomes a
:class:`~wenyuan.document.Quarantined` record naming the file; the rest of the batch goes on.
"""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from wenyuan.document import BookMetadata, Quarantined
from wenyuan.errors import BadInputError, ManifestError, NoInputError
from wenyuan.io import sha256_bytes

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".jp2"}
PDF_SUFFIXES = {".pdf"}
MANIFEST_NAMES = {"manifest.json", "manifest.csv"}
#: Largest page we decode (a 600 dpi folio scan is about 60 Mpx); larger declared sizes are bombs.
MAX_PIXELS = 120_000_000
#: Zip limits: members, total uncompressed bytes, and compression ratio per member.
ZIP_MAX_MEMBERS = 20_000
ZIP_MAX_BYTES = 8 * 1024**3
ZIP_MAX_RATIO = 200
PDF_DPI = 300
MANIFEST_FIELDS = set(BookMetadata.model_fields) - {"extra"}


@dataclass(frozen=True)
class PageSource:
    """Where one page comes from: a file and, for multi-page files, the page index."""

    path: Path
    page: int = 0
    pages_in_file: int = 1

    @property
    def label(self) -> str:
        return f"{self.path.name}#{self.page + 1}" if self.pages_in_file > 1 else self.path.name


def natural_key(path: Path) -> list:
    """Sort key that puts ``page2`` before ``page10``."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", str(path))]


def _count_pages(path: Path) -> int:
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise BadInputError(str(path), "empty file (0 bytes)")
    if suffix in PDF_SUFFIXES:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise BadInputError(str(path), "encrypted PDF: a password is needed to open it") from exc
            raise BadInputError(str(path), f"unreadable PDF ({exc})") from exc
        try:
            return len(pdf)
        finally:
            pdf.close()
    if suffix in {".tif", ".tiff"}:
        from PIL import Image, UnidentifiedImageError

        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            with Image.open(path) as im:
                return getattr(im, "n_frames", 1)
        except Image.DecompressionBombError as exc:
            raise _bomb(str(path), exc) from exc
        except (UnidentifiedImageError, OSError) as exc:
            raise BadInputError(str(path), f"not a readable TIFF ({exc})") from exc
    return 1


def safe_extract_zip(path: Path, dest: Path) -> tuple[list[Path], list[Quarantined]]:
    """Extract the usable members of a zip into ``dest``, refusing hostile entries.

    Refused: absolute paths, ``..`` components, symlinks, more than ``ZIP_MAX_MEMBERS`` members, and
    members whose size or compression ratio betrays a zip bomb. Each refusal is quarantined by name.
    """
    bad: list[Quarantined] = []
    out: list[Path] = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(str(path), f"not a readable zip archive ({exc})") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > ZIP_MAX_MEMBERS:
            raise BadInputError(str(path), f"zip has {len(infos)} members (limit {ZIP_MAX_MEMBERS})")
        total = 0
        for info in infos:
            name = info.filename
            where = f"{path}!{name}"
            if info.is_dir():
                continue
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                bad.append(Quarantined(path=where, reason="zip member with an absolute or '..' path refused"))
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                bad.append(Quarantined(path=where, reason="zip member is a symbolic link; refused"))
                continue
            total += info.file_size
            if total > ZIP_MAX_BYTES:
                raise BadInputError(str(path), f"zip expands to more than {ZIP_MAX_BYTES} bytes (zip bomb?)")
            if info.compress_size and info.file_size / info.compress_size > ZIP_MAX_RATIO:
                bad.append(
                    Quarantined(path=where, reason=f"compression ratio over {ZIP_MAX_RATIO}:1 (zip bomb?); refused")
                )
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                # Copy with a running limit: the header's declared size may lie.
                copied = 0
                while chunk := src.read(1 << 20):
                    copied += len(chunk)
                    if copied > info.file_size or copied > ZIP_MAX_BYTES:
                        raise BadInputError(where, "member larger than its declared size (zip bomb?)")
                    dst.write(chunk)
            out.append(target)
    return out, bad


def list_page_sources(inputs: list[Path], workdir: Path) -> tuple[list[PageSource], list[Quarantined], Path | None]:
    """Expand inputs into page sources in natural order.

    Args:
        inputs: folders, zips, images, TIFFs and PDFs, in the order given.
        workdir: where zips are extracted.

    Returns:
        The page sources, the quarantined inputs, and a manifest found among the inputs (if any).
    """
    files: list[Path] = []
    bad: list[Quarantined] = []
    manifest: Path | None = None
    given: list[Path] = []
    for item in map(Path, inputs):
        if not item.exists():
            bad.append(Quarantined(path=str(item), reason="no such file or folder"))
        elif item.is_dir():
            given.extend(sorted((p for p in item.rglob("*") if p.is_file() and not p.is_symlink()), key=natural_key))
        else:
            given.append(item)
    for i, item in enumerate(given):
        if item.suffix.lower() != ".zip":
            files.append(item)
            continue
        # Zips given directly or found in a folder are opened; zips inside zips are not (no nesting bombs).
        try:
            extracted, refused = safe_extract_zip(item, workdir / f"zip{i}_{item.stem}")
        except BadInputError as exc:
            bad.append(Quarantined(path=exc.path, reason=exc.reason))
            continue
        bad.extend(refused)
        for member in sorted(extracted, key=natural_key):
            if member.suffix.lower() == ".zip":
                bad.append(Quarantined(path=str(member), reason="zip inside a zip; refused"))
            else:
                files.append(member)
    sources: list[PageSource] = []
    for f in files:
        suffix = f.suffix.lower()
        if f.name.lower() in MANIFEST_NAMES:
            manifest = manifest or f
            continue
        if f.name.startswith(".") or f.name in {"READY", "ground_truth.json"} or suffix in {".txt", ".md"}:
            continue
        if suffix not in IMAGE_SUFFIXES | PDF_SUFFIXES:
            bad.append(Quarantined(path=str(f), reason=f"unsupported file type {suffix or '(none)'}"))
            continue
        try:
            n = _count_pages(f)
        except BadInputError as exc:
            bad.append(Quarantined(path=exc.path, reason=exc.reason))
            continue
        sources.extend(PageSource(f, p, n) for p in range(n))
    return sources, bad, manifest


def check_inputs_exist(paths: list[Path]) -> None:
    """Fail at once, naming them, when inputs do not exist (before any model or page is touched)."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing or not paths:
        raise NoInputError(f"{', '.join(missing)}: no such file or folder" if missing else "no input given")


def _too_large(where: str, size: str) -> BadInputError:
    return BadInputError(
        where, f"declared size {size} exceeds {MAX_PIXELS:,} pixels (decompression bomb or oversized scan)"
    )


def _bomb(where: str, exc: Exception) -> BadInputError:
    """Pillow refuses at open beyond twice its limit and names that doubled number: name ours instead."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return _too_large(where, f"of {int(found.group(1)):,} pixels" if found else "(unknown)")


def _check_declared_size(path: Path, width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise _too_large(str(path), f"{width}x{height}")


def load_page_image(src: PageSource) -> np.ndarray:
    """Decode one page to an 8-bit BGR array (OpenCV's layout), checking size before decoding."""
    path = src.path
    if src.path.suffix.lower() in PDF_SUFFIXES:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(path))
            page = pdf[src.page]
            w, h = page.get_size()
            scale = PDF_DPI / 72
            if w * h * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (w * h)) ** 0.5
            rgb = page.render(scale=scale).to_numpy()
            pdf.close()
        except pdfium.PdfiumError as exc:
            raise BadInputError(src.label, f"cannot render PDF page ({exc})") from exc
        return np.ascontiguousarray(rgb[:, :, 2::-1]) if rgb.shape[2] >= 3 else rgb
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        data = path.read_bytes()
        if not data:
            raise BadInputError(str(path), "empty file (0 bytes)")
        with Image.open(io.BytesIO(data)) as im:
            _check_declared_size(path, *im.size)
            if src.pages_in_file > 1:
                im.seek(src.page)
            im.load()
            im = ImageOps.exif_transpose(im)
            rgb = np.asarray(im.convert("RGB"))
    except BadInputError:
        raise
    except Image.DecompressionBombError as exc:
        raise _bomb(src.label, exc) from exc
    except UnidentifiedImageError as exc:
        raise BadInputError(src.label, "not an image, or an image format that cannot be read") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadInputError(src.label, f"corrupt or truncated image ({exc})") from exc
    return np.ascontiguousarray(rgb[:, :, ::-1])


def page_hash(image: np.ndarray) -> str:
    """Content hash of a decoded page: the same page uploaded twice, in any container, hashes the same."""
    return sha256_bytes(np.ascontiguousarray(image).tobytes() + str(image.shape).encode())


def read_manifest(path: Path) -> BookMetadata:
    """Read a book manifest (JSON object, or CSV with a header row and one row of values).

    Unknown fields are kept in ``extra``; a file that is not UTF-8 or has no known field is refused.
    """
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: manifest is not UTF-8 text ({exc})") from exc
    try:
        if path.suffix.lower() == ".json":
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ManifestError(f"{path}: manifest JSON must be an object of field: value")
        else:
            rows = list(csv.DictReader(io.StringIO(raw)))
            if not rows:
                raise ManifestError(f"{path}: manifest CSV needs a header row and a row of values")
            record = rows[0]
    except (json.JSONDecodeError, csv.Error) as exc:
        raise ManifestError(f"{path}: unreadable manifest ({exc})") from exc
    record = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in record.items() if k}
    known = {k: v for k, v in record.items() if k in MANIFEST_FIELDS and v}
    if not known:
        raise ManifestError(f"{path}: no known field in manifest; expected some of {sorted(MANIFEST_FIELDS)}")
    extra = {k: v for k, v in record.items() if k not in MANIFEST_FIELDS and v}
    return BookMetadata(**known, extra=extra)
