"""Scale-out: the digitise flow runs unchanged on a Dask task runner (a real LocalCluster of 2 workers)."""

from __future__ import annotations

import shutil

import pytest

from tasks.tei import validate_tei
from tests.conftest import SAMPLE_BOOK
from wenyuan.document import Book

pytestmark = pytest.mark.slow


def test_digitize_on_a_two_worker_dask_cluster(prefect_server, tmp_path):
    from distributed import Client, LocalCluster
    from prefect_dask import DaskTaskRunner

    from flows.digitize import digitize

    batch = tmp_path / "batch"
    batch.mkdir()
    for k in (2, 3):
        shutil.copy(SAMPLE_BOOK / f"page_000{k}.jpg", batch)
    (batch / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        flow = digitize.with_options(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        result = flow(inputs=[str(batch)], out=str(tmp_path / "out"), device="cpu", punctuate=False)
        with Client(cluster.scheduler_address) as client:
            assert len(client.scheduler_info()["workers"]) == 2
    assert result["pages"] == 2
    assert [q["path"].split("/")[-1] for q in result["quarantined"]] == ["broken.jpg"]  # crossed the process line
    assert validate_tei(result["tei"]) == []
    assert [p.source for p in Book.load(result["json"]).pages] == ["page_0002.jpg", "page_0003.jpg"]
