"""The ``wenyuan`` command line."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import click

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def _quiet_prefect(verbose: bool) -> None:
    # The embedded Prefect server needs no network; keep its telemetry off and its logs short.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "true")


DEVICE = click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True, help="Where models run."
)
BEAMS = click.option(
    "--beams",
    type=click.IntRange(min=1),
    default=None,
    help="Beam size; 1: greedy (default: the model folder's generation_config, 6 beams for the shipped model).",
)


class _Group(click.Group):
    """Reports the project's own errors (bad input, missing models) as one clear line, exit status 1."""

    def invoke(self, ctx: click.Context):
        from wenyuan.errors import WenyuanError

        try:
            return super().invoke(ctx)
        except WenyuanError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wenyuan")
def main() -> None:
    """wenyuan (文渊): scans of pre-modern Chinese books to scholarly digital editions."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--manifest",
    "-m",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Book metadata (CSV or JSON).",
)
@click.option(
    "--book-id",
    help="Identifier of the book, used as given (default: the manifest's id, else a slug of the title or first "
    "input plus a short hash unique to the book).",
)
@DEVICE
@click.option("--no-punctuate", is_flag=True, help="Skip the punctuation model (and so translation).")
@click.option("--no-translate", is_flag=True, help="Skip the translation model.")
@click.option("--no-validate", is_flag=True, help="Skip TEI schema validation of the output.")
@click.option("--dask-address", default=None, help="Run page tasks on this Dask scheduler (tcp://host:port).")
@click.option("-v", "--verbose", is_flag=True, help="Show Prefect's logs.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or status lines on the terminal.")
def digitize(
    inputs, out, manifest, book_id, device, no_punctuate, no_translate, no_validate, dask_address, verbose, quiet
):
    """Digitise page scans (images, TIFF, PDF, zip or folders) into a TEI edition under OUT/<book>/.

    On a terminal it shows progress bars (pages read; text stages by section) unless --quiet.

    Exit status: 0 all pages done, 3 done but some inputs were quarantined, 1 failed (a missing path, no
    page image, every input bad: nothing usable is written).
    """
    from tasks.ingest import check_inputs_exist

    check_inputs_exist(list(inputs))  # at once, before Prefect or any model loads (exit 1, naming them)
    progress = not quiet and sys.stderr.isatty()
    if progress:  # the seconds before the first bar: Prefect's local engine starts, the models load
        click.echo("wenyuan: starting Prefect's local engine and the models (a first run takes a minute)…", err=True)
    _quiet_prefect(verbose)
    from flows.digitize import digitize as digitize_flow

    if dask_address:
        from prefect_dask import DaskTaskRunner

        digitize_flow = digitize_flow.with_options(task_runner=DaskTaskRunner(address=dask_address))
    result = digitize_flow(
        inputs=[str(p) for p in inputs],
        out=str(out),
        manifest=str(manifest) if manifest else None,
        book_id=book_id,
        device=device,
        punctuate=not no_punctuate,
        translate=not no_translate,
        check_tei=not no_validate,
        show_progress=progress,
    )
    click.echo(f"{result['book']}: {result['pages']} page(s), {result['characters']} characters")
    click.echo(f"TEI:  {result['tei']}")
    click.echo(f"JSON: {result['json']}")
    for q in result["quarantined"]:
        click.echo(f"quarantined {q['path']}: {q['reason']}", err=True)
    sys.exit(EXIT_PARTIAL if result["quarantined"] else EXIT_OK)


@main.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per column in reading order; json: the page documents.",
)
@DEVICE
def ocr(images, fmt, device):
    """OCR pages without the flow (no cleaning, no punctuation): images, TIFF, PDF, zip or folders.

    Exit status: 0 all read, 3 some inputs could not be read (named on stderr).
    """
    from tasks.ingest import PageSource, list_page_sources, load_page_image, page_hash
    from tasks.ocr import OcrConfig, build_engine, read_image
    from wenyuan.errors import BadInputError

    cfg = OcrConfig(device=device)
    engine = build_engine(cfg)
    status = EXIT_OK
    with tempfile.TemporaryDirectory(prefix="wenyuan-ocr-") as workdir:
        sources, bad, _ = list_page_sources(list(images), Path(workdir))
        for q in bad:
            click.echo(f"error: {q.path}: {q.reason}", err=True)
            status = EXIT_PARTIAL
        src: PageSource
        for src in sources:
            try:
                image = load_page_image(src)
            except BadInputError as exc:
                click.echo(f"error: {exc}", err=True)
                status = EXIT_PARTIAL
                continue
            sha = page_hash(image)
            pages = read_image(
                image,
                engine,
                cfg,
                page_id=f"p{sha[:12]}",
                source=src.label,
                source_page=src.page,
                image_ref=str(src.path),
                sha256=sha,
            )
            for page in pages:
                if fmt == "json":
                    click.echo(page.model_dump_json())
                else:  # the transcription: fold-strip and margin text is no part of it
                    for line in page.transcription_lines():
                        click.echo(line.text)
    sys.exit(status)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files):
    """Validate TEI files against TEI P5 tei_all. Exit status 1 if any is invalid."""
    from tasks.tei import validate_tei

    bad = 0
    for f in files:
        errors = validate_tei(f) if f.exists() else [f"no such file: {f}"]
        if errors:
            bad += 1
            click.echo(f"{f}: INVALID", err=True)
            for e in errors[:20]:
                click.echo(f"  {e}", err=True)
        else:
            click.echo(f"{f}: valid")
    sys.exit(EXIT_FAILED if bad else EXIT_OK)


def _decoded(raw: bytes, n: int) -> str:
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"stdin line {n} is not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def _stdin_lines() -> list[str]:
    return [line for batch in _stdin_batches(None) for line in batch]


def _stdin_batches(size: int | None) -> Iterator[list[str]]:
    """Stdin's lines, ``size`` at a time (all at once for None), read as they arrive: a command can write each
    batch's results before the rest of its input is even there."""
    batch: list[str] = []
    for n, raw in enumerate(sys.stdin.buffer, 1):
        batch.append(_decoded(raw, n))
        if size and len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stream(batches: Iterator[list[str]], run: Callable[[list[str]], list[str]]) -> None:
    """Write each batch's output lines as soon as they are done (a long input shows progress at once)."""
    for batch in batches:
        for line in run(batch):
            click.echo(line)
        sys.stdout.flush()


