"""`pricewatch demo`: the whole nightly job, end to end, on the bundled demo shops.

Starts the demo shops on 127.0.0.1, a local SMTP sink that saves each alert mail as an
.eml file, loads the demo catalog into a fresh SQLite database, runs the nightly chain
over 14 simulated days (prices move, promotions start and end, stock-outs, undercuts),
writes the daily and monthly reports and returns what a person should open. Nothing
leaves the machine.
"""

from __future__ import annotations

import shutil
import socket
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import yaml

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

Say = Callable[[str], None]


@dataclass
class DemoResult:
    out_dir: Path
    db_url: str
    daily_report: Path | None
    monthly_report: Path | None
    monthly_pdf: Path | None
    mail_dir: Path
    mails: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    top_findings: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    not_crawled: list[str] = field(default_factory=list)
    """Competitors the last night could not crawl (or only in part), each with why."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_sink(mail_dir: Path) -> Iterator[int]:
    """A real SMTP server on 127.0.0.1 that writes every message it accepts to mail_dir."""
    from aiosmtpd.controller import Controller

    mail_dir.mkdir(parents=True, exist_ok=True)

    class Save:
        count = 0

        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            Save.count += 1
            message = message_from_bytes(envelope.content, policy=default_policy)
            subject = "".join(c if c.isalnum() else "-" for c in str(message["subject"] or ""))[:60]
            (mail_dir / f"{Save.count:03d}-{subject}.eml").write_bytes(envelope.content)
            return "250 OK"

    port = _free_port()
    controller = Controller(Save(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def write_mapping(path: Path, base_urls: dict[str, str]) -> Path:
    """The manual mapping for the running shops' addresses (examples/mapping.csv is for 8701+)."""
    import csv

    from demo.shops.catalog import MAPPING_COLUMNS, mapping_rows

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MAPPING_COLUMNS)
        writer.writeheader()
        writer.writerows(mapping_rows(base_urls=base_urls))
    return path


def demo_settings(out: Path, competitors_file: Path, smtp_port: int) -> dict[str, Any]:
    """The pricewatch.yaml the demo runs with (written next to its database)."""
    return {
        "nightly": {
            "competitors_file": str(competitors_file),
            "mapping_file": str(out / "mapping.csv"),
            "parallel": 2,
            "deliver_alerts": True,
        },
        "reports": {"out_dir": str(out / "reports")},
        # Bulgarian managers still think in leva: amounts show them beside the euros
        "money": {"secondary_currency": "BGN"},
        "alerts": {
            "channels": {
                "manager-mail": {
                    "type": "email", "host": "127.0.0.1", "port": smtp_port,
                    "sender": "pricewatch@localhost", "recipients": ["sales.manager@localhost"],
                },
                "manager-mail-bg": {
                    "type": "email", "host": "127.0.0.1", "port": smtp_port, "lang": "bg",
                    "sender": "pricewatch@localhost", "recipients": ["targovski.direktor@localhost"],
                },
                "ops-mail": {
                    "type": "email", "host": "127.0.0.1", "port": smtp_port,
                    "sender": "pricewatch@localhost", "recipients": ["operations@localhost"],
                },
            },
            "business_channels": ["manager-mail", "manager-mail-bg"],
            "operations_channels": ["ops-mail"],
            "digest": {"top": 10, "report_url": f"file://{out / 'reports'}/pricewatch-daily-{{date}}-en.html"},
        },
    }


