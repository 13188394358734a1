"""What a Prefect server needs before ``prefect deploy --all``: the work pool and the ``gpu`` limit.

The ``gpu`` global concurrency limit makes the model calls of concurrent runs take turns on one GPU. Prefect
skips a limit that does not exist and carries on, so a forgotten ``prefect gcl create`` would let every batch
load its models onto the same card. ``wenyuan setup-prefect`` creates it with the work pool; a run on CUDA that
finds it missing reports it as an error and creates it; the slot itself is taken in strict mode
(``flows.digitize.model_slot``), so a limit deleted mid-run is an error, not a silent pass.
"""

from __future__ import annotations

import logging

GPU_LIMIT = "gpu"
WORK_POOL = "wenyuan-process"  # prefect.yaml's local pool

log = logging.getLogger(__name__)


def ensure_gpu_limit(slots: int = 1) -> bool:
    """Create the ``gpu`` limit with ``slots`` slots on the configured Prefect API unless it exists.

    Returns whether it was created. An existing limit is left as its owner set it.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(GPU_LIMIT)
            return False
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=GPU_LIMIT, limit=slots))
            return True


def ensure_work_pool(name: str = WORK_POOL) -> bool:
    """Create the process work pool ``name`` (with Prefect's default job template) unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=name, type="process", base_job_template=template))
            return True


def check_gpu_limit(device: str, logger: logging.Logger | logging.LoggerAdapter | None = None) -> None:
    """Before a run on ``device``: on CUDA, a missing ``gpu`` limit is reported as an error and created."""
    if not device.startswith("cuda"):
        return
    if ensure_gpu_limit():
        (logger or log).error(
            "The Prefect global concurrency limit %r did not exist, so concurrent runs would have shared the GPU"
            " unchecked; it has been created with 1 slot. Create it when setting up: `wenyuan setup-prefect`"
            " (or `prefect gcl create %s --limit N`).",
            GPU_LIMIT,
            GPU_LIMIT,
        )