@main.command()
@click.option("--model", type=click.Path(path_type=Path), default=None, help="Punctuator folder (default: shipped).")
@DEVICE
@click.option("--batch-size", default=32, show_default=True)
def punctuate(model, device, batch_size):
    """Punctuate classical text: one line on stdin -> the same line with marks on stdout."""
    from tasks.punctuate import DEFAULT_MODEL, load_punctuator

    p = load_punctuator(str(model or DEFAULT_MODEL), device)
    p.batch_size = batch_size
    _stream(_stdin_batches(batch_size), p.punctuate)


@main.command("eval-punctuation")
@click.option("--data", required=True, type=click.Path(exists=True, path_type=Path), help="punct_*.jsonl.gz")
@click.option("--model", type=click.Path(path_type=Path), default=None)
@DEVICE
@click.option("--limit-chars", type=int, default=None, help="Score only the first N characters.")
def eval_punctuation(data, model, device, limit_chars):
    """Segmentation F1, punctuation F1, per-mark precision/recall and characters/s on a corpus file."""
    import time

    from corpora.punct import first_paragraphs
    from models.punctuator import evaluate_punctuator
    from tasks.punctuate import DEFAULT_MODEL, load_punctuator

    paragraphs = first_paragraphs(data, limit_chars)
    p = load_punctuator(str(model or DEFAULT_MODEL), device)
    t = time.perf_counter()
    scores = evaluate_punctuator(p, paragraphs)
    elapsed = time.perf_counter() - t
    chars = sum(len(x) for x in paragraphs)
    seg, pun = scores["segmentation"], scores["punctuation"]
    click.echo(f"paragraphs {len(paragraphs)}  characters {chars}")
    click.echo(f"segmentation  P {seg['precision']:.4f}  R {seg['recall']:.4f}  F1 {seg['f1']:.4f}")
    click.echo(f"punctuation   P {pun['precision']:.4f}  R {pun['recall']:.4f}  F1 {pun['f1']:.4f}")
    for mark, s in scores["per_mark"].items():
        click.echo(f"  {mark}  P {s['precision']:.4f}  R {s['recall']:.4f}  F1 {s['f1']:.4f}  n {s['support']}")
    click.echo(f"speed {chars / elapsed:.0f} characters/s")