def run_demo(out: Path, days: int = 14, say: Say = print, with_trouble: bool = True) -> DemoResult:
    from demo.shops import competitors_yaml, day_date, start_shops
    from monitor.scheduling.nightly import run_nightly
    from monitor.scheduling.settings import NightlySettings
    from monitor.settings import load_section
    from reports.monthly import build_monthly_report
    from storage.catalog_import import import_catalog
    from storage.db import make_engine, upgrade

    started = clock.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    db_url = f"sqlite:///{out / 'pricewatch.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    imported = import_catalog(engine, EXAMPLES / "catalog.csv")
    say(f"catalog: {imported.created} of our products loaded from examples/catalog.csv")
    mail_dir = out / "mail"
    runs: list[dict[str, Any]] = []
    daily: Path | None = None
    with smtp_sink(mail_dir) as smtp_port, start_shops(day=0) as shops:
        competitors_file = out / "competitors.yaml"
        text = competitors_yaml(shops.base_urls)
        if with_trouble:
            config = yaml.safe_load(text)
            for comp in config["competitors"]:
                comp["enabled"] = True
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
        competitors_file.write_text(text, encoding="utf-8")
        write_mapping(out / "mapping.csv", shops.base_urls)
        settings_file = out / "pricewatch.yaml"
        settings_file.write_text(
            yaml.safe_dump(demo_settings(out, competitors_file, smtp_port), sort_keys=False),
            encoding="utf-8",
        )
        nightly = load_section(settings_file, "nightly", NightlySettings)
        say(f"demo shops: {', '.join(f'{k} {v}' for k, v in shops.base_urls.items())}")
        for day in range(days):
            shops.set_day(day)
            now = datetime.combine(day_date(day), time(2, 30), UTC)
            say(f"[day {day + 1}/{days}] {now:%Y-%m-%d}: nightly run")
            result = run_nightly(engine, db_url, nightly, settings_path=settings_file,
                                 trigger="demo", now=now, progress=lambda m: say(f"    {m}"))
            runs.append(result.summary())
            daily = result.report_path or daily
        month = day_date(days - 1).strftime("%Y-%m")
        say(f"monthly report for {month}")
        monthly = build_monthly_report(engine, month, out / "reports")
    findings = top_findings(engine, 10)
    missing = not_crawled(engine)
    engine.dispose()
    return DemoResult(
        out_dir=out, db_url=db_url, daily_report=daily,
        monthly_report=getattr(monthly, "html", None), monthly_pdf=getattr(monthly, "pdf", None),
        mail_dir=mail_dir, mails=len(list(mail_dir.glob("*.eml"))), runs=runs,
        top_findings=findings, seconds=clock.perf_counter() - started, not_crawled=missing,
    )


def not_crawled(engine: Any) -> list[str]:
    """'<competitor>: <why>' for each competitor whose latest crawl was not healthy: failed,
    skipped for a missing prerequisite, interrupted, cut at max_pages, or suspect (its
    readings alert nobody)."""
    from sqlalchemy import func, select

    from storage.models import Competitor, CrawlRun
    from storage.run_health import run_health

    with engine.connect() as conn:
        latest = select(func.max(CrawlRun.id).label("id")).group_by(CrawlRun.competitor_id).subquery()
        rows = conn.execute(
            select(Competitor.name, Competitor.display_name, CrawlRun.status, CrawlRun.suspect,
                   CrawlRun.suspect_reason, CrawlRun.error_summary, CrawlRun.stats)
            .join(latest, latest.c.id == CrawlRun.id)
            .join(Competitor, Competitor.id == CrawlRun.competitor_id).order_by(Competitor.name)
        ).all()
    found = []
    for row in rows:
        health = run_health(row.status, row.suspect, row.suspect_reason, row.error_summary, row.stats)
        if not health.ok:
            found.append(f"{row.display_name or row.name}: {health.text}")
    return found


def top_findings(engine: Any, limit: int) -> list[dict[str, Any]]:
    """The latest comparison's findings with the most impact, as plain rows."""
    from sqlalchemy import func, select

    from storage.models import Competitor, Finding, Product

    with engine.connect() as conn:
        last = conn.scalar(select(func.max(Finding.compare_run_id)))
        if last is None:
            return []
        rows = conn.execute(
            select(Finding.kind, Finding.reason, Finding.impact, Product.name, Competitor.name.label("competitor"))
            .join(Product, Product.id == Finding.product_id)
            .join(Competitor, Competitor.id == Finding.competitor_id, isouter=True)
            .where(Finding.compare_run_id == last)
            .order_by(Finding.impact.desc().nulls_last()).limit(limit)
        ).all()
    return [dict(r._mapping) for r in rows]
