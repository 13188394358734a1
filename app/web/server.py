"""The workbench's web application: log in, upload a batch and follow it, read and correct the edition.

Server-side templates (Jinja2, auto-escaped: OCR text is always shown as text) and a little plain JavaScript
for the zoomable facsimile and the correction keys; no front-end build step.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from app.web.accounts import Accounts, User
from app.web.batches import METADATA_FIELDS, Batch, Batches, book_id_for, check_type, safe_name
from app.web.guard import LoginThrottle, csrf_ok, csrf_token, session_secret
from app.web.i18n import LANGUAGES, preferred_language, translate
from app.web.library import Conflict, Edits, Library, NotFound
from tasks.corrections import CorrectionError
from tasks.tei import UNCLEAR_BELOW
from wenyuan.io import exclusive_lock

HERE = Path(__file__).resolve().parent
#: Characters read with less confidence than this are marked doubtful in the page view.
DOUBTFUL_BELOW = UNCLEAR_BELOW


@dataclass
class Settings:
    store: Path
    max_upload_mb: int = 2048
    secure_cookies: bool = False
    runner: str = "auto"


class _TooLarge(Exception):
    pass


def create_app(settings: Settings) -> FastAPI:
    store = Path(settings.store).resolve()
    store.mkdir(parents=True, exist_ok=True)
    accounts, library = Accounts(store), Library(store)
    batches, throttle = Batches(store, settings.runner), LoginThrottle()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app = FastAPI(title="wenyuan workbench", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def lang_of(request: Request) -> str:
        lang = request.session.get("lang")
        return lang if lang in LANGUAGES else preferred_language(request.headers.get("accept-language"))

    def current_user(request: Request) -> User | None:
        """The session's user, read from the accounts once per request (by the middleware)."""
        return getattr(request.state, "user", None)

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = lang_of(request)
        return templates.TemplateResponse(
            request,
            template,
            {
                "user": current_user(request),
                "lang": lang,
                "t": lambda key, **v: translate(key, lang, **v),
                "csrf": csrf_token(request.session),
                **context,
            },
            status_code=status,
        )

    def refuse(request: Request, key: str, status: int) -> HTMLResponse:
        return page(request, "message.html", status=status, message=translate(key, lang_of(request)))

    @app.middleware("http")
    async def login_required(request: Request, call_next):
        """Nothing but the login page and its stylesheet without a session; every POST carries the token."""
        path = request.url.path
        name = request.session.get("user")
        request.state.user = accounts.get(name) if name else None
        if name and request.state.user is None:
            request.session.clear()  # the account was removed: its sessions end
        if not (path in ("/login", "/static/workbench.css") or request.session.get("user")):
            if request.method == "GET":
                return RedirectResponse("/login", status_code=303)
            return Response("log in first", status_code=401)
        # The forms send the token as a field, checked where each form is read (a middleware that read the body
        # would leave none for the handler); every other POST must send it in a header, whatever its type.
        if request.method == "POST" and not _FORM_ROUTE.fullmatch(path):
            if not csrf_ok(request.session, request.headers.get("x-csrf-token")):
                return Response("missing or wrong CSRF token", status_code=403)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    # Added last, so it runs first: the session is there for everything above.
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(store),
        session_cookie="wenyuan_session",
        max_age=12 * 3600,
        same_site="strict",
        https_only=settings.secure_cookies,
    )

    # --- sessions -----------------------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request):
        return page(request, "login.html")

    @app.post("/login")
    async def login(request: Request):
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return Response("a login is a urlencoded form", status_code=415)
        try:
            form = await _limited(request, LOGIN_FORM_LIMIT).form(max_files=0, max_fields=5)
        except _TooLarge:
            return Response("too large for a login", status_code=413)
        if not csrf_ok(request.session, str(form.get("csrf", ""))):
            return _forged()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        address = request.client.host if request.client else "-"
        wait = throttle.wait_s(name, address)
        if wait > 0:
            return page(request, "login.html", status=429, error=translate("wait", lang_of(request), s=int(wait) + 1))
        user = await run_in_threadpool(accounts.verify, name, password)  # Argon2 takes a while: not on the loop
        if user is None:
            throttle.failed(name, address)
            return page(request, "login.html", status=401, error=translate("bad_login", lang_of(request)))
        throttle.succeeded(name, address)
        lang = request.session.get("lang")
        request.session.clear()  # a new session (and CSRF token) at login: no fixation
        request.session.update({"user": user.name, **({"lang": lang} if lang else {})})
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    async def logout(request: Request):
        if not csrf_ok(request.session, str((await request.form()).get("csrf", ""))):
            return _forged()
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/lang/{lang}")
    async def set_language(request: Request, lang: str):
        if lang in LANGUAGES:
            request.session["lang"] = lang
        back = request.headers.get("referer", "/")
        return RedirectResponse(back if back.startswith(str(request.base_url)) else "/", status_code=303)

    # --- books --------------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    async def books(request: Request):
        rows = []
        for book_id in library.book_ids():
            try:
                book = library.book(book_id)
            except (OSError, ValueError):
                continue
            rows.append(
                {
                    "id": book_id,
                    "title": book.metadata.title or book_id,
                    "pages": len(book.pages),
                    "doubtful": sum(library.doubtful(p, DOUBTFUL_BELOW) for p in book.pages),
                    "first_page": book.pages[0].id if book.pages else None,
                }
            )
        recent = await run_in_threadpool(batches.recent)
        return page(request, "books.html", books=rows, batches=recent)

    @app.get("/books/{book_id}", response_class=HTMLResponse)
    async def book_view(request: Request, book_id: str):
        try:
            book = library.book(book_id)
        except NotFound:
            return refuse(request, "not_found", 404)
        pages = [{"id": p.id, "source": p.source, "doubtful": library.doubtful(p, DOUBTFUL_BELOW)} for p in book.pages]
        return page(request, "book.html", book=book, pages=pages)

    @app.get("/books/{book_id}/pages/{page_id}", response_class=HTMLResponse)
    async def page_view(request: Request, book_id: str, page_id: str):
        try:
            book = library.book(book_id)
            current = library.page(book, page_id)
        except NotFound:
            return refuse(request, "not_found", 404)
        ids = [p.id for p in book.pages]
        k = ids.index(page_id)
        return page(
            request,
            "page.html",
            book=book,
            page=current,
            image=Path(current.image).name,
            sentences=library.page_sentences(book, current),
            version=library.version(book_id, page_id),
            doubtful_below=DOUBTFUL_BELOW,
            prev_page=ids[k - 1] if k else None,
            next_page=ids[k + 1] if k + 1 < len(ids) else None,
        )

    @app.post("/books/{book_id}/pages/{page_id}")
    async def save_page(request: Request, book_id: str, page_id: str):
        user = current_user(request)
        if not request.headers.get("content-type", "").startswith("application/json"):
            return JSONResponse({"error": "a save is JSON"}, status_code=415)
        if _content_length(request) > SAVE_LIMIT:
            return JSONResponse({"error": "too large for one page's corrections"}, status_code=413)
        try:
            data = await request.json()
            edits = Edits.from_json(data)
            version = int(data.get("version", -1))
        except (ValueError, TypeError, CorrectionError, AttributeError) as exc:
            return JSONResponse({"error": f"malformed save: {exc}"}, status_code=400)
        try:
            new_version, tally = await run_in_threadpool(library.save, book_id, page_id, version, edits, user.name)
        except NotFound:
            return JSONResponse({"error": "no such page"}, status_code=404)
        except Conflict as exc:
            return JSONResponse(
                {"error": "conflict", "version": exc.current_version, "current": exc.current}, status_code=409
            )
        except CorrectionError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return {"version": new_version, "changed": tally.__dict__}

    @app.get("/books/{book_id}/images/{name}")
    async def page_image(request: Request, book_id: str, name: str):
        try:
            return FileResponse(library.image(book_id, name))
        except NotFound:
            return Response("not found", status_code=404)

    @app.get("/books/{book_id}/tei")
    async def download_tei(request: Request, book_id: str):
        try:
            path = library.tei(book_id)
        except NotFound:
            return Response("not found", status_code=404)
        return FileResponse(path, media_type="application/tei+xml", filename=path.name)

    @app.post("/books/{book_id}/delete")
    async def delete_book(request: Request, book_id: str):
        if not csrf_ok(request.session, str((await request.form()).get("csrf", ""))):
            return _forged()
        user = current_user(request)
        if not user.is_admin:
            return refuse(request, "forbidden", 403)
        try:
            folder = library.book_dir(book_id)
        except NotFound:
            return refuse(request, "not_found", 404)

        def remove() -> None:
            with exclusive_lock(folder / ".lock"):
                shutil.rmtree(folder)

        await run_in_threadpool(remove)
        return RedirectResponse("/", status_code=303)

    @app.get("/audit", response_class=HTMLResponse)
    async def audit(request: Request):
        return page(request, "audit.html", rows=library.audit())

    # --- batches ------------------------------------------------------------------------------------------

    @app.get("/upload", response_class=HTMLResponse)
    async def upload_form(request: Request):
        if not current_user(request).is_admin:
            return refuse(request, "forbidden", 403)
        return page(request, "upload.html", max_mb=settings.max_upload_mb)

    @app.post("/upload")
    async def upload(request: Request):
        user = current_user(request)
        if not user.is_admin:
            return refuse(request, "forbidden", 403)
        lang, limit = lang_of(request), settings.max_upload_mb * 1024 * 1024

        def refused_upload(status: int, key: str, **context: Any) -> HTMLResponse:
            message = translate(key, lang, mb=settings.max_upload_mb)
            return page(request, "upload.html", status=status, max_mb=settings.max_upload_mb, error=message, **context)

        if _content_length(request) > limit:
            return refused_upload(413, "too_large")
        batch_id = batches.new_id()
        folder = batches.root / batch_id
        try:
            form = await _limited(request, limit).form(max_files=5000, max_fields=50, max_part_size=64 * 1024)
        except _TooLarge:
            return refused_upload(413, "too_large")
        if not csrf_ok(request.session, str(form.get("csrf", ""))):
            return _forged()
        fields = {k: str(form.get(k, "")) for k in METADATA_FIELDS}
        if not fields["title"].strip():
            return refused_upload(422, "need_title", form=fields)
        inputs = folder / "inputs"
        inputs.mkdir(parents=True)
        kept, refused, manifests = [], [], []
        for upload in form.getlist("files"):
            if not hasattr(upload, "read"):
                continue
            name = safe_name(upload.filename or "")
            head = await upload.read(16)
            reason = check_type(name, head)
            if reason:
                refused.append({"name": upload.filename or name, "reason": reason})
                continue
            target = inputs / name
            stem, n = target.stem, 1
            while target.exists():  # two uploads named alike both stay
                target, n = inputs / f"{stem}-{n}{target.suffix}", n + 1
            with target.open("wb") as out:
                out.write(head)
                while chunk := await upload.read(1024 * 1024):
                    out.write(chunk)
            (manifests if target.suffix.lower() in {".json", ".csv"} else kept).append(target)
        metadata, notes = batches.manifest(folder, fields, manifests)
        refused += [{"name": "manifest", "reason": n} for n in notes]
        if not kept:
            shutil.rmtree(folder, ignore_errors=True)
            return refused_upload(422, "no_files", refused=refused, form=fields)
        batch = Batch(
            id=batch_id,
            book=book_id_for(fields["title"], batch_id),
            user=user.name,
            created=batch_id,
            translate=form.get("translate") == "on",
            files=[p.name for p in kept],
            refused=refused,
        )
        await run_in_threadpool(batches.start, batch, metadata)  # run_deployment is sync off the event loop
        return RedirectResponse(f"/batches/{batch_id}", status_code=303)

    @app.get("/batches/{batch_id}", response_class=HTMLResponse)
    async def batch_view(request: Request, batch_id: str):
        try:
            batch = batches.load(batch_id)
        except (LookupError, OSError, ValueError, TypeError):
            return refuse(request, "not_found", 404)
        return page(request, "batch.html", batch=batch, progress=await run_in_threadpool(batches.status, batch))

    @app.get("/batches/{batch_id}/status")
    async def batch_status(request: Request, batch_id: str):
        try:
            return await run_in_threadpool(batches.status, batches.load(batch_id))
        except (LookupError, OSError, ValueError, TypeError):
            return JSONResponse({"error": "no such batch"}, status_code=404)

    return app


#: The routes that take a form (their CSRF token is a form field).
_FORM_ROUTE = re.compile(r"/login|/logout|/upload|/books/[^/]+/delete")
#: A login form is a name and a password: anything larger is refused before it is parsed.
LOGIN_FORM_LIMIT = 16 * 1024
#: One page's corrections (600 characters and their sentences are a few tens of KB).
SAVE_LIMIT = 4 * 1024 * 1024


def _content_length(request: Request) -> int:
    try:
        return int(request.headers.get("content-length") or 0)
    except ValueError:
        return 0


def _forged() -> Response:
    return Response("missing or wrong CSRF token", status_code=403)


def _limited(request: Request, limit: int) -> Request:
    """The request, its body counted as it streams in: past ``limit`` bytes it stops (no trust in headers)."""
    seen = 0

    async def receive():
        nonlocal seen
        message = await request.receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise _TooLarge()
        return message

    return Request(request.scope, receive)


def page_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