@main.command()
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    default=None,
    help="Any Hugging Face seq2seq folder (default: the shipped translator).",
)
@BEAMS
@click.option("--batch-size", default=32, show_default=True)
@DEVICE
def translate(model, beams, batch_size, device):
    """Classical -> modern Chinese: one sentence or passage per stdin line -> one line on stdout."""
    from tasks.translate import DEFAULT_MODEL, load_translator

    t = load_translator(str(model or DEFAULT_MODEL), device, beams)
    t.batch_size = batch_size
    _stream(_stdin_batches(batch_size), t.translate)


@main.command("eval-translation")
@click.option("--data", required=True, type=click.Path(exists=True, path_type=Path), help="cm_*.tsv.gz")
@click.option("--model", type=click.Path(path_type=Path), default=None)
@BEAMS
@click.option("--batch-size", default=64, show_default=True)
@click.option("--limit", type=int, default=None, help="Score only the first N pairs.")
@click.option(
    "--ocr-noise",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Drop, double or confuse this share of the source characters first, as OCR does (corpora.ocr_noise).",
)
@DEVICE
def eval_translation(data, model, beams, batch_size, limit, ocr_noise, device):
    """BLEU and chrF of the translator and of copying the source, and sentences/s, on a corpus file."""
    from corpora.ocr_noise import ocr_noise as noised
    from corpora.parallel import iter_pairs
    from models.translator import evaluate_translator
    from tasks.translate import DEFAULT_MODEL, load_translator

    src, ref = [], []
    for k, pair in enumerate(iter_pairs(data)):
        src.append(noised(pair.src, ocr_noise, seed=k) if ocr_noise else pair.src)
        ref.append(pair.tgt)
        if limit and len(src) >= limit:
            break
    t = load_translator(str(model or DEFAULT_MODEL), device, beams)
    t.batch_size = batch_size
    s = evaluate_translator(t, src, ref)
    penalty = f"  length penalty {t.length_penalty:g}" if t.beams > 1 else ""
    click.echo(f"sentences {s['sentences']}  beams {t.beams}{penalty}")
    click.echo(f"model        BLEU {s['bleu']:.2f}  chrF {s['chrf']:.2f}")
    click.echo(f"copy source  BLEU {s['copy_bleu']:.2f}  chrF {s['copy_chrf']:.2f}")
    click.echo(f"speed {s['sentences_per_s']:.1f} sentences/s")


