"""A shop whose layout breaks on night 2 (price block gone, its free-shipping and instalment
text still there): the nightly job raises no business alert that night, and operations get
a notice naming the shop. Real demo shop over HTTP, real crawl, real SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import yaml
from sqlalchemy import select

from demo.run import demo_settings, write_mapping
from demo.shops import Faults, competitors_yaml, day_date, start_shops, truth
from monitor.scheduling.nightly import run_nightly
from monitor.scheduling.settings import NightlySettings
from monitor.settings import load_section
from storage.catalog_import import import_catalog
from storage.db import make_engine, upgrade
from storage.models import Alert

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHOP = "plainshop"


def test_layout_break_alerts_operations_not_the_business(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'pricewatch.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    import_catalog(engine, EXAMPLES / "catalog.csv")
    with start_shops(day=0, shops=[SHOP]) as shops:
        competitors = tmp_path / "competitors.yaml"
        competitors.write_text(competitors_yaml(shops.base_urls, enabled=[SHOP]), encoding="utf-8")
        write_mapping(tmp_path / "mapping.csv", shops.base_urls)
        settings_file = tmp_path / "pricewatch.yaml"
        config = demo_settings(tmp_path, competitors, smtp_port=9)
        config["nightly"]["deliver_alerts"] = False
        settings_file.write_text(yaml.safe_dump(config), encoding="utf-8")
        nightly = load_section(settings_file, "nightly", NightlySettings)
        # the broken layout keeps the terms near the title: shipping and instalments text
        drifted = truth(SHOP, 2, faults=Faults(drift_from_day=2, drift_share=1.0))
        assert all(t.fault == "drift" and t.price is None for t in drifted)
        assert all(t.free_shipping_threshold is not None for t in drifted)
        nights = {}
        for day in range(3):
            shops.set_day(day)
            if day == 2:
                shops.set_faults(SHOP, Faults(drift_from_day=2, drift_share=1.0))
            now = datetime.combine(day_date(day), time(2, 30), UTC)
            result = run_nightly(engine, db_url, nightly, settings_path=settings_file, now=now)
            assert result.status in ("finished", "failed"), result.message
            nights[day] = now
    with engine.connect() as conn:
        rows = conn.execute(select(Alert).where(Alert.created_at == nights[2])).all()
        before = conn.execute(select(Alert).where(Alert.created_at == nights[1],
                                                  Alert.audience == "business")).all()
    engine.dispose()
    assert before, "night 1 should have real business events (else the test proves nothing)"
    business = [r for r in rows if r.audience == "business"]
    assert business == [], [(r.kind, r.payload.get("product_name")) for r in business]
    notices = [r for r in rows if r.audience == "operations"]
    assert notices, "operations heard nothing about the broken layout"
    assert any(r.payload.get("competitor") == SHOP or r.payload.get("competitor_name") == SHOP
               for r in notices)
