"""A realistic multi-day history written straight through the storage models.

Used by the report and web tests (a few dozen products) and by `bench/report.py` and
`bench/web.py` (10,000 products x 30 days). It writes what the crawler, matching and comparison would have written:
competitors, our catalog with its price history, listings and matches, one crawl run per
competitor per night with observations and promotions, and one comparison run per night
with findings. Deliberate data-quality trouble is included so the reports have something
to warn about: a competitor whose last crawls failed (its prices go stale), a suspect
run, quarantined and blocked readings, and optionally a product name with HTML in it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from storage.models import (
    CompareRun,
    Competitor,
    CrawlRun,
    Finding,
    Listing,
    Match,
    ObservationStatus,
    Product,
    ProductPriceChange,
    Promotion,
    RunStatus,
    table,
)
from storage.money import amount_in
from storage.repos.observations import ObservationRow, bulk_insert_observations

HOSTILE_NAME = '<script>window.__pwned = 1</script> Kettle "Deluxe" & <b>Co</b>'
HOSTILE_TITLE = '"><img src=x onerror=alert(1)>'
"""A competitor's listing title that breaks out of an attribute if not escaped."""
CATEGORIES = ("Kitchen", "Audio", "Garden", "Toys", "Office", "Sport")
NOUNS = {
    "Kitchen": ("Kettle", "Toaster", "Blender", "Pan set", "Coffee grinder"),
    "Audio": ("Headphones", "Speaker", "Soundbar", "Turntable", "Earbuds"),
    "Garden": ("Hose reel", "Pruner", "Lawn trimmer", "Planter", "Sprinkler"),
    "Toys": ("Puzzle 1000", "Robot kit", "Doll house", "Race track", "Board game"),
    "Office": ("Desk lamp", "Monitor arm", "Label printer", "Chair mat", "Shredder"),
    "Sport": ("Yoga mat", "Dumbbell pair", "Bike pump", "Water bottle", "Jump rope"),
}
BRANDS = ("Acme", "Nordlys", "Volta", "Kibo", "Orbis", "Pelican")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CompetitorSample:
    name: str
    display_name: str
    currency: str
    leva_nights: int = 0
    """The first N nights the shop still priced in leva (BGN) before moving to `currency`
    at the fixed rate: the same prices, so its history must read as one line."""
    failing_last_days: int = 0
    """The last N nightly crawls of this competitor failed: its prices go stale."""
    suspect_day: int | None = None
    """Days before the end on which its crawl run was marked suspect."""


DEFAULT_COMPETITORS = (
    CompetitorSample("alpha", "Alpha Market", "EUR", leva_nights=4, suspect_day=3),
    CompetitorSample("bravo", "Bravo Shop", "EUR"),
    CompetitorSample("charlie", "Чарли ООД", "EUR", failing_last_days=2),
)
OUR_CURRENCY = "EUR"
"""Our catalog's currency."""


def shown_currency(comp: CompetitorSample, day: int) -> str:
    """The currency `comp` priced in on night `day`."""
    return "BGN" if day < comp.leva_nights else comp.currency


def _in(amount: Decimal, source: str, target: str) -> Decimal:
    converted = amount_in(amount, source, target)
    assert converted is not None, f"no fixed rate {source}->{target}"
    return converted


@dataclass
class SampleSpec:
    products: int = 30
    days: int = 10
    end: date = date(2026, 10, 31)
    """The last simulated night (crawls at 02:00 UTC, comparison at 03:00 UTC)."""
    competitors: tuple[CompetitorSample, ...] = DEFAULT_COMPETITORS
    seed: int = 7
    hostile: bool = True
    """Give product #1 a name with a <script> tag in it."""
    share: float = 0.85
    """Fraction of our products each competitor sells."""
    take_share: float = 0.35
    """Fraction of 'beatable' recommendations we follow the next day."""
    quarantined: int = 2
    """Quarantined readings (absurd prices) per competitor on the last night."""
    hostile_listing: bool = False
    """Give the first competitor's listing of product #1 the title `HOSTILE_TITLE`."""
    unsure: int = 0
    """Matches of the last competitor made unsure (fuzzy title, confidence 0.70-0.79): they
    wait in the review queue and feed no findings until confirmed."""