def _training_options(model: str, total_steps: int, lr: float, dev: bool = True, init_help: str = ""):
    """The options the training commands share (names match the training flows' parameters)."""
    options = [
        click.option("--train", "train_path", required=True, type=click.Path(exists=True, path_type=Path)),
        click.option("--run-dir", type=click.Path(path_type=Path), default=Path(f"runs/{model}"), show_default=True),
        click.option(
            "--init-from",
            type=click.Path(exists=True, path_type=Path),
            default=None,
            help=init_help or f"Continue from a model folder (e.g. models/{model}) when run-dir has no checkpoint.",
        ),
        click.option("--budget-minutes", type=float, default=60, show_default=True),
        click.option("--total-steps", type=int, default=total_steps, show_default=True),
        click.option("--lr", type=float, default=lr, show_default=True, help="Peak learning rate."),
        click.option("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)."),
        DEVICE,
    ]
    if dev:
        options.insert(
            1, click.option("--dev", "dev_path", required=True, type=click.Path(exists=True, path_type=Path))
        )

    def apply(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn

    return apply


@main.command("train-translator")
@_training_options("translator", total_steps=40000, lr=7e-4, dev=False)
@click.option(
    "--dev",
    "dev_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Dev set to select and ship on (default: the unseen-book set drawn from --train's held-out books).",
)
@click.option(
    "--in-book-dev",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A second dev set scored at the end, e.g. cm_dev.tsv.gz (books also in training).",
)
@click.option("--max-tokens", type=int, default=4096, show_default=True, help="Padded tokens per batch.")
@click.option("--eval-every", type=int, default=1000, show_default=True, help="Steps between dev evaluations.")
@click.option(
    "--average-last",
    type=int,
    default=4,
    show_default=True,
    help="Average the weights of the last N evaluations at the end; kept if better (0: off).",
)
@click.option(
    "--deepen-encoder-to",
    type=click.IntRange(min=1),
    default=None,
    help="Grow the starting model's encoder to this many layers (new layers start as near-identities), then train.",
)
@click.option(
    "--extra-train",
    "extra_train",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="Another book/chapter/src/tgt corpus trained on with --train, e.g. the corrected translations a "
    "workbench or import-tei wrote (corrections/translations.tsv); repeatable.",
)
def train_translator(
    train_path,
    dev_path,
    run_dir,
    init_from,
    budget_minutes,
    total_steps,
    max_tokens,
    lr,
    eval_every,
    average_last,
    deepen_encoder_to,
    threads,
    device,
    in_book_dev,
    extra_train,
):
    """Train (or resume) the translator; ships it to models/translator if it beats the shipped one.

    The books of corpora.unseen_books are never trained on; by default they are the dev set."""
    if deepen_encoder_to and not init_from:
        raise click.UsageError("--deepen-encoder-to grows a starting model: give --init-from too")
    _quiet_prefect(True)
    from flows.train_translator import train_translator as flow

    scores = flow(
        train_path=train_path,
        dev_path=dev_path,
        run_dir=run_dir,
        init_from=init_from,
        budget_minutes=budget_minutes,
        total_steps=total_steps,
        max_tokens=max_tokens,
        lr=lr,
        eval_every_steps=eval_every,
        average_last=average_last,
        deepen_encoder_to=deepen_encoder_to,
        threads=threads,
        device=device,
        in_book_dev=in_book_dev,
        extra_train=extra_train,
    )
    click.echo(json.dumps(scores, indent=1, ensure_ascii=False))


@main.command("import-tei")
@click.argument("tei_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--base",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The document JSON the edition was exported from (default: the .json beside the TEI file).",
)
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--who", default="archivist", show_default=True, help="Whose corrections these are (TEI @resp).")
def import_tei(tei_file, base, out, who):
    """Read a (corrected) TEI edition back into the document model; save corrections as training data.

    Writes OUT/<book>.json, OUT/<book>.tei.xml (re-exported and validated) and, with a base document,
    OUT/corrections/ (docs/corrections.md): the corrected lines' images and texts, and the corrected
    punctuation and translations as TSV for train-punctuator/train-translator --extra-train.
    """
    from tasks.corrections import write_training_data
    from tasks.tei import PERSON_NAME, validate_tei, write_tei
    from tasks.tei_import import copy_page_images, tei_to_book
    from wenyuan.document import Book

    if not PERSON_NAME.match(who):
        raise click.BadParameter("a letter then up to 31 letters, digits, '.', '_' or '-'", param_hint="--who")
    beside = tei_file.with_name(tei_file.name.removesuffix(".tei.xml").removesuffix(".xml") + ".json")
    base = base or (beside if beside.exists() else None)
    base_book = Book.load(base) if base else None
    book = tei_to_book(tei_file, base=base_book, who=who)
    out.mkdir(parents=True, exist_ok=True)
    book.save(out / f"{book.id}.json")
    tei = write_tei(book, out / f"{book.id}.tei.xml")
    # The page images travel with the edition, so the folder exports (IIIF, LIDO) with working image links.
    for missing in copy_page_images(book, tei_file.parent, out):
        click.echo(f"warning: {missing} is not beside {tei_file}; the edition links to a missing image", err=True)
    errors = validate_tei(tei)
    click.echo(
        f"{book.id}: {len(book.pages)} page(s), {sum(1 for _ in book.chars())} characters, "
        f"{len(book.sentences)} sentences -> {out}"
    )
    if base_book is not None:
        counts = write_training_data(book, out, out / "corrections")
        for kind, n in counts.items():
            click.echo(f"  {kind}: {n} correction(s)")
    if errors:
        raise click.ClickException(f"{tei}: re-exported TEI does not validate: {errors[:3]}")


@main.command("export")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["iiif", "lido", "dc-csv"]),
    help="Formats to write (repeatable; default: all).",
)
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="The export store.")
@click.option(
    "--base-url",
    default="http://localhost:8000",
    show_default=True,
    help="Public URL the export store is served under.",
)
@click.option("--image-service", default="", help="Base URL of a IIIF Image API server for the pages.")
@click.option("--force", is_flag=True, help="Re-export unchanged books too.")
@click.option(
    "--subject-min-confidence",
    type=click.FloatRange(0, 1),
    default=0.9,
    show_default=True,
    help="Entities become catalog subjects from this confidence up, or when a person confirmed them.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Prefect's logs.")
