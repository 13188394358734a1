"""The ``gpu`` concurrency limit (#39 item 8): created by setup, reported and created by a CUDA run that finds
it missing, and taken strictly, so a missing limit is never silently skipped."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def no_gpu_limit(prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    from flows.server_setup import GPU_LIMIT

    with get_client(sync_client=True) as client:
        try:
            client.delete_global_concurrency_limit_by_name(GPU_LIMIT)
        except ObjectNotFound:
            pass
    yield
    with get_client(sync_client=True) as client:
        try:
            client.delete_global_concurrency_limit_by_name(GPU_LIMIT)
        except ObjectNotFound:
            pass


def _limit():
    from prefect.client.orchestration import get_client

    from flows.server_setup import GPU_LIMIT

    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(GPU_LIMIT)


def test_a_cuda_run_that_finds_no_limit_says_so_and_creates_it(no_gpu_limit, caplog):
    from flows.server_setup import check_gpu_limit

    log = logging.getLogger("test-gpu-limit")
    with caplog.at_level(logging.ERROR, logger="test-gpu-limit"):
        check_gpu_limit("cpu", log)  # CPU runs take no slot and need no limit
        assert not caplog.records
        check_gpu_limit("cuda:0", log)
    assert len(caplog.records) == 1 and "wenyuan setup-prefect" in caplog.records[0].getMessage()
    assert _limit().limit == 1
    caplog.clear()
    check_gpu_limit("cuda", log)  # it exists now: nothing to say
    assert not caplog.records


def test_the_slot_is_taken_strictly(no_gpu_limit):
    from flows.digitize import model_slot
    from flows.server_setup import ensure_gpu_limit

    with pytest.raises(Exception, match="gpu"):  # Prefect's own error for a missing strict limit
        with model_slot("cuda"):
            pass
    assert ensure_gpu_limit(slots=2) is True
    with model_slot("cuda"):
        assert _limit().active_slots == 1
    assert _limit().active_slots == 0
    assert ensure_gpu_limit(slots=5) is False and _limit().limit == 2  # an existing limit is left as set
