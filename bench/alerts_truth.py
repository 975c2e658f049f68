"""Alerts against the truth: run the 14-night demo and score its business alerts against
what really happened in the simulated shops.

Usage (from the repository root):
    .venv/bin/python -m bench.alerts_truth [--days 14] [--out DIR]
    .venv/bin/python -m bench.alerts_truth --replay DIR   # an existing demo's crawls: re-run
                                                          # only the alert step, night by night

The truth is `demo.shops.truth.business_events` (the simulation's own offers, one event per
product page and night, classified the way a manager reads it), restricted to the listings
the demo matched to our catalog (alerts are only ever about those). An alert is scored by
(listing, night, kind). An undercut that starts or ends because that listing's price moved
is scored as the price move it is; undercuts from the comparison without a move on their
listing, new matches and fake discounts have no simulated truth and are counted apart.
Prints per night and in total: alerts, true events, hits, and per kind precision/recall.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Run as a file, bench/ comes first on sys.path and bench/storage.py would shadow the
# `storage` package; drop that entry.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import Engine, delete, select  # noqa: E402

from monitor.alerts import load_alert_settings, run_alerts  # noqa: E402
from monitor.alerts.policy import Policy  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Alert,
    AlertAction,
    CompareRun,
    Competitor,
    CrawlRun,
    Listing,
    NightlyRun,
    OutboxMessage,
)
from storage.repos.alerts import matched_listings  # noqa: E402

SCORED = ("promotion_started", "promotion_ended", "promotion_changed", "price_drop", "price_rise",
          "out_of_stock", "back_in_stock", "terms_changed")
UNDERCUT = {"became_undercut", "no_longer_undercut"}


@dataclass(frozen=True)
class Night:
    index: int
    now: datetime
    crawl_run_ids: list[int]
    compare_run_id: int | None


def nights(engine: Engine) -> list[Night]:
    with engine.connect() as conn:
        runs = conn.execute(select(NightlyRun.id, NightlyRun.started_at).order_by(NightlyRun.started_at)).all()
        compares = conn.scalars(select(CompareRun.id).order_by(CompareRun.id)).all()
        crawls: dict[int, list[int]] = defaultdict(list)
        for run_id, nightly_id in conn.execute(select(CrawlRun.id, CrawlRun.nightly_run_id)):
            crawls[nightly_id].append(run_id)
    return [Night(i, started, sorted(crawls[run_id]), compares[i] if i < len(compares) else None)
            for i, (run_id, started) in enumerate(runs)]


def replay(source: Path, work: Path) -> tuple[Engine, Path]:
    """A copy of a demo's database with its alerts dropped and the alert step re-run per night."""
    work.mkdir(parents=True, exist_ok=True)
    db = work / "pricewatch.db"
    shutil.copyfile(source / "pricewatch.db", db)
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with engine.begin() as conn:
        for model in (AlertAction, OutboxMessage, Alert):
            conn.execute(delete(model))
        conn.execute(Listing.__table__.update().values(active=True))
    settings = load_alert_settings(source / "pricewatch.yaml")
    for night in nights(engine):
        run_alerts(engine, settings, now=night.now, crawl_run_ids=night.crawl_run_ids,
                   compare_run_id=night.compare_run_id)
    return engine, source / "pricewatch.yaml"


def _key(url: str, variant: str | None, base: str) -> str:
    path = urlsplit(url).path
    return f"{path}#{variant or ''}"