def export(inputs, formats, out, base_url, image_service, force, subject_min_confidence, verbose):
    """Export digitize folders or TEI editions to IIIF, LIDO and Dublin Core CSV (incremental).

    Exit status: 0 all exported or unchanged, 3 some inputs failed (named on stderr).
    """
    _quiet_prefect(verbose)
    from flows.export_catalog import FORMATS, export_catalog

    result = export_catalog(
        inputs=[str(p) for p in inputs],
        out=str(out),
        formats=list(formats or FORMATS),
        base_url=base_url,
        image_service=image_service,
        force=force,
        subject_min_confidence=subject_min_confidence,
    )
    click.echo(
        f"exported {len(result['exported'])}, unchanged {len(result['unchanged'])}, "
        f"deleted {len(result['deleted'])} -> {out}"
    )
    for f in result["failed"]:
        click.echo(f"failed {f['input']}: {f['reason']}", err=True)
    sys.exit(EXIT_PARTIAL if result["failed"] else EXIT_OK)


@main.command("setup-prefect")
@click.option("--gpu-slots", default=1, show_default=True, type=click.IntRange(min=1), help="Model calls per GPU.")
@click.option("--pool", default="wenyuan-process", show_default=True, help="Process work pool prefect.yaml uses.")
def setup_prefect(gpu_slots, pool):
    """Prepare the Prefect server PREFECT_API_URL names: the work pool and the `gpu` concurrency limit."""
    from flows.server_setup import GPU_LIMIT, ensure_gpu_limit, ensure_work_pool

    click.echo(f"work pool {pool}: {'created' if ensure_work_pool(pool) else 'exists'}")
    made = f"created with {gpu_slots} slot(s)" if ensure_gpu_limit(gpu_slots) else "exists (left as set)"
    click.echo(f"concurrency limit {GPU_LIMIT}: {made}")


