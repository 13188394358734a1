"""Pruning Prefect's persisted task results.

The text stages persist their results so that a re-run is taken from the cache. Nothing in Prefect removes
old result files, so the store grows with every book digitised (about 45 kB a page, compressed). A result
file that is gone is a cache miss, never an error: the stage simply runs again.
"""

from __future__ import annotations

import time
from pathlib import Path


def default_result_path() -> Path:
    """Where Prefect writes persisted results on this machine (``PREFECT_LOCAL_STORAGE_PATH``)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().results.local_storage_path)


def prune_results(root: Path, older_than_days: float, now: float | None = None) -> tuple[int, int]:
    """Delete result files under ``root`` last written more than ``older_than_days`` ago.

    Returns the number of files and bytes removed. Links are not followed and nothing outside ``root`` is
    touched.
    """
    cutoff = (time.time() if now is None else now) - older_than_days * 86400
    files = removed = 0
    if not root.is_dir():
        return 0, 0
    for path in root.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        stat = path.stat()
        if stat.st_mtime < cutoff:
            path.unlink()
            files += 1
            removed += stat.st_size
    return files, removed
