"""The sample history the report tests share: its report time and spec."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from reports.config import ReportSettings
from tests.support.sample_data import SampleResult, SampleSpec

NOW = datetime(2026, 10, 31, 6, 0, tzinfo=UTC)
"""Report time: four hours after the last night's crawls of the sample history."""
SPEC = SampleSpec(products=24, days=8)


@dataclass
class History:
    engine: Engine
    sample: SampleResult
    spec: SampleSpec
    settings: ReportSettings
