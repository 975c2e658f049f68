"""Alerts against the truth: run the 14-night demo and score its business alerts against
what really happened in the simulated shops.

Usage (from the repository root):
    .venv/bin/python -m bench.alerts_truth [--days 14] [--out DIR]
    .venv/bin/python -m bench.alerts_truth --replay DIR   # an existing demo's crawls: re-run
                                                          # only the alert step, night by night

The truth comes from the simulation alone, never from pricewatch's output:

* `demo.shops.truth.business_events`: what changed on each product page each night
  (promotion started / ended / changed, price drop / rise, stock out / back, terms),
  classified the way a manager reads it; scored for the listings the demo matched to our
  catalog (alerts are only ever about those);
* `demo.shops.truth.market_events`: our catalog against the shops' true offers, with the
  comparison's business definitions (same product, in stock, unconditional landed price
  with shipping): undercut starts and ends per product of ours, MAP-violation starts and
  fake-discount starts per page; worked out from the pages pricewatch matched to the
  right product of ours (what other pages would have added is counted apart).

Each alert tells one or more events: its kind, and what was folded into it (a price cut
on the listing that makes it the cheapest is told as "undercuts us", the cut riding along;
a MAP violation or fake discount on a listing that also changed rides along with that
change). Events are keyed (listing or product, night, kind). Prints per night and in
total: alerts, events told, true events, the messages a perfect system would send (one
per listing and night, plus each finding about a listing without a change of its own),
and per kind precision and recall; `--show` lists every miss and every false event.
Listings of a shop whose crawls the health check marks suspect are held back from the
business alerts by design (they count as missed).
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
    Observation,
    OutboxMessage,
    Product,
)
from storage.repos.alerts import matched_listings  # noqa: E402

SCORED = ("promotion_started", "promotion_ended", "promotion_changed", "price_drop", "price_rise",
          "out_of_stock", "back_in_stock", "terms_changed")
"""Kinds about one listing's own change (`demo.shops.truth.business_events`)."""
UNDERCUT = {"became_undercut", "no_longer_undercut"}
FINDINGS = ("became_undercut", "no_longer_undercut", "map_violation", "fake_discount")
"""Kinds the comparison finds (`demo.shops.truth.market_events`)."""


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


def _key(url: str, variant: str | None) -> str:
    return f"{urlsplit(url).path}#{variant or ''}"


Claim = tuple[str, Any, int, str]
"""(scope 'listing' or 'product', its id, night, kind): one event an alert tells."""


def _claims(alert: Any, night: int) -> list[Claim]:
    """The events one alert tells: its own kind, and the findings folded into it (an
    undercut that a price move on the same listing caused is told as the undercut, with
    the move in its changes: both are claimed)."""
    changes = ((alert.payload or {}).get("details") or {}).get("changes") or {}
    found: list[Claim] = []

    def claim(kind: str) -> None:
        if kind in UNDERCUT:
            found.append(("product", alert.product_id, night, kind))
        else:
            found.append(("listing", alert.listing_id, night, kind))

    kind = alert.kind
    if kind in UNDERCUT and "price" in changes and alert.listing_id is not None:
        price = changes["price"]
        claim("price_drop" if Decimal(price["new"]) < Decimal(price["old"]) else "price_rise")
    claim(kind)
    for folded in FINDINGS:
        if folded in changes and folded != kind:
            claim(folded)
    return found


def _crawled_shops(conn: Any) -> tuple[str, ...]:
    """The demo shops with at least one good reading (a shop the machine could not crawl,
    e.g. the JS shop without Chromium, is not part of what the alerts could know)."""
    rows = conn.execute(
        select(Competitor.name).join(Listing, Listing.competitor_id == Competitor.id)
        .join(Observation, Observation.listing_id == Listing.id)
        .where(Observation.status == "ok").distinct()
    ).scalars().all()
    return tuple(sorted(rows))


