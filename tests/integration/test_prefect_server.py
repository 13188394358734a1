"""Against a real Prefect server: deploy from prefect.yaml, run a process worker, trigger runs through the API.

Starts ``prefect server start`` (SQLite) on a free localhost port, runs ``wenyuan setup-prefect`` (the work
pool and the ``gpu`` concurrency limit) and ``prefect deploy --all``, starts a worker, triggers
``digitize-batch`` and ``digitize-inbox`` and waits for them to complete, then checks the TEI outputs, the
inbox filing and the artifacts; and waits, with nobody triggering it, for a one-minute schedule to fire.
Stops what it started.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

from tests.conftest import ROOT, SAMPLE_BOOK

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prefect(env: dict, *args: str, timeout: int = 180) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "prefect", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert out.returncode == 0, f"prefect {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        WENYUAN_HOME=str(ROOT),
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        # The scheduler's loop, every 5 s instead of 60, so a one-minute schedule fires within the test.
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",
    )
    log = open(home / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    procs = [proc]
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"Prefect server did not start: {(home / 'server.log').read_text()[-2000:]}")
            time.sleep(1)
        setup = [sys.executable, "-m", "app.cli", "setup-prefect"]
        done = subprocess.run(setup, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "work pool wenyuan-process: created" in done.stdout
        assert "concurrency limit gpu: created with 1 slot(s)" in done.stdout
        _prefect(env, "--no-prompt", "deploy", "--all")
        # prefect.yaml's own schedules would run the inbox and the export on this checkout's inbox/, out/ and
        # catalog/ while the tests run; the schedule test deploys one of its own on temporary folders.
        assert "*/10 * * * *" in _prefect(env, "deployment", "schedule", "ls", "digitize-inbox/digitize-inbox")
        _prefect(env, "deployment", "schedule", "pause", "--all")
        worker_log = open(home / "worker.log", "w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", "wenyuan-process"],
            env=env,
            cwd=ROOT,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(worker)
        yield env, home
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
        log.close()


def _run_deployment(env: dict, name: str, parameters: dict) -> dict:
    """Trigger a deployment through the API, wait for its final state, and read the run's artifacts."""
    script = textwrap.dedent(f"""
        import asyncio, json
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
        from prefect.deployments import run_deployment
        run = run_deployment({name!r}, parameters=json.loads({json.dumps(parameters)!r}), timeout=900)
        async def artifacts():
            async with get_client() as client:
                found = await client.read_artifacts(
                    artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
                return [a.key for a in found]
        print(json.dumps({{"state": run.state.type.value, "message": run.state.message,
                          "artifacts": asyncio.run(artifacts())}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=960)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_deployments_exist(server):
    env, _ = server
    listing = _prefect(env, "deployment", "ls")
    for name in ("digitize-batch", "digitize-inbox", "export-catalog", "train-translator", "train-punctuator"):
        assert name in listing


def test_digitize_batch_runs_on_the_worker(server, tmp_path):
    env, home = server
    out = tmp_path / "out"
    result = _run_deployment(
        env,
        "digitize/digitize-batch",
        {
            "inputs": [str(SAMPLE_BOOK / "page_0003.jpg")],
            "out": str(out),
            "book_id": "api-batch",
            "device": "cpu",
            "translate": False,
        },
    )
    assert result["state"] == "COMPLETED", (result, (home / "worker.log").read_text()[-3000:])
    assert (out / "api-batch" / "api-batch.tei.xml").exists()
    assert any(k and k.startswith("digitize-") for k in result["artifacts"])  # progress artifacts have no key


def test_the_workbench_digitises_an_upload_through_the_deployment(server, tmp_path):
    """With a Prefect API configured, an upload runs as a ``digitize-batch`` flow run on the worker."""
    import re

    import httpx

    env, home = server
    store = tmp_path / "store"
    add = [sys.executable, "-m", "app.cli", "users", "add", "root", "--role", "admin", "--store", str(store)]
    subprocess.run([*add, "--password-stdin"], input="a long secret\n", env=env, text=True, check=True)
    port = _free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", str(store), "--port", str(port), "--runner", "prefect"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as c:
            deadline = time.monotonic() + 60
            while True:
                try:
                    page = c.get("/login")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and web.poll() is None, "the workbench did not start"
                    time.sleep(0.5)
            token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            c.post("/login", data={"name": "root", "password": "a long secret", "csrf": token})
            token = re.search(r'name="csrf" value="([^"]+)"', c.get("/upload").text).group(1)
            image = (SAMPLE_BOOK / "page_0002.jpg").read_bytes()
            r = c.post("/upload", data={"csrf": token, "title": "Via Prefect"}, files={"files": ("p2.jpg", image)})
            assert r.status_code == 303, r.text
            batch = r.headers["location"]
            deadline = time.monotonic() + 900
            while (status := c.get(f"{batch}/status").json())["state"] == "running":
                assert time.monotonic() < deadline, status
                time.sleep(3)
        record = json.loads(next((store / ".workbench" / "batches").glob("*/batch.json")).read_text())
        assert record["runner"] == "prefect" and record["flow_run"], record
        assert status["state"] == "done", (status, (home / "worker.log").read_text()[-3000:])
        assert (store / record["book"] / f"{record['book']}.tei.xml").exists()
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)


def test_digitize_inbox_files_complete_batches_and_leaves_incomplete_ones(server, tmp_path):
    env, home = server
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    ready = inbox / "batch-ready"
    ready.mkdir(parents=True)
    shutil.copy(SAMPLE_BOOK / "page_0003.jpg", ready)
    (ready / "READY").write_text("")
    uploading = inbox / "batch-uploading"  # no marker yet: must not be touched
    uploading.mkdir()
    shutil.copy(SAMPLE_BOOK / "page_0002.jpg", uploading)
    result = _run_deployment(
        env,
        "digitize-inbox/digitize-inbox",
        {"inbox": str(inbox), "out": str(out), "device": "cpu", "translate": False},
    )
    assert result["state"] == "COMPLETED", (result, (home / "worker.log").read_text()[-3000:])
    assert len(list(out.glob("batch-ready-*/batch-ready-*.tei.xml"))) == 1  # a book id unique to this batch
    assert (inbox / "done" / "batch-ready").is_dir()
    assert "done" in (inbox / "done" / "batch-ready.report.md").read_text()
    assert uploading.is_dir() and not list(out.glob("batch-uploading*"))


def test_a_one_minute_schedule_creates_and_completes_runs_with_nobody_triggering_them(server, tmp_path):
    """The server's scheduler makes the runs and the worker completes them: what the inbox and the nightly
    export depend on. (Under SQLAlchemy 2.1 the scheduler failed every loop and no run was ever created.)"""
    env, home = server
    store, catalog = tmp_path / "store", tmp_path / "catalog"
    store.mkdir()
    _prefect(
        env,
        "--no-prompt",
        "deploy",
        "flows/export_catalog.py:export_catalog",
        "--name",
        "every-minute",
        "--pool",
        "wenyuan-process",
        "--interval",
        "60",
        "--param",
        f"source_dir={store}",
        "--param",
        "inputs=[]",
        "--param",
        f"out={catalog}",
    )
    script = textwrap.dedent("""
        import asyncio, json, time
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

        async def runs():
            async with get_client() as client:
                found = await client.read_flow_runs(
                    deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["every-minute"])))
                return [(r.auto_scheduled, r.state.type.value) for r in found]

        deadline = time.monotonic() + 240
        while True:
            seen = asyncio.run(runs())
            if any(state == "COMPLETED" for _, state in seen) or time.monotonic() > deadline:
                break
            time.sleep(5)
        print(json.dumps(seen))
    """)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    runs = json.loads(out.stdout.strip().splitlines()[-1])
    assert runs, f"the scheduler created no run: {(home / 'server.log').read_text()[-3000:]}"
    assert all(auto for auto, _ in runs)  # made by the scheduler, not triggered
    assert "COMPLETED" in {state for _, state in runs}, (runs, (home / "worker.log").read_text()[-3000:])
    assert "InvalidRequestError" not in (home / "server.log").read_text()