@dataclass
class SampleResult:
    """What was written, for tests to check the reports against."""

    product_ids: dict[str, int] = field(default_factory=dict)
    competitor_ids: dict[str, int] = field(default_factory=dict)
    last_crawl: datetime | None = None
    last_compare_run: int | None = None
    findings_last_run: int = 0
    observations: int = 0
    quarantined_prices: list[Decimal] = field(default_factory=list)
    taken: list[tuple[str, Decimal]] = field(default_factory=list)
    """(sku, new price) of the recommendations we followed."""


@dataclass
class _Offer:
    """One competitor's running state for one product."""

    listing_id: int
    base: Decimal
    promo_pct: int = 0
    promo_until: int = -1
    out_until: int = -1
    unsure: bool = False


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _charm(value: Decimal) -> Decimal:
    """The .99 price ending at or just below `value` (never below 0.49)."""
    return max(Decimal("0.49"), Decimal(int(value + CENT)) - CENT)


def _night(spec: SampleSpec, day: int) -> datetime:
    start = spec.end - timedelta(days=spec.days - 1)
    return datetime.combine(start + timedelta(days=day), time(2, 0), tzinfo=UTC)


def _product_rows(spec: SampleSpec, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    created = _night(spec, 0) - timedelta(days=1)
    for number in range(1, spec.products + 1):
        category = CATEGORIES[number % len(CATEGORIES)]
        noun = NOUNS[category][(number // len(CATEGORIES)) % 5]
        brand = BRANDS[number % len(BRANDS)]
        name = f"{brand} {noun} {100 + number}"
        if spec.hostile and number == 1:
            name = HOSTILE_NAME
        price = _charm(Decimal(rng.randint(900, 40000)) / 100)
        rows.append({
            "sku": f"SKU-{number:05d}", "gtin": None, "mpn": f"M{number:05d}", "brand": brand,
            "name": name, "category": category, "price": price, "currency": OUR_CURRENCY,
            "cost": _money(price * Decimal(rng.choice(("0.70", "0.75", "0.80")))),
            "min_margin": Decimal("0.10"), "priority": rng.choice((1, 1, 2, 3)),
            "active": True, "created_at": created, "updated_at": created,
        })
    return rows


def _insert(conn: Connection, model: type[Any], rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 20_000):
        conn.execute(table(model).insert(), rows[start:start + 20_000])


def _setup(conn: Connection, spec: SampleSpec, rng: random.Random,
           result: SampleResult) -> dict[str, dict[int, _Offer]]:
    """Competitors, products (with their initial price), listings and matches."""
    created = _night(spec, 0) - timedelta(days=1)
    for comp in spec.competitors:
        conn.execute(table(Competitor).insert().values(
            name=comp.name, display_name=comp.display_name, currency=comp.currency,
            base_url=f"http://127.0.0.1:9/{comp.name}", country="BG", settings={},
            enabled=True, created_at=created))
    comp_t = table(Competitor)
    result.competitor_ids = dict(conn.execute(select(comp_t.c.name, comp_t.c.id)).all())
    products = _product_rows(spec, rng)
    _insert(conn, Product, products)
    prod_t = table(Product)
    result.product_ids = dict(conn.execute(select(prod_t.c.sku, prod_t.c.id)).all())
    _insert(conn, ProductPriceChange, [
        {"product_id": result.product_ids[p["sku"]], "old_price": None, "new_price": p["price"],
         "currency": OUR_CURRENCY, "changed_at": created, "source": "catalog_import"}
        for p in products
    ])
    prices = {result.product_ids[p["sku"]]: (p["price"], p["name"]) for p in products}
    offers: dict[str, dict[int, _Offer]] = {}
    listing_t = table(Listing)
    for comp in spec.competitors:
        cid = result.competitor_ids[comp.name]
        sold = [pid for pid in prices if pid == min(prices) or rng.random() < spec.share]
        _insert(conn, Listing, [{
            "competitor_id": cid, "url": f"http://127.0.0.1:9/{comp.name}/p/{pid}?ref=a&b=1",
            "variant": "", "sku": None, "gtin": None, "mpn": None, "brand": None,
            "title": prices[pid][1], "first_seen": created, "last_seen": created, "active": True,
        } for pid in sold])
        if spec.hostile_listing and comp is spec.competitors[0]:
            conn.execute(update(listing_t).where(
                listing_t.c.competitor_id == cid,
                listing_t.c.url == f"http://127.0.0.1:9/{comp.name}/p/{min(prices)}?ref=a&b=1",
            ).values(title=HOSTILE_TITLE))
        ids = dict(conn.execute(
            select(listing_t.c.url, listing_t.c.id).where(listing_t.c.competitor_id == cid)
        ).all())
        offers[comp.name] = {}
        for pid in sold:
            lid = ids[f"http://127.0.0.1:9/{comp.name}/p/{pid}?ref=a&b=1"]
            factor = Decimal(str(round(rng.uniform(0.88, 1.12), 3)))
            offers[comp.name][pid] = _Offer(lid, _money(prices[pid][0] * factor))
        unsure = set(sorted(offers[comp.name])[-spec.unsure:]) \
            if spec.unsure and comp is spec.competitors[-1] else set()
        _insert(conn, Match, [{
            "product_id": pid, "listing_id": offer.listing_id,
            "method": "title" if pid in unsure else "brand_mpn",
            "confidence": 0.70 + 0.01 * (pid % 10) if pid in unsure else 1.0,
            "status": "auto", "pack_ratio": None,
            "note": "similar title; brand and size agree" if pid in unsure else None,
            "created_at": created, "updated_at": created,
        } for pid, offer in offers[comp.name].items()])
        for pid in unsure:  # the comparison does not use them: no findings either
            offers[comp.name][pid].unsure = True
    return offers


@dataclass
class _Reading:
    """What a competitor showed for a product on a night (in our currency and as shown)."""

    price_ours: Decimal
    shown: Decimal
    currency: str
    regular: Decimal | None
    promo_pct: int
    promo_until: datetime | None
    in_stock: bool


def _advance(offer: _Offer, day: int, rng: random.Random) -> None:
    """Move a competitor's offer one night on: price drift, promotions, stock-outs."""
    roll = rng.random()
    if roll < 0.06:
        offer.base = _money(offer.base * Decimal(str(round(rng.uniform(0.93, 1.06), 3))))
    if offer.promo_until < day and rng.random() < 0.05:
        offer.promo_pct = rng.choice((10, 15, 20, 25, 30))
        offer.promo_until = day + rng.randint(2, 6)
    if offer.out_until < day and rng.random() < 0.02:
        offer.out_until = day + rng.randint(1, 3)


def _reading(offer: _Offer, day: int, spec: SampleSpec, currency: str) -> _Reading:
    on_promo = offer.promo_until >= day
    price = _money(offer.base * (100 - offer.promo_pct) / 100) if on_promo else offer.base
    until = (_night(spec, offer.promo_until) + timedelta(hours=21)) if on_promo else None
    return _Reading(
        price_ours=price, shown=_in(price, OUR_CURRENCY, currency), currency=currency,
        regular=_in(offer.base, OUR_CURRENCY, currency) if on_promo else None,
        promo_pct=offer.promo_pct if on_promo else 0, promo_until=until,
        in_stock=offer.out_until < day,
    )


def _crawl_night(conn: Connection, spec: SampleSpec, day: int, comp: CompetitorSample,
                 offers: dict[int, _Offer], rng: random.Random,
                 result: SampleResult) -> dict[int, _Reading]:
    """One crawl run of one competitor: the run row, observations and promotions."""
    cid = result.competitor_ids[comp.name]
    started = _night(spec, day) + timedelta(minutes=7 * list(spec.competitors).index(comp))
    failed = day >= spec.days - comp.failing_last_days
    runs = table(CrawlRun)
    run_id = conn.execute(runs.insert().values(
        competitor_id=cid, started_at=started, status=RunStatus.running.value, counts={},
        stats={}, suspect=False)).inserted_primary_key[0]  # type: ignore[index]
    if failed:
        conn.execute(update(runs).where(runs.c.id == run_id).values(
            status=RunStatus.failed.value, finished_at=started + timedelta(minutes=1),
            counts={}, error_summary="connection refused on every request (shop down?)"))
        return {}
    readings: dict[int, _Reading] = {}
    rows: list[ObservationRow] = []
    promos: list[dict[str, Any]] = []
    counts = {"ok": 0, "blocked": 0, "quarantined": 0}
    quarantine_left = spec.quarantined if day == spec.days - 1 else 0
    at = started + timedelta(minutes=3)
    for pid, offer in offers.items():
        _advance(offer, day, rng)
        reading = _reading(offer, day, spec, shown_currency(comp, day))
        if quarantine_left and pid != min(offers):
            quarantine_left -= 1
            bogus = _money(reading.shown / 100)
            result.quarantined_prices.append(bogus)
            rows.append(ObservationRow(
                listing_id=offer.listing_id, crawl_run_id=run_id, observed_at=at,
                status=ObservationStatus.quarantined.value, price=bogus,
                currency=reading.currency, reason="price 99% below yesterday's: held back"))
            counts["quarantined"] += 1
            continue
        if rng.random() < 0.01:
            rows.append(ObservationRow(
                listing_id=offer.listing_id, crawl_run_id=run_id, observed_at=at,
                status=ObservationStatus.blocked.value, reason="HTTP 403"))
            counts["blocked"] += 1
            continue
        readings[pid] = reading
        counts["ok"] += 1
        rows.append(ObservationRow(
            listing_id=offer.listing_id, crawl_run_id=run_id, observed_at=at,
            status=ObservationStatus.ok.value, price=reading.shown,
            regular_price=reading.regular, currency=reading.currency,
            availability="InStock" if reading.in_stock else "OutOfStock",
            extractor="jsonld", confidence=0.95,
            promotions=[{"kind": "percent_off", "value": reading.promo_pct}]
            if reading.promo_pct else None))
        if reading.promo_pct:
            promos.append({
                "listing_id": offer.listing_id, "crawl_run_id": run_id, "observed_at": at,
                "kind": "percent_off", "text": f"-{reading.promo_pct}%",
                "value": Decimal(reading.promo_pct), "valid_until": reading.promo_until})
    result.observations += bulk_insert_observations(conn, rows)
    _insert(conn, Promotion, promos)
    suspect = spec.days - 1 - day == comp.suspect_day
    conn.execute(update(runs).where(runs.c.id == run_id).values(
        status=RunStatus.finished.value, finished_at=started + timedelta(minutes=20),
        counts=counts, stats={"pages": len(offers)}, suspect=suspect,
        suspect_reason="price fill-rate fell from 99% to 61%" if suspect else None))
    result.last_crawl = started
    return readings


def _findings(spec: SampleSpec, day: int, run_id: int, our: dict[int, tuple[Decimal, Decimal]],
              nightly: dict[str, dict[int, _Reading]], result: SampleResult,
              offers: dict[str, dict[int, _Offer]]) -> Iterator[dict[str, Any]]:
    """Findings like a comparison's, one per pair (each pair on its own: a headroom here
    says nothing of the other competitors, and says so)."""
    made = _night(spec, day) + timedelta(hours=1)
    for comp in spec.competitors:
        cid = result.competitor_ids[comp.name]
        for pid, reading in nightly.get(comp.name, {}).items():
            if offers[comp.name][pid].unsure:
                continue
            price, cost = our[pid]
            theirs = reading.price_ours
            gap = price - theirs
            gap_pct = _money(gap / theirs * 100)
            floor = _money(cost * Decimal("1.10"))
            base = {
                "compare_run_id": run_id, "product_id": pid, "competitor_id": cid,
                "listing_id": offers[comp.name][pid].listing_id, "currency": OUR_CURRENCY,
                "our_price": price, "our_effective": price, "their_effective": theirs,
                "their_price": _in(reading.shown, reading.currency, OUR_CURRENCY),
                "gap": gap, "gap_pct": gap_pct, "promo_until": None, "details": {},
                "created_at": made, "recommended_price": None,
            }
            if gap > 0 and reading.promo_pct:
                yield {**base, "kind": "promo_driven", "impact": gap,
                       "promo_until": reading.promo_until,
                       "reason": f"{comp.display_name} is cheaper only through a "
                                 f"-{reading.promo_pct}% promotion; hold our price."}
            elif gap > 0 and theirs - Decimal("0.50") >= floor:
                rec = _charm(theirs - Decimal("0.50"))
                rec = rec if rec >= floor else floor
                yield {**base, "kind": "beatable", "impact": gap, "recommended_price": rec,
                       "reason": f"{comp.display_name} sells at {theirs}; we can go to {rec} "
                                 f"and keep our minimum margin."}
            elif gap > 0:
                yield {**base, "kind": "undercut", "impact": gap,
                       "reason": f"{comp.display_name} is {gap} cheaper; matching would break "
                                 f"our minimum margin (floor {floor})."}
            elif gap_pct < -12:
                rec = _charm(theirs * Decimal("0.97"))
                yield {**base, "kind": "headroom", "impact": -gap / 2, "recommended_price": rec,
                       "reason": f"We are {-gap_pct}% below {comp.display_name}; "
                                 f"we could raise to {rec} and stay below them."}


def _take_recommendations(conn: Connection, spec: SampleSpec, day: int, rng: random.Random,
                          found: list[dict[str, Any]], our: dict[int, tuple[Decimal, Decimal]],
                          skus: dict[int, str], result: SampleResult) -> None:
    """Follow some of the night's 'beatable' recommendations the next morning."""
    when = _night(spec, day) + timedelta(hours=7)
    taken: dict[int, Decimal] = {}
    for finding in found:
        if finding["kind"] == "beatable" and finding["product_id"] not in taken \
                and rng.random() < spec.take_share:
            taken[finding["product_id"]] = finding["recommended_price"]
    prod_t = table(Product)
    for pid, new in taken.items():
        old = our[pid][0]
        conn.execute(table(ProductPriceChange).insert().values(
            product_id=pid, old_price=old, new_price=new, currency=OUR_CURRENCY, changed_at=when,
            source="manager"))
        conn.execute(update(prod_t).where(prod_t.c.id == pid).values(price=new, updated_at=when))
        our[pid] = (new, our[pid][1])
        result.taken.append((skus[pid], new))


def generate(engine: Engine, spec: SampleSpec | None = None) -> SampleResult:
    """Write a whole history into an empty, migrated database; all of it or nothing."""
    spec = spec or SampleSpec()
    rng = random.Random(spec.seed)
    result = SampleResult()
    with engine.begin() as conn:
        offers = _setup(conn, spec, rng, result)
        prod_t = table(Product)
        our = {row.id: (row.price, row.cost) for row in conn.execute(
            select(prod_t.c.id, prod_t.c.price, prod_t.c.cost))}
        skus = {pid: sku for sku, pid in result.product_ids.items()}
        for day in range(spec.days):
            nightly = {
                comp.name: _crawl_night(conn, spec, day, comp, offers[comp.name], rng, result)
                for comp in spec.competitors
            }
            started = _night(spec, day) + timedelta(hours=1)
            run_id = conn.execute(table(CompareRun).insert().values(
                started_at=started, finished_at=started + timedelta(minutes=2), settings={},
                summary={})).inserted_primary_key[0]  # type: ignore[index]
            found = list(_findings(spec, day, run_id, our, nightly, result, offers))
            _insert(conn, Finding, found)
            result.last_compare_run, result.findings_last_run = run_id, len(found)
            if day < spec.days - 1:
                _take_recommendations(conn, spec, day, rng, found, our, skus, result)
    return result
