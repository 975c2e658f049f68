"""How a crawl run went, in one word and a why: the one rule the status table, the report
and the demo share. A run that failed, was skipped or was cut short is never "ok"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storage.models import RunStatus


@dataclass(frozen=True, slots=True)
class RunHealth:
    ok: bool
    """Only a finished, not suspect run is ok."""
    state: str
    """ok | suspect | truncated | failed | skipped | interrupted | running."""
    detail: str
    """Why, in a sentence ('' when ok)."""

    @property
    def text(self) -> str:
        return self.state if not self.detail else f"{self.state}: {self.detail}"


def run_health(status: str | None, suspect: bool, suspect_reason: str | None,
               error_summary: str | None, stats: Mapping[str, Any] | None) -> RunHealth:
    """The health of one crawl run from its stored row."""
    stats = stats or {}
    if status == RunStatus.finished.value:
        if suspect:
            return RunHealth(False, "suspect", suspect_reason or "marked suspect by the health check")
        return RunHealth(True, "ok", "")
    if status == RunStatus.truncated.value:
        left = stats.get("pages_left")
        limit = stats.get("max_pages")
        detail = (f"stopped at max_pages={limit} with at least {left} product page(s) left"
                  if left is not None else "stopped at max_pages with product pages left")
        if suspect:
            detail += f"; suspect: {suspect_reason}"
        return RunHealth(False, "truncated", detail)
    if status == RunStatus.skipped.value:
        return RunHealth(False, "skipped", error_summary or "a prerequisite is missing")
    if status == RunStatus.failed.value:
        return RunHealth(False, "failed", error_summary or "no error recorded")
    if status == RunStatus.interrupted.value:
        return RunHealth(False, "interrupted", error_summary or "stopped before it ended")
    if status == RunStatus.running.value:
        return RunHealth(False, "running", "")
    return RunHealth(False, status or "never", "")
