"""The last step of every training flow: ship the run's best model if it beats the shipped one, and say so."""

from __future__ import annotations

import logging
from pathlib import Path

from prefect.artifacts import create_markdown_artifact

from models.folder import ship_if_better

log = logging.getLogger(__name__)


def ship_and_report(
    best: Path,
    ship_to: Path,
    metric: str,
    summary: str,
    artifact_key: str,
    min_gain: float = 0.0,
    baseline: float | None = None,
) -> bool:
    """Copy ``best`` to ``ship_to`` when its ``metric`` is higher by more than ``min_gain``; publish ``summary``
    with the outcome as a Prefect artifact (and in the log). Returns whether it shipped.

    ``baseline``: the shipped model's score measured now on the candidate's dev set, when the one its card
    records is on another set."""
    shipped, previous = ship_if_better(best, ship_to, metric, min_gain, baseline)
    summary += f"; shipped to {ship_to}" if shipped else "; not shipped"
    summary += f" (shipped model had {metric} {previous:.4f})"
    create_markdown_artifact(key=artifact_key, markdown=summary)
    log.info(summary)
    return shipped