def evaluate(engine: Engine, settings_file: Path, days: int) -> dict[str, Any]:
    from demo.shops.truth import business_events, truth

    settings = load_alert_settings(settings_file)
    pct = Policy().overlay(settings.defaults).price_change_pct or Decimal(0)
    the_nights = nights(engine)
    by_date = {n.now.date(): n.index for n in the_nights}
    with engine.connect() as conn:
        matched = {r.listing_id: r for r in matched_listings(conn, settings.min_match_confidence)}
        comps = {c.id: c.name for c in conn.execute(select(Competitor.id, Competitor.name))}
        listings = conn.execute(select(Listing.id, Listing.competitor_id, Listing.url, Listing.variant)).all()
        alerts = conn.execute(select(Alert).where(Alert.audience == "business")).all()
        ops = conn.execute(select(Alert.kind, Alert.created_at).where(Alert.audience == "operations")).all()
    page_of: dict[tuple[str, str], int] = {}
    for row in listings:
        page_of[(comps[row.competitor_id], _key(row.url, row.variant, ""))] = row.id
    true: dict[tuple[int, int], str] = {}
    for shop in sorted(set(comps.values())):
        variants = {p.path: p.variant_id for p in truth(shop, 0)}
        for event in business_events(shop, days, price_change_pct=pct):
            listing_id = page_of.get((shop, _key(event.path, variants.get(event.path), "")))
            if listing_id is not None and listing_id in matched:
                true[(listing_id, event.day)] = event.kind
    raised: dict[tuple[int, int], list[str]] = defaultdict(list)
    unscored: Counter[str] = Counter()
    per_night_alerts: Counter[int] = Counter()
    for a in alerts:
        night = by_date.get(a.created_at.date())
        if night is None:
            continue
        per_night_alerts[night] += 1
        kind = a.kind
        changes = ((a.payload or {}).get("details") or {}).get("changes") or {}
        if kind in UNDERCUT and "price" in changes and a.listing_id is not None:
            price = changes["price"]
            kind = "price_drop" if Decimal(price["new"]) < Decimal(price["old"]) else "price_rise"
        if kind not in SCORED or a.listing_id is None:
            unscored[a.kind] += 1
            continue
        raised[(a.listing_id, night)].append(kind)
    duplicates = sum(len(k) - 1 for k in raised.values() if len(k) > 1)
    kinds = sorted(set(SCORED))
    stats = {k: Counter() for k in kinds}
    nightly: dict[int, Counter[str]] = defaultdict(Counter)
    for (listing_id, night), kind in true.items():
        stats[kind]["true"] += 1
        nightly[night]["true"] += 1
        if kind in raised.get((listing_id, night), []):
            stats[kind]["found"] += 1
            nightly[night]["hit"] += 1
    for (listing_id, night), found in raised.items():
        for kind in found:
            stats[kind]["raised"] += 1
            nightly[night]["raised"] += 1
            if true.get((listing_id, night)) == kind:
                stats[kind]["right"] += 1
    ops_by_kind = Counter(k for k, _ in ops)
    return {"stats": stats, "nightly": nightly, "per_night_alerts": per_night_alerts,
            "unscored": unscored, "duplicates": duplicates, "nights": len(the_nights),
            "operations": ops_by_kind}


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def report(result: dict[str, Any]) -> None:
    print("night  alerts  scored  true  hits  precision  recall")
    for night in range(result["nights"]):
        n = result["nightly"].get(night, Counter())
        print(f"{night + 1:>5}  {result['per_night_alerts'].get(night, 0):>6}  {n['raised']:>6}  "
              f"{n['true']:>4}  {n['hit']:>4}  {_ratio(n['hit'], n['raised']):>9}  {_ratio(n['hit'], n['true']):>6}")
    total = Counter[str]()
    print("\nkind                 alerts  true  right  precision  recall")
    for kind, s in result["stats"].items():
        total.update(s)
        print(f"{kind:<20} {s['raised']:>6}  {s['true']:>4}  {s['right']:>5}  "
              f"{_ratio(s['right'], s['raised']):>9}  {_ratio(s['found'], s['true']):>6}")
    print(f"{'total (scored)':<20} {total['raised']:>6}  {total['true']:>4}  {total['right']:>5}  "
          f"{_ratio(total['right'], total['raised']):>9}  {_ratio(total['found'], total['true']):>6}")
    all_alerts = sum(result["per_night_alerts"].values())
    print(f"\nbusiness alerts in {result['nights']} nights: {all_alerts} "
          f"(scored {total['raised']}; without simulated truth: "
          f"{dict(result['unscored']) or 'none'})")
    print(f"duplicate alerts for one listing and night: {result['duplicates']}")
    over = [night + 1 for night in range(result["nights"])
            if result["per_night_alerts"].get(night, 0) > result["nightly"].get(night, Counter())["true"]]
    print(f"nights with more alerts than true events: {over or 'none'}")
    print(f"operations alerts: {dict(result['operations']) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--out", type=Path, default=None, help="keep the demo here (default: a temporary folder)")
    parser.add_argument("--replay", type=Path, default=None,
                        help="score an existing demo folder, re-running only its alert step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.replay:
            engine, settings_file = replay(args.replay, Path(tmp) / "replay")
        else:
            from demo.run import run_demo

            out = args.out or Path(tmp) / "demo"
            run_demo(out, days=args.days, say=lambda m: print(m) if "nightly run" in m else None)
            engine, settings_file = make_engine(f"sqlite:///{out / 'pricewatch.db'}"), out / "pricewatch.yaml"
        report(evaluate(engine, settings_file, args.days))
        engine.dispose()


if __name__ == "__main__":
    main()
