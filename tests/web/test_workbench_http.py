"""The workbench over HTTP, on a copy of the digitised sample book: sessions, roles, CSRF, the page view,
saving corrections (document, TEI, audit log, training data), conflicts, and what a hostile request meets."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from app.web import Settings, create_app
from app.web.accounts import Accounts
from app.web.guard import FREE_ATTEMPTS
from corpora.parallel import iter_pairs
from corpora.punct import extract_labels, insert_labels
from corpora.punct_sources import iter_source_paragraphs
from tasks.tei import validate_tei
from wenyuan.document import Book

TEI = "{http://www.tei-c.org/ns/1.0}"
PASSWORD = "correct horse battery"


@pytest.fixture
def store(digitized_sample, tmp_path) -> Path:
    book = digitized_sample["book"]
    shutil.copytree(Path(digitized_sample["out"]) / book, tmp_path / "store" / book)
    accounts = Accounts(tmp_path / "store")
    accounts.add("alice", PASSWORD, "reviewer")
    accounts.add("bob", PASSWORD, "reviewer")
    accounts.add("root", PASSWORD, "admin")
    return tmp_path / "store"


@pytest.fixture
def book_id(digitized_sample) -> str:
    return digitized_sample["book"]


def client(store: Path, **settings) -> TestClient:
    return TestClient(create_app(Settings(store=store, **settings)), follow_redirects=False)


def csrf_of(c: TestClient, path: str = "/login") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get(path).text).group(1)


def logged_in(store: Path, name: str = "alice") -> TestClient:
    c = client(store)
    r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf_of(c)})
    assert r.status_code == 303, r.text
    return c


def with_a_new_mark(punctuated: str) -> str:
    """The sentence with another mark after its first character (so a ``pc`` of the reviewer's is written)."""
    labelled = extract_labels(punctuated)
    labels = list(labelled.labels)
    labels[0] = "、" if labels[0] != "、" else "，"
    return insert_labels(labelled.chars, labels)


def page_csrf(c: TestClient, url: str) -> tuple[str, int, str]:
    html = c.get(url).text
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    version = int(re.search(r'data-version="(\d+)"', html).group(1))
    return token, version, html


def test_nothing_but_the_login_page_without_a_session(store, book_id):
    c = client(store)
    for path in ("/", f"/books/{book_id}", f"/books/{book_id}/tei", "/audit", "/upload"):
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    assert c.post(f"/books/{book_id}/delete").status_code == 401
    assert c.get("/login").status_code == 200


def test_a_session_cookie_is_httponly_and_samesite(store):
    c = client(store)
    r = c.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": csrf_of(c)})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_a_wrong_password_gives_no_session_and_repeated_failures_are_slowed_down(store):
    c = client(store)
    token = csrf_of(c)
    for _ in range(FREE_ATTEMPTS):
        r = c.post("/login", data={"name": "alice", "password": "wrong password", "csrf": token})
        assert r.status_code == 401
        assert c.get("/").status_code == 303  # still no session
    # Now even the right password must wait.
    r = c.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": token})
    assert r.status_code == 429 and "30" in r.text
    assert c.get("/").status_code == 303
    # Another user is not locked out by alice's failures.
    assert logged_in(store, "bob").get("/").status_code == 200


def test_every_form_needs_the_csrf_token(store, book_id):
    c = client(store)
    assert c.post("/login", data={"name": "alice", "password": PASSWORD}).status_code == 403
    c = logged_in(store, "root")
    assert c.post(f"/books/{book_id}/delete", data={}).status_code == 403
    assert c.post(f"/books/{book_id}/delete", data={"csrf": "forged"}).status_code == 403
    first = Book.load(store / book_id / f"{book_id}.json").pages[0].id
    r = c.post(f"/books/{book_id}/pages/{first}", json={"version": 0, "chars": []})
    assert r.status_code == 403
    assert (store / book_id).is_dir()


def test_the_page_view_shows_the_text_in_reading_order_with_doubtful_characters(store, book_id):
    c = logged_in(store)
    book = Book.load(store / book_id / f"{book_id}.json")
    page = book.pages[0]
    html = c.get(f"/books/{book_id}/pages/{page.id}").text
    for line in page.lines():
        assert f'data-line="{line.id}"' in html and f'id="zone-{line.id}"' in html
    shown = re.findall(r'<span class="ch[^"]*"[^>]*>(.)</span>', html)
    assert "".join(shown) == "".join(line.text for line in page.lines())  # every character, in order
    doubtful = sum(1 for ln in page.lines() for ch in ln.chars if ch.confidence is not None and ch.confidence < 0.6)
    assert html.count('class="ch doubtful"') == doubtful
    assert "data-alts='[[" in html  # the recogniser's alternatives travel with each character
    assert c.get(f"/books/{book_id}/images/{Path(page.image).name}").status_code == 200


def test_text_from_the_scan_and_the_manifest_is_shown_as_text_never_as_markup(store, book_id):
    path = store / book_id / f"{book_id}.json"
    book = Book.load(path)
    book.metadata.title = '<script>alert("x")</script>'
    line = next(book.pages[0].lines())
    line.chars[0].text, line.chars[1].text, line.chars[2].text = "<", "&", '"'
    book.save(path)
    c = logged_in(store)
    html = c.get(f"/books/{book_id}/pages/{book.pages[0].id}").text
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert ">&lt;</span>" in html and ">&amp;</span>" in html and ">&#34;</span>" in html
    assert "<script>alert" not in c.get("/").text


def test_a_saved_correction_is_recorded_in_the_document_the_tei_the_audit_log_and_the_training_data(store, book_id):
    c = logged_in(store)
    book = Book.load(store / book_id / f"{book_id}.json")
    page = book.pages[0]
    line = next(page.transcription_lines())
    old = line.chars[0].text
    url = f"/books/{book_id}/pages/{page.id}"
    token, version, html = page_csrf(c, url)
    sentence_id = re.search(r'data-sentence="([^"]+)"', html).group(1)
    punctuated = re.search(
        rf'data-sentence="{sentence_id}">\s*<input class="punctuated" lang="lzh" value="([^"]*)"', html
    ).group(1)
    changed = with_a_new_mark(punctuated)
    edits = {
        "version": version,
        "chars": [{"line": line.id, "index": 0, "text": "齋"}],
        "punctuation": {sentence_id: changed},
        "translations": {sentence_id: "这是校对者的译文。"},
    }
    r = c.post(url, json=edits, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == version + 1
    assert r.json()["changed"] == {"characters": 1, "marks": 1, "translations": 1}

    saved = Book.load(store / book_id / f"{book_id}.json")
    ch = next(saved.pages[0].transcription_lines()).chars[0]
    assert (ch.text, ch.sic, ch.corrected_by) == ("齋", old, "alice")
    assert saved.changes[-1].who == "alice" and "1 character(s)" in saved.changes[-1].what

    tei = store / book_id / f"{book_id}.tei.xml"
    assert validate_tei(tei) == []
    root = etree.parse(str(tei)).getroot()
    corr = root.find(f".//{TEI}choice/{TEI}corr")
    assert corr.text == "齋" and corr.get("resp") == "#reviewer-alice"
    assert root.find(f".//{TEI}choice/{TEI}sic").text == old
    assert root.findall(f".//{TEI}pc[@resp='#reviewer-alice']")
    assert root.find(f".//{TEI}div[@type='translation']//{TEI}s[@resp='#reviewer-alice']").text == "这是校对者的译文。"
    reviewer = root.find(f".//{TEI}respStmt/{TEI}name[@{{http://www.w3.org/XML/1998/namespace}}id='reviewer-alice']")
    assert reviewer is not None and reviewer.text == "alice"
    assert root.find(f".//{TEI}revisionDesc/{TEI}change[@who='#reviewer-alice']") is not None

    audit = logged_in(store, "bob").get("/audit").text
    assert "alice" in audit and "齋" in audit and "这是校对者的译文。" in audit

    # The catalog exports read the corrected edition.
    from click.testing import CliRunner

    from app.cli import main

    exported = CliRunner().invoke(main, ["export", str(store / book_id), "--out", str(store.parent / "exports")])
    assert exported.exit_code == 0, exported.output
    iiif = next((store.parent / "exports").rglob("manifest.json")).read_text(encoding="utf-8")
    assert "齋" in iiif  # the sample book has no 齋: only the correction puts it there

    corrections = store / book_id / "corrections"
    lines = [json.loads(x) for x in (corrections / "ocr_lines.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0]["line"] == line.id and lines[0]["text"].startswith("齋") and lines[0]["read"][0] == old
    assert (corrections / lines[0]["image"]).is_file()
    # The commands that train on corrections read these files as they are.
    assert [p.tgt for p in iter_pairs(corrections / "translations.tsv")] == ["这是校对者的译文。"]
    assert list(iter_source_paragraphs(corrections / "punctuation.tsv"))


def test_two_reviewers_saving_one_page_the_second_gets_a_conflict_and_nothing_is_lost(store, book_id):
    alice, bob = logged_in(store, "alice"), logged_in(store, "bob")
    page = Book.load(store / book_id / f"{book_id}.json").pages[0]
    line = next(page.transcription_lines())
    url = f"/books/{book_id}/pages/{page.id}"
    a_token, version, _ = page_csrf(alice, url)
    b_token, _, _ = page_csrf(bob, url)
    r = alice.post(
        url,
        json={"version": version, "chars": [{"line": line.id, "index": 1, "text": "甲"}]},
        headers={"X-CSRF-Token": a_token},
    )
    assert r.status_code == 200
    r = bob.post(
        url,
        json={"version": version, "chars": [{"line": line.id, "index": 1, "text": "乙"}]},
        headers={"X-CSRF-Token": b_token},
    )
    assert r.status_code == 409
    answer = r.json()
    assert answer["version"] == version + 1 and answer["current"]["lines"][line.id][1] == "甲"
    assert next(Book.load(store / book_id / f"{book_id}.json").pages[0].transcription_lines()).chars[1].text == "甲"
    # Bob saves again on the version he was shown: his reading replaces alice's, and both are in the log.
    r = bob.post(
        url,
        json={"version": answer["version"], "chars": [{"line": line.id, "index": 1, "text": "乙"}]},
        headers={"X-CSRF-Token": b_token},
    )
    assert r.status_code == 200
    log = (store / ".workbench" / "audit.jsonl").read_text(encoding="utf-8")
    audit = [json.loads(row) for row in log.splitlines()]
    assert [(r["user"], r["after"]) for r in audit] == [("alice", "甲"), ("bob", "乙")]


def test_a_correction_that_cannot_apply_changes_nothing(store, book_id):
    c = logged_in(store)
    page = Book.load(store / book_id / f"{book_id}.json").pages[0]
    url = f"/books/{book_id}/pages/{page.id}"
    token, version, _ = page_csrf(c, url)
    before = (store / book_id / f"{book_id}.json").read_bytes()
    for bad in (
        {"version": version, "chars": [{"line": "no-such-line", "index": 0, "text": "甲"}]},
        {"version": version, "chars": [{"line": next(page.lines()).id, "index": 0, "text": "two"}]},
        {"version": version, "chars": [{"line": next(page.lines()).id, "index": 0, "text": " "}]},
        {"version": version, "chars": "not a list"},
    ):
        r = c.post(url, json=bad, headers={"X-CSRF-Token": token})
        assert r.status_code in (400, 422), bad
    assert (store / book_id / f"{book_id}.json").read_bytes() == before


def test_no_url_reaches_outside_the_store(store, book_id, tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    c = logged_in(store)
    for path in (
        "/books/../secret.txt",
        "/books/%2e%2e/tei",
        f"/books/{book_id}/images/..%2F{book_id}.json",
        f"/books/{book_id}/images/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/books/.workbench/tei",
        f"/books/{book_id}/pages/..%2F..%2Fsecret.txt",
        "/batches/..%2F..%2Fsecret.txt",
    ):
        r = c.get(path)
        assert r.status_code in (303, 404), path
        assert "secret" not in r.text


def test_reviewers_read_and_correct_admins_upload_and_delete(store, book_id):
    reviewer = logged_in(store, "alice")
    token = csrf_of(reviewer, "/")
    assert reviewer.get("/upload").status_code == 403
    assert reviewer.post(f"/books/{book_id}/delete", data={"csrf": token}).status_code == 403
    assert (store / book_id).is_dir()
    admin = logged_in(store, "root")
    r = admin.post(f"/books/{book_id}/delete", data={"csrf": csrf_of(admin, "/")})
    assert r.status_code == 303 and not (store / book_id).exists()


def test_an_upload_over_the_limit_or_of_the_wrong_type_is_refused_with_a_message(store):
    c = client(store, max_upload_mb=1)
    c.post("/login", data={"name": "root", "password": PASSWORD, "csrf": csrf_of(c)})
    token = csrf_of(c, "/upload")
    big = b"\xff\xd8\xff" + b"0" * 2_000_000
    r = c.post("/upload", data={"csrf": token, "title": "Big"}, files={"files": ("a.jpg", big)})
    assert r.status_code == 413 and "1 MB" in r.text
    r = c.post(
        "/upload",
        data={"csrf": token, "title": "Wrong"},
        files=[("files", ("notes.txt", b"hello")), ("files", ("scan.jpg", b"%PDF-1.4 not a jpeg"))],
    )
    assert r.status_code == 422
    assert "notes.txt: not an image" in r.text and "scan.jpg: its content is not a JPG" in r.text
    assert not list((store / ".workbench" / "batches").glob("*/inputs/*"))


def test_an_upload_is_digitised_and_its_bad_parts_are_set_aside_with_reasons(store, tmp_path):
    import io
    import time
    import zipfile

    sample = Path(__file__).resolve().parents[2] / "corpora" / "sample" / "book" / "page_0001.jpg"
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as z:
        z.writestr("../../escaped.jpg", sample.read_bytes())
    c = client(store, runner="local")
    c.post("/login", data={"name": "root", "password": PASSWORD, "csrf": csrf_of(c)})
    r = c.post(
        "/upload",
        data={"csrf": csrf_of(c, "/upload"), "title": "Upload <test>", "author": "某"},
        files=[
            ("files", ("page_0001.jpg", sample.read_bytes())),
            ("files", ("pages.zip", hostile.getvalue())),
            ("files", ("manifest.json", b'{"title": "broken')),
        ],
    )
    assert r.status_code == 303, r.text
    batch_url = r.headers["location"]
    deadline = time.time() + 600
    while (status := c.get(f"{batch_url}/status").json())["state"] == "running" and time.time() < deadline:
        time.sleep(2)
    assert status["state"] == "done" and status["stage"] == "export-tei", status  # read from the flow's log
    assert any("escaped.jpg" in q["path"] for q in status["quarantined"])  # the zip's ../ member, set aside
    assert any("manifest" in r["reason"] for r in status["refused"])
    html = c.get(batch_url).text
    assert "escaped.jpg" in html and "manifest" in html  # the batch page shows what was set aside, and why
    book = next(p for p in store.iterdir() if p.name.startswith("upload-test-"))
    assert Book.load(book / f"{book.name}.json").metadata.title == "Upload <test>"
    assert not list(tmp_path.rglob("escaped.jpg"))  # nothing written outside the batch


def test_a_save_is_json_with_the_token_in_a_header_whatever_the_body_claims_to_be(store, book_id):
    c = logged_in(store)
    page = Book.load(store / book_id / f"{book_id}.json").pages[0]
    url = f"/books/{book_id}/pages/{page.id}"
    token, version, _ = page_csrf(c, url)
    line = next(page.transcription_lines())
    body = json.dumps({"version": version, "chars": [{"line": line.id, "index": 0, "text": "甲"}]})
    # A cross-origin form can send this body without the header: refused.
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert c.post(url, content=body, headers=form).status_code == 403
    assert c.post(url, content=body, headers={**form, "X-CSRF-Token": token}).status_code == 415
    assert c.post(url, content=body, headers={"content-type": "text/plain", "X-CSRF-Token": token}).status_code == 415
    assert next(Book.load(store / book_id / f"{book_id}.json").pages[0].transcription_lines()).chars[0].text != "甲"


def test_a_sentence_saved_from_one_page_changes_the_version_of_every_page_it_runs_over(store, book_id):
    from tasks.corrections import sentence_chars

    book = Book.load(store / book_id / f"{book_id}.json")
    page_of = {id(ch): p.id for p in book.pages for line in p.lines() for ch in line.chars}
    spanning = next(
        (s, [page_of[id(ch)] for ch in chars])
        for s, chars in zip(book.sentences, sentence_chars(book), strict=True)
        if len({page_of[id(ch)] for ch in chars}) > 1
    )
    sentence, pages = spanning
    first, second = pages[0], pages[-1]
    alice, bob = logged_in(store, "alice"), logged_in(store, "bob")
    a_token, a_version, html = page_csrf(alice, f"/books/{book_id}/pages/{first}")
    b_token, b_version, _ = page_csrf(bob, f"/books/{book_id}/pages/{second}")
    text = re.search(rf'data-sentence="{sentence.id}">\s*<input class="punctuated" lang="lzh" value="([^"]*)"', html)
    r = alice.post(
        f"/books/{book_id}/pages/{first}",
        json={"version": a_version, "punctuation": {sentence.id: with_a_new_mark(text.group(1))}},
        headers={"X-CSRF-Token": a_token},
    )
    assert r.status_code == 200, r.text
    r = bob.post(
        f"/books/{book_id}/pages/{second}",
        json={"version": b_version, "translations": {sentence.id: "另一位的译文"}},
        headers={"X-CSRF-Token": b_token},
    )
    assert r.status_code == 409  # bob's page changed under him: alice's marks are not silently undone
