"""The nightly job end to end: demo shops crawled over real HTTP into SQLite, matched,
compared, alerted over real SMTP and reported; a dead competitor does not stop the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from nightly_env import nightly_env
from sqlalchemy import func, select

from monitor.scheduling.nightly import run_nightly
from monitor.scheduling.settings import NightlySettings
from monitor.settings import load_section
from storage.models import Alert, CrawlRun, Finding, Match, NightlyRun, Observation

pytestmark = pytest.mark.slow


def test_nightly_chain_end_to_end(tmp_path: Path) -> None:
    with nightly_env(tmp_path, dead_competitor=True) as env:
        settings = load_section(env.settings_file, "nightly", NightlySettings)

        first = run_nightly(env.engine, env.db_url, settings, settings_path=env.settings_file)
        assert first.status == "finished", first.summary()
        steps = {s.name: s for s in first.steps}
        assert list(steps) == ["crawl", "match", "compare", "alerts", "report"]
        assert all(s.ok for s in first.steps), first.summary()
        assert steps["crawl"].detail["failed"] == ["deadshop"]
        assert first.report_path is not None and first.report_path.exists()
        html = first.report_path.read_text(encoding="utf-8")
        assert "Dead Shop" in html or "deadshop" in html  # the report names the missing shop

        with env.engine.connect() as conn:
            runs = conn.execute(select(CrawlRun.status, func.count()).group_by(CrawlRun.status)).all()
            assert dict(runs) == {"finished": 2, "failed": 1}
            assert conn.scalar(select(func.count(Observation.id)).where(Observation.status == "ok")) > 300
            assert conn.scalar(select(func.count(Match.id))) > 50
            first_findings = conn.scalar(select(func.count(Finding.id)))
            assert first_findings and first_findings > 0
        mails_after_first = len(env.smtp.messages)
        assert mails_after_first >= 1

        # day 3: jsonshop has undercut us since day 2, prices and promotions moved
        env.shops.set_day(3)
        second = run_nightly(env.engine, env.db_url, settings, settings_path=env.settings_file)
        assert second.status == "finished", second.summary()
        with env.engine.connect() as conn:
            last_compare = conn.scalar(select(func.max(Finding.compare_run_id)))
            kinds = set(conn.scalars(select(Finding.kind).where(Finding.compare_run_id == last_compare)))
            assert "undercut" in kinds
            alerts_after_second = conn.scalar(select(func.count(Alert.id)))
            nightly = conn.execute(select(NightlyRun.status)).scalars().all()
            assert nightly == ["finished", "finished"]
        assert len(env.smtp.messages) > mails_after_first

        # the same night again: nothing new to say, nothing sent twice
        mails = len(env.smtp.messages)
        third = run_nightly(env.engine, env.db_url, settings, settings_path=env.settings_file)
        assert third.status == "finished"
        with env.engine.connect() as conn:
            assert conn.scalar(select(func.count(Alert.id))) == alerts_after_second
        assert len(env.smtp.messages) == mails
        subjects = [m["subject"] for m in env.smtp.messages]
        assert len(subjects) == len(set(subjects)) or len(env.smtp.messages) == mails
