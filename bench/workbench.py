"""How fast the workbench opens a page: a 3,000-px scan with 600 characters, over HTTP from a real server.

    python bench/workbench.py [--repeats 20]

Builds a one-book store in a temporary folder (a generated 3000×2000 page image, 20 columns of 30 characters
with confidences and five alternatives each), starts ``wenyuan serve``'s application under uvicorn, logs in and
times the page view (HTML) and its image, cold (first view after start) and warm. Target (#41): under 1 s.
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build_store(store: Path) -> tuple[str, str]:
    import cv2
    import numpy as np

    from tasks.tei import write_tei
    from wenyuan.document import Book, BookMetadata, Char, Line, Page, Region, Sentence, box_polygon

    book_dir = store / "bench-book"
    (book_dir / "images").mkdir(parents=True)
    width, height = 3000, 2000
    image = np.full((height, width, 3), 235, np.uint8)
    rng = np.random.default_rng(0)
    lines, text = [], "學而時習之不亦說乎有朋自遠方來不亦樂乎人不知而不慍不亦君子乎"
    for col in range(20):
        x0 = width - 120 - col * 140
        chars = []
        for row in range(30):
            y0 = 60 + row * 62
            cv2.rectangle(image, (x0 + 10, y0 + 8), (x0 + 60, y0 + 50), (40, 40, 40), -1)
            conf = float(rng.uniform(0.3, 1.0))
            ch = text[(col * 30 + row) % len(text)]
            alts = [(ch, conf)] + [(c, (1 - conf) / 4) for c in "甲乙丙丁"]
            chars.append(
                Char(
                    text=ch, confidence=round(conf, 4), polygon=box_polygon(x0, y0, x0 + 70, y0 + 60), alternatives=alts
                )
            )
        lines.append(Line(id=f"p1-l{col + 1:03d}", polygon=box_polygon(x0, 60, x0 + 70, 60 + 30 * 62), chars=chars))
    cv2.imwrite(str(book_dir / "images" / "p1.png"), image)
    region = Region(id="p1-r001", polygon=box_polygon(0, 0, width, height), lines=lines)
    page = Page(
        id="p1",
        index=0,
        source="p1.png",
        sha256="-",
        width=width,
        height=height,
        image="images/p1.png",
        regions=[region],
    )
    sentences = [Sentence(id=f"s{k + 1:05d}", start=k * 20, end=k * 20 + 20, translation="译文" * 8) for k in range(30)]
    for k, ch in enumerate(c for line in lines for c in line.chars):
        ch.punct_after = "。" if k % 20 == 19 else ("，" if k % 5 == 4 else None)
    book = Book(id="bench-book", metadata=BookMetadata(title="bench"), pages=[page], sentences=sentences)
    book.save(book_dir / "bench-book.json")
    write_tei(book, book_dir / "bench-book.tei.xml")
    return "bench-book", "p1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    import httpx
    import uvicorn

    from app.web import Settings, create_app
    from app.web.accounts import Accounts

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        book, page = build_store(store)
        Accounts(store).add("bench", "bench password", "reviewer")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(Settings(store=store)), port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base) as client:
            import re

            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
            client.post("/login", data={"name": "bench", "password": "bench password", "csrf": token})

            def timed(path: str) -> tuple[float, int]:
                start = time.perf_counter()
                response = client.get(path)
                response.raise_for_status()
                return time.perf_counter() - start, len(response.content)

            cold, size = timed(f"/books/{book}/pages/{page}")
            warm = [timed(f"/books/{book}/pages/{page}")[0] for _ in range(args.repeats)]
            image = [timed(f"/books/{book}/images/p1.png")[0] for _ in range(5)]
        server.should_exit = True
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}",
        "page": "3000x2000 px, 600 characters, 30 sentences",
        "page_view_cold_s": round(cold, 3),
        "page_view_warm_median_s": round(statistics.median(warm), 3),
        "page_view_warm_max_s": round(max(warm), 3),
        "page_html_kb": round(size / 1024, 1),
        "image_median_s": round(statistics.median(image), 3),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