@main.command("serve-oai")
@click.argument("store", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--base-url", default=None, help="Public URL of the endpoint (default: http://HOST:PORT/oai).")
@click.option("--page-size", default=50, show_default=True, help="Records per response before a resumption token.")
@click.option("--admin-email", required=True, help="The contact harvesters are given (Identify's adminEmail).")
@click.option("--repository-name", default="wenyuan", show_default=True, help="Identify's repositoryName.")
def serve_oai(store, host, port, base_url, page_size, admin_email, repository_name):
    """Serve an export store (from `wenyuan export`) as an OAI-PMH 2.0 data provider (oai_dc, lido)."""
    from wsgiref.simple_server import make_server

    from catalog.oai import OaiProvider

    try:
        app = OaiProvider(
            store,
            base_url or f"http://{host}:{port}/oai",
            admin_email,
            page_size=page_size,
            repository_name=repository_name,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--admin-email") from exc
    with make_server(host, port, app) as server:
        click.echo(f"OAI-PMH at {app.base_url} (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


@main.command("serve")
@click.argument("store", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--max-upload-mb", default=2048, show_default=True, type=click.IntRange(min=1))
@click.option("--secure-cookies", is_flag=True, help="Send the session cookie over HTTPS only (behind TLS).")
@click.option(
    "--runner",
    type=click.Choice(["auto", "local", "prefect"]),
    default="auto",
    show_default=True,
    help="Where uploads are digitised: the digitize-batch deployment (prefect), a local worker process "
    "(local), or the deployment when PREFECT_API_URL is set (auto).",
)
def serve(store, host, port, max_upload_mb, secure_cookies, runner):
    """The archivists' workbench on STORE (the folder `digitize` writes): upload, follow, review, correct."""
    import uvicorn

    from app.web import Settings, create_app
    from app.web.accounts import Accounts

    if not Accounts(store).all():
        click.echo(f"no accounts yet: add one with `wenyuan users add NAME --role admin --store {store}`", err=True)
    app = create_app(Settings(store=store, max_upload_mb=max_upload_mb, secure_cookies=secure_cookies, runner=runner))
    click.echo(f"workbench at http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@main.group("users")
def users() -> None:
    """Workbench accounts."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), required=True)
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--replace", is_flag=True, help="Reset the password and role of an existing user.")
def users_add(name, role, store, password_stdin, replace):
    """Add a user (reviewers read and correct; admins also upload and delete)."""
    from app.web.accounts import Accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        user = Accounts(store).add(name, password, role, replace=replace)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"{user.name}: {user.role}")


@users.command("list")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), required=True)
def users_list(store):
    """List the workbench's users and their roles."""
    from app.web.accounts import Accounts

    for user in Accounts(store).all():
        click.echo(f"{user.name}\t{user.role}")


@main.command()
@click.option("--regime", default=None, help="Regime or dynasty of the text (e.g. 唐), to choose among eras.")
@click.option("--lines-apart", is_flag=True, help="Read each line alone: no era carried from line to line.")
def dates(regime, lines_apart):
    """Reign-era dates in text on stdin: one JSON object per date found (line, offsets, ISO from/to).

    stdin is one text: a year written without its era at the head of a clause (二十年，…) is read in the era
    of the last date before it, on the same line or an earlier one, and its object names that date in
    ``era_from``.
    """
    from entities.dates import find_dates, find_dates_in_sequence

    lines = _stdin_lines()
    found = [find_dates(line, regime) for line in lines] if lines_apart else find_dates_in_sequence(lines, regime)
    for n, matches in enumerate(found, 1):
        for match in matches:
            click.echo(json.dumps(match.as_dict(line=n), ensure_ascii=False))


@main.command()
@click.option("--regime", default=None, help="Regime or dynasty of the text (e.g. 唐), to choose among eras.")
@click.option(
    "--model",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Entity tagger folder [default: the shipped models/entity_tagger].",
)
@click.option("--no-tagger", is_flag=True, help="Lexicons and patterns only (no learned tagger).")
@click.option(
    "--translate",
    is_flag=True,
    help="Translate each line first: the names the translation writes in full find the source's short forms "
    "(仪 for 张仪, 燕 for 燕国). Slower.",
)
@click.option(
    "--translator",
    "translator_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Translator folder for --translate [default: the shipped models/translator].",
)
@DEVICE
def annotate(regime, model, no_tagger, translate, translator_dir, device):
    """Annotate text on stdin (one passage per line): one JSON line per entity, with its kind and span.

    Kinds found: reign-era dates (resolved with the DILA tables), persons and places (mined lexicons and
    patterns of classical prose, then a learned tagger for what they leave), book titles and official titles
    (lexicons). stdin is one document: a person named in full on one line is also found by the given name
    alone on the others, and a year written without its era is read in the era of the last date before it.
    """
    from entities.annotator import annotate_document
    from tasks.annotate import DEFAULT_TAGGER, load_entity_tagger

    tagger = None if no_tagger else load_entity_tagger(str(model or DEFAULT_TAGGER), device)
    lines = _stdin_lines()
    translations = None
    if translate:
        from tasks.translate import DEFAULT_MODEL, load_translator

        translations = load_translator(str(translator_dir or DEFAULT_MODEL), device).translate(lines)
    for n, entities in enumerate(annotate_document(lines, regime, tagger, translations), 1):
        for entity in entities:
            click.echo(json.dumps({"line": n, **entity}, ensure_ascii=False))


@main.command("train-punctuator")
@_training_options("punctuator", total_steps=30000, lr=1e-3)
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option(
    "--init-encoder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Start from an encoder pre-trained with `wenyuan pretrain-encoder`, or from the encoder of a translator "
    "folder (a fresh classification head either way).",
)
@click.option(
    "--text-boundaries/--no-text-boundaries",
    default=True,
    show_default=True,
    help="A boundary token between training paragraphs and around every text read, so the model knows where a "
    "text ends.",
)
@click.option(
    "--deepen-to",
    type=click.IntRange(min=1),
    default=None,
    help="Grow the starting model's encoder to this many layers (new layers start as near-identities), then train.",
)
@click.option(
    "--extra-train",
    "extra_train",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="A parallel corpus (cm_*.tsv.gz) whose punctuated sources are added to the training text, the text they "
    "share with --dev left out; repeatable.",
)
@click.option(
    "--dropout",
    type=click.FloatRange(min=0.0, max=1.0, max_open=True),
    default=None,
    help="Train at this dropout rate instead of the starting model's (give it again when resuming).",
)
def train_punctuator(
    train_path,
    dev_path,
    run_dir,
    init_from,
    budget_minutes,
    total_steps,
    batch_size,
    lr,
    threads,
    device,
    init_encoder,
    text_boundaries,
    deepen_to,
    extra_train,
    dropout,
):
    """Train (or resume) the punctuation model; ships it to models/punctuator if it beats the shipped one."""
    _quiet_prefect(True)
    from flows.train_punctuator import train_punctuator as flow

    if init_from and init_encoder:
        raise click.UsageError("give --init-from (a punctuator) or --init-encoder (an encoder), not both")
    if deepen_to and not (init_from or init_encoder):
        raise click.UsageError("--deepen-to grows a starting model: give --init-from or --init-encoder too")
    scores = flow(
        train_path=train_path,
        dev_path=dev_path,
        run_dir=run_dir,
        init_from=init_from,
        init_encoder=init_encoder,
        budget_minutes=budget_minutes,
        total_steps=total_steps,
        batch_size=batch_size,
        lr=lr,
        threads=threads,
        device=device,
        text_boundaries=text_boundaries,
        deepen_to=deepen_to,
        extra_train=extra_train,
        dropout=dropout,
    )
    click.echo(json.dumps({"segmentation": scores["segmentation"], "punctuation": scores["punctuation"]}, indent=1))


@main.command("pretrain-encoder")
@_training_options("encoder", total_steps=20000, lr=1e-3, init_help="Continue an encoder folder from an earlier run.")
@click.option("--batch-size", type=int, default=64, show_default=True)
def pretrain_encoder(
    train_path, dev_path, run_dir, init_from, budget_minutes, total_steps, batch_size, lr, threads, device
):
    """Pre-train the punctuator's encoder as a masked language model on the punctuation corpus's characters.

    The best encoder is kept in RUN_DIR/best; `wenyuan train-punctuator --init-encoder RUN_DIR/best` starts
    the punctuator from it.
    """
    _quiet_prefect(True)
    from flows.pretrain_encoder import pretrain_encoder as flow

    result = flow(
        train_path=train_path,
        dev_path=dev_path,
        run_dir=run_dir,
        init_from=init_from,
        budget_minutes=budget_minutes,
        total_steps=total_steps,
        batch_size=batch_size,
        lr=lr,
        threads=threads,
        device=device,
    )
    click.echo(json.dumps(result, indent=1))


@main.command("calibrate-punctuator")
@click.option("--model", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
@click.option("--dev", "dev_path", required=True, type=click.Path(exists=True, path_type=Path), help="punct_dev")
@click.option("--chars", type=int, default=40_000, show_default=True, help="Dev characters to calibrate on.")
@click.option("--ship-to", type=click.Path(path_type=Path), default=None, help="Copy there if it scores better.")
@DEVICE
def calibrate_punctuator(model, dev_path, chars, ship_to, device):
    """Calibrate a punctuator folder's no-mark bias on the start of dev, score all of dev, record both."""
    from flows.train_punctuator import calibrate_and_score
    from models.device import select_device
    from models.folder import ship_if_better

    scores = calibrate_and_score(model, dev_path, select_device(device), chars)
    click.echo(json.dumps({"segmentation": scores["segmentation"], "punctuation": scores["punctuation"]}, indent=1))
    if ship_to is not None:
        shipped, previous = ship_if_better(model, ship_to, "segmentation.f1")
        click.echo(f"{'shipped to' if shipped else 'not shipped to'} {ship_to} (it had {previous:.4f})")


@main.command("train-entity-tagger")
@_training_options(
    "entity_tagger",
    total_steps=3000,
    lr=3e-4,
    dev=False,
    init_help="Start from this folder when run-dir has no checkpoint: the punctuator (its encoder; the default), "
    "a translator (its encoder) or a shipped tagger.",
)
@click.option("--every", type=int, default=3, show_default=True, help="Label every n-th chapter of --train.")
@click.option(
    "--project/--no-project",
    default=True,
    show_default=True,
    help="Also label the persons and places the translations name in full (仪 where the modern side has 张仪).",
)
def train_entity_tagger(
    train_path, run_dir, init_from, budget_minutes, total_steps, lr, threads, device, every, project
):
    """Fine-tune (or resume) the person/place tagger on silver labels; scores it on the hand-checked sets and
    ships it to models/entity_tagger if it beats the shipped one on dev."""
    _quiet_prefect(True)
    from flows.train_entity_tagger import ENCODER
    from flows.train_entity_tagger import train_entity_tagger as flow

    metrics = flow(
        train_path=train_path,
        run_dir=run_dir,
        init_from=init_from or ENCODER,
        every=every,
        project=project,
        budget_minutes=budget_minutes,
        total_steps=total_steps,
        lr=lr,
        threads=threads,
        device=device,
    )
    click.echo(json.dumps(metrics["sets"], indent=1))


@main.command("prune-results")
@click.option("--days", type=float, default=30, show_default=True, help="Remove results older than this.")
@click.option(
    "--path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Default: Prefect's local storage.",
)
def prune_results(days, path):
    """Delete persisted text-stage results older than --days (a removed result only means a re-run)."""
    from wenyuan.result_store import default_result_path
    from wenyuan.result_store import prune_results as prune

    root = path or default_result_path()
    files, size = prune(root, days)
    click.echo(f"removed {files} result files ({size / 2**20:.1f} MiB) older than {days:g} days from {root}")


if __name__ == "__main__":
    main()
