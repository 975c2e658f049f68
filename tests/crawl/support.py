"""Helpers for the crawl tests: write a competitors file, run the runner, compare the
database with the demo shops' own truth."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from demo.shops import ProductTruth, competitors_yaml
from spiders.runner import CrawlSummary, crawl_competitors
from storage.models import Competitor, Listing, Observation, Promotion, table
from storage.offer_terms import is_term

FAST = {
    "RETRY_BACKOFF_BASE": 0.02,
    "RETRY_BACKOFF_MAX": 0.1,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 10,
}
"""Scrapy settings that keep test crawls of 127.0.0.1 fast."""


def write_competitors(tmp: Path, base_urls: Mapping[str, str], enabled: Sequence[str]) -> Path:
    path = tmp / "competitors.yaml"
    path.write_text(competitors_yaml(base_urls, enabled=list(enabled)), encoding="utf-8")
    return path


def crawl(path: Path, names: list[str], db_url: str, settings: dict[str, Any] | None = None,
          **kwargs: Any) -> list[CrawlSummary]:
    return crawl_competitors(path, names, db_url, extra_settings={**FAST, **(settings or {})},
                             **kwargs)


@dataclass
class Stored:
    """What the database holds for one listing in one run."""

    listing: Any
    observation: Any
    promotions: list[Any]


def stored_for_run(engine: Engine, run_id: int) -> dict[tuple[str, str], Stored]:
    """(url, variant) -> listing, its observation in the run and its promotion rows."""
    obs, lst, promo = table(Observation), table(Listing), table(Promotion)
    with engine.connect() as conn:
        rows = conn.execute(
            select(lst, obs.c.id.label("obs_id"))
            .join(obs, obs.c.listing_id == lst.c.id)
            .where(obs.c.crawl_run_id == run_id)
        ).all()
        observations = {r.listing_id: r for r in conn.execute(
            select(obs).where(obs.c.crawl_run_id == run_id))}
        promos: dict[int, list[Any]] = {}
        for p in conn.execute(select(promo).where(promo.c.crawl_run_id == run_id)):
            promos.setdefault(p.listing_id, []).append(p)
    return {(r.url, r.variant): Stored(r, observations[r.id], promos.get(r.id, []))
            for r in rows}


def promo_key(kind: str, value: Decimal | None, code: str | None, buy: int | None,
              pay: int | None, threshold: Decimal | None, instalments: int | None,
              until: date | None) -> tuple[Any, ...]:
    return (kind, None if value is None else Decimal(value).normalize(), code, buy, pay,
            None if threshold is None else Decimal(threshold).normalize(), instalments, until)


def truth_promos(expected: ProductTruth) -> list[tuple[Any, ...]]:
    """The page's promotions as stored: shop-wide terms (the free-shipping threshold,
    instalments) are stored as terms, not as promotion rows."""
    return sorted((promo_key(p.kind, p.value, p.code, p.buy_qty, p.pay_qty, p.threshold,
                             p.instalments, p.valid_until) for p in expected.promotions
                   if not is_term(p)), key=repr)


def truth_instalments(expected: ProductTruth) -> int | None:
    months = [p.instalments or 0 for p in expected.promotions if p.kind == "instalments"]
    return max(months) if months else None


def stored_promos(rows: list[Any]) -> list[tuple[Any, ...]]:
    return sorted((promo_key(p.kind, p.value, p.code, p.buy_qty, p.pay_qty, p.threshold,
                             p.instalments, p.valid_until.date() if p.valid_until else None)
                   for p in rows), key=repr)


FIELDS = ("price", "regular_price", "currency", "availability", "shipping_cost",
          "free_shipping_threshold", "delivery_min_days", "delivery_max_days",
          "warranty_months", "returns_days")
LISTING_FIELDS = ("sku", "gtin", "mpn", "brand", "title")


def mismatches(expected: Sequence[ProductTruth], stored: Mapping[tuple[str, str], Stored],
               base_url: str, variants: bool = False) -> list[str]:
    """Every difference between the truth of good pages and what was stored."""
    problems: list[str] = []
    for item in expected:
        key = (item.url(base_url), (item.variant_id or "") if variants else "")
        got = stored.get(key)
        if got is None:
            problems.append(f"{key}: not stored")
            continue
        obs = got.observation
        if item.fault is None and obs.status != "ok":
            problems.append(f"{key}: status {obs.status} ({obs.reason})")
            continue
        for name in FIELDS:
            want, have = getattr(item, name), getattr(obs, name)
            if want != have:
                problems.append(f"{key}: {name} {have!r} != truth {want!r}")
        for name in LISTING_FIELDS:
            want, have = getattr(item, name), getattr(got.listing, name)
            if want is not None and want != have:
                problems.append(f"{key}: listing.{name} {have!r} != truth {want!r}")
        if item.fault is None and truth_instalments(item) != obs.instalments:
            problems.append(f"{key}: instalments {obs.instalments!r} != truth {truth_instalments(item)!r}")
        if truth_promos(item) != stored_promos(got.promotions):
            problems.append(f"{key}: promotions {stored_promos(got.promotions)} "
                            f"!= truth {truth_promos(item)}")
    return problems


def competitor_id(engine: Engine, name: str) -> int:
    comp = table(Competitor)
    with engine.connect() as conn:
        return int(conn.execute(select(comp.c.id).where(comp.c.name == name)).scalar_one())