def evaluate(engine: Engine, settings_file: Path, days: int) -> dict[str, Any]:
    from demo.shops.truth import business_events, market_events, truth

    settings = load_alert_settings(settings_file)
    pct = Policy().overlay(settings.defaults).price_change_pct or Decimal(0)
    the_nights = nights(engine)
    by_date = {n.now.date(): n.index for n in the_nights}
    with engine.connect() as conn:
        matched = {r.listing_id: r for r in matched_listings(conn, settings.min_match_confidence)}
        comps = {c.id: c.name for c in conn.execute(select(Competitor.id, Competitor.name))}
        listings = conn.execute(select(Listing.id, Listing.competitor_id, Listing.url, Listing.variant)).all()
        product_of = dict(conn.execute(select(Product.sku, Product.id)).all())
        alerts = conn.execute(select(Alert).where(Alert.audience == "business")).all()
        ops = conn.execute(select(Alert.kind, Alert.created_at).where(Alert.audience == "operations")).all()
        shops = _crawled_shops(conn)
    page_of: dict[tuple[str, str], int] = {}
    for row in listings:
        page_of[(comps[row.competitor_id], _key(row.url, row.variant))] = row.id
    variants = {shop: {p.path: p.variant_id for p in truth(shop, 0)} for shop in shops}

    def listing_id(shop: str, path: str) -> Any:
        found = page_of.get((shop, _key(path, variants[shop].get(path))))
        return found if found is not None else f"{shop}{path} (never stored)"

    true: dict[Claim, frozenset[Any]] = {}
    """Every true event, with the listings it is about (for the one-message count)."""
    for shop in shops:
        for event in business_events(shop, days, price_change_pct=pct):
            lid = listing_id(shop, event.path)
            if lid in matched:  # alerts are only ever about matched listings
                true[("listing", lid, event.day, event.kind)] = frozenset({lid})
    skus = {pid: sku for sku, pid in product_of.items()}
    # the comparison only knows the pages pricewatch matched: score what those show, and
    # count apart what pages it did not match would have added (a matching matter)
    linked = {(shop, path, skus[matched[lid].product_id])
              for shop in shops for path in variants[shop]
              if (lid := listing_id(shop, path)) in matched}
    market = market_events(shops, days, linked=linked)
    unmatched = len(set(market_events(shops, days)) - set(market))
    for m in market:
        about = frozenset(listing_id(shop, path) for shop, path in m.pages)
        if m.kind in UNDERCUT:
            true[("product", product_of[m.sku], m.day, m.kind)] = about
        else:
            true[("listing", next(iter(about)), m.day, m.kind)] = about
    claims: list[Claim] = []
    per_night_alerts: Counter[int] = Counter()
    per_listing_night: Counter[tuple[Any, int]] = Counter()
    for a in alerts:
        night = by_date.get(a.created_at.date())
        if night is None:
            continue
        per_night_alerts[night] += 1
        if a.listing_id is not None:
            per_listing_night[(a.listing_id, night)] += 1
        claims.extend(_claims(a, night))
    claimed = Counter(claims)
    duplicates = sum(n - 1 for n in claimed.values() if n > 1) + sum(
        n - 1 for n in per_listing_night.values() if n > 1)
    kinds = sorted({c[3] for c in true} | {c[3] for c in claimed} | set(SCORED))
    stats = {k: Counter[str]() for k in kinds}
    nightly: dict[int, Counter[str]] = defaultdict(Counter)
    for event in true:
        stats[event[3]]["true"] += 1
        nightly[event[2]]["true"] += 1
        if event in claimed:
            stats[event[3]]["found"] += 1
            nightly[event[2]]["hit"] += 1
    for event in claimed:
        stats[event[3]]["raised"] += 1
        nightly[event[2]]["raised"] += 1
        if event in true:
            stats[event[3]]["right"] += 1
            nightly[event[2]]["right"] += 1
    # what a perfect system sends: one message per listing and night carrying everything
    # that changed on it, plus each finding about a listing with no change of its own
    changed = {(c[1], c[2]) for c in true if c[0] == "listing" and c[3] in SCORED}
    for event, about in true.items():
        own_change = event[0] == "listing" and event[3] in SCORED
        if own_change or not any((lid, event[2]) in changed for lid in about):
            nightly[event[2]]["messages"] += 1
    ops_by_kind = Counter(k for k, _ in ops)
    missed = sorted((e for e in true if e not in claimed), key=lambda e: (e[2], e[3], str(e[1])))
    wrong = sorted((e for e in claimed if e not in true), key=lambda e: (e[2], e[3], str(e[1])))
    return {"missed": missed, "wrong": wrong, "stats": stats, "nightly": nightly, "per_night_alerts": per_night_alerts,
            "duplicates": duplicates, "nights": len(the_nights), "operations": ops_by_kind,
            "shops": shops, "unmatched": unmatched}


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def report(result: dict[str, Any], show: bool = False) -> None:
    if show:
        for what in ("missed", "wrong"):
            for scope, ident, night, kind in result[what]:
                print(f"{what:<7} night {night + 1:>2}  {kind:<18} {scope} {ident}")
    print(f"shops scored: {', '.join(result['shops'])}")
    print("night  alerts  events-told  true-events  one-message-each  right  found  precision  recall")
    over = []
    for night in range(result["nights"]):
        n = result["nightly"].get(night, Counter())
        alerts = result["per_night_alerts"].get(night, 0)
        if alerts > n["messages"]:
            over.append(night + 1)
        print(f"{night + 1:>5}  {alerts:>6}  {n['raised']:>11}  {n['true']:>11}  {n['messages']:>16}  "
              f"{n['right']:>5}  {n['hit']:>5}  {_ratio(n['right'], n['raised']):>9}  "
              f"{_ratio(n['hit'], n['true']):>6}")
    total = Counter[str]()
    print("\nkind                 told  true  right  precision  recall")
    for kind, s in result["stats"].items():
        total.update(s)
        print(f"{kind:<20} {s['raised']:>5}  {s['true']:>4}  {s['right']:>5}  "
              f"{_ratio(s['right'], s['raised']):>9}  {_ratio(s['found'], s['true']):>6}")
    print(f"{'total':<20} {total['raised']:>5}  {total['true']:>4}  {total['right']:>5}  "
          f"{_ratio(total['right'], total['raised']):>9}  {_ratio(total['found'], total['true']):>6}")
    all_alerts = sum(result["per_night_alerts"].values())
    messages = sum(n["messages"] for n in result["nightly"].values())
    print(f"\nbusiness alerts in {result['nights']} nights: {all_alerts} "
          f"(a perfect system: {messages}, one per listing and night plus each finding on its own)")
    print(f"true comparison events that only pages pricewatch did not match would show "
          f"(not scored, a matching matter): {result['unmatched']}")
    print(f"duplicate alerts for one move: {result['duplicates']}")
    print(f"nights with more alerts than true events: {over or 'none'}")
    print(f"operations alerts: {dict(result['operations']) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--out", type=Path, default=None, help="keep the demo here (default: a temporary folder)")
    parser.add_argument("--replay", type=Path, default=None,
                        help="score an existing demo folder, re-running only its alert step")
    parser.add_argument("--show", action="store_true",
                        help="also list every missed true event and every alert without one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.replay:
            engine, settings_file = replay(args.replay, Path(tmp) / "replay")
        else:
            from demo.run import run_demo

            out = args.out or Path(tmp) / "demo"
            run_demo(out, days=args.days, say=lambda m: print(m) if "nightly run" in m else None)
            engine, settings_file = make_engine(f"sqlite:///{out / 'pricewatch.db'}"), out / "pricewatch.yaml"
        report(evaluate(engine, settings_file, args.days), show=args.show)
        engine.dispose()


if __name__ == "__main__":
    main()
