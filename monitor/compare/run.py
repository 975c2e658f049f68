"""`run_comparison`: the whole catalog against every usable match, written as one run.

Reads plain rows from `storage.repos.compare`, turns them into the plain data of
`monitor.compare.model`, applies the pure rules of `findings.evaluate_product`, and writes
the CompareRun with its findings in one transaction (all or nothing).

A large catalog is cut into ranges of product ids compared in worker processes (the rules
are CPU-bound Python; see `CompareSettings.workers`), big ones first and small ones last
(`range_weights`). Each worker reads its own range and
hands back its findings already encoded for the database (plain ints and strings; on
SQLite packed as a small in-memory database that the parent copies in SQLite itself), which
the parent writes while the workers go on; the findings are decoded into `FindingData`
only when asked for (`CompareResult.findings` / `top`).
"""

from __future__ import annotations

import gc
import heapq
import json
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import chain, repeat
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from typing import Any

from sqlalchemy import Connection, Engine

from monitor.compare.findings import evaluate_product
from monitor.compare.model import (
    FindingData,
    FindingKind,
    OurProduct,
    Promo,
    Terms,
    TheirOffer,
)
from monitor.compare.pricing import HUNDRED
from monitor.compare.settings import CompareSettings
from storage.db import bulk_cache, checkpoint, make_engine
from storage.money import Conversion, RateTable, convert
from storage.repos import compare as repo
from storage.types import utcnow

_KIND_ORDER = {kind.value: i for i, kind in enumerate(FindingKind)}
_KIND = repo.FINDING_VALUES.index("kind")


@dataclass
class CompareResult:
    """One comparison run: its id, summary figures and findings (biggest impact first)."""

    run_id: int
    products: int
    """Products with at least one comparable competitor offer."""
    offers: int
    """Competitor offers compared."""
    skipped_currency: int
    """Offers left out because their currency has no rate into our product's currency."""
    skipped_currency_by: dict[str, int] = field(default_factory=dict)
    """The same by 'competitor SOURCE->TARGET': named, never silent."""
    skipped_stock: int = 0
    """Offers left out of undercut, beatable, rank and index because they cannot be bought
    now (out of stock; preorder/backorder per the settings)."""
    counts: dict[str, int] = field(default_factory=dict)
    """Findings by kind."""
    index_by_competitor: dict[str, Decimal] = field(default_factory=dict)
    """Price index against each competitor: 100 x their effective / ours over the
    products both sell (100 = parity, above 100 = they are dearer, as in the reports)."""
    index_by_category: dict[str, Decimal] = field(default_factory=dict)
    """The same against all competitors, per category of ours."""
    rows: list[tuple[Any, ...]] = field(default_factory=list, repr=False)
    """The findings as written (encoded by `codec`), in product order; the parts compared
    in worker processes on SQLite are in `packed` instead."""
    codec: repo.FindingCodec | None = field(default=None, repr=False)
    packed: list[bytes] = field(default_factory=list, repr=False)
    """Parts of the findings as the workers handed them back (`FindingCodec.pack`)."""

    @property
    def compare_run_id(self) -> int:
        """The CompareRun written (alias of `run_id`)."""
        return self.run_id

    @property
    def findings(self) -> list[FindingData]:
        """Every finding, biggest impact first."""
        return self.top(None)

    def top(self, limit: int | None) -> list[FindingData]:
        """The `limit` findings of biggest impact (all with None); ties by product, then
        by kind in `FindingKind` order."""
        if self.codec is None:
            return []

        def key(row: tuple[Any, ...]) -> tuple[Any, int, int]:
            return (-row[repo.IMPACT], row[repo.PRODUCT], _KIND_ORDER[row[_KIND]])

        found = [*self.rows, *chain.from_iterable(
            repo.FindingCodec.unpack(p, top=limit) for p in self.packed)]
        rows = sorted(found, key=key) if limit is None else heapq.nsmallest(limit, found, key)
        return [finding_from(self.codec.decode(r)) for r in rows]

    def summary(self) -> dict[str, Any]:
        return {
            "products": self.products, "offers": self.offers,
            "skipped_currency": self.skipped_currency,
            "skipped_currency_by": dict(self.skipped_currency_by),
            "skipped_stock": self.skipped_stock, "findings": dict(self.counts),
            "index_by_competitor": {k: str(v) for k, v in self.index_by_competitor.items()},
            "index_by_category": {k: str(v) for k, v in self.index_by_category.items()},
        }


def _our_product(row: repo.ProductRow) -> OurProduct:
    return OurProduct(
        product_id=row.id, sku=row.sku, name=row.name, currency=row.currency, price=row.price,
        category=row.category, cost=row.cost, min_margin=row.min_margin, map_price=row.map_price,
        shipping_cost=row.shipping_cost, free_shipping_threshold=row.free_shipping_threshold,
        terms=Terms(row.delivery_days, row.warranty_months, row.returns_days),
        priority=row.priority,
    )


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        # a date ("until 30.11") lasts the whole day
        if len(str(value)) <= 10:
            moment = moment.replace(hour=23, minute=59, second=59)
        moment = moment.replace(tzinfo=UTC)
    return moment


def promos_from_json(items: Iterable[Any]) -> tuple[Promo, ...]:
    """Promotions as the crawler stored them in the observation's JSON (fallback when the
    typed `promotion` rows are missing); malformed entries are skipped."""
    found = []
    for item in items:
        if isinstance(item, str):
            try:
                item = json.loads(item)
            except ValueError:
                continue
        if not isinstance(item, dict) or not item.get("kind"):
            continue
        found.append(Promo(
            kind=str(item["kind"]), value=_dec(item.get("value")), code=item.get("code"),
            buy_qty=_int(item.get("buy_qty")), pay_qty=_int(item.get("pay_qty")),
            threshold=_dec(item.get("threshold")), instalments=_int(item.get("instalments")),
            valid_until=_when(item.get("valid_until")), text=item.get("text"),
            detail=_str(item.get("detail")),
        ))
    return tuple(found)


_MONEY_PROMOS = frozenset({"amount_off", "member_price", "instalments"})
"""Promotion kinds whose `value` is money (the others' is a percent)."""


class _Converter:
    """Offers into our product's currency, through the money module only, each distinct
    amount once. `None` from `offer` means no rate: the offer is left out and named."""

    def __init__(self, on: datetime, rates: RateTable | None) -> None:
        self.on, self.rates = on, rates
        self._cache: dict[tuple[Decimal, str, str], Conversion | None] = {}

    def conversion(self, amount: Decimal, source: str, target: str) -> Conversion | None:
        key = (amount, source, target)
        if key not in self._cache:
            self._cache[key] = convert(amount, source, target, on=self.on, rates=self.rates)
        return self._cache[key]

    def amount(self, amount: Decimal | None, source: str, target: str) -> Decimal | None:
        if amount is None:
            return None
        found = self.conversion(amount, source, target)
        return None if found is None else found.amount

    def lowest(self, lowest_before: tuple[tuple[str | None, Decimal], ...] | None,
               offer_currency: str | None, target: str) -> Decimal | None:
        """Their lowest price before the discount (per currency, as `repo.OfferRow` has
        it), each currency converted into ours."""
        if not lowest_before:
            return None
        values = []
        for currency, amount in lowest_before:
            source = currency or offer_currency or target
            if source == target:
                values.append(amount)
                continue
            converted = self.amount(amount, source, target)
            if converted is None:
                return None  # part of the history cannot be compared: claim nothing
            values.append(converted)
        return min(values)

    def offer(self, offer: TheirOffer, target: str) -> TheirOffer | None:
        source = offer.currency
        head = self.conversion(offer.price, source, target)
        if head is None:
            return None
        a = self.amount
        promos = tuple(
            replace(p, value=a(p.value, source, target) if p.kind in _MONEY_PROMOS else p.value,
                    threshold=a(p.threshold, source, target))
            for p in offer.promotions)
        return replace(
            offer, currency=target, price=head.amount,
            regular_price=a(offer.regular_price, source, target),
            shipping_cost=a(offer.shipping_cost, source, target),
            free_shipping_threshold=a(offer.free_shipping_threshold, source, target),
            promotions=promos, conversion=(source, head.rate, head.fixed),
            original_price=offer.price,
        )


def _offer_builder(ours_by_id: dict[int, repo.ProductRow],
                   promotions: dict[int, list[repo.PromotionRow]], converter: _Converter,
                   grouped: dict[int, list[TheirOffer]], skipped: Counter[str],
                   ) -> Callable[..., None]:
    """The visitor `repo.visit_offers` calls with each offer's fields (`repo.OfferRow`'s
    order): it builds the rules' view of the offer in our product's currency and files it
    under the product. An offer whose currency has no rate is counted in `skipped`, named.
    Identical terms share one `Terms` (a million offers)."""
    terms_cache: dict[tuple[Any, ...], Terms] = {}
    product_of, promotions_of = ours_by_id.get, promotions.get

    def add(product_id: int, listing_id: int, competitor_id: int, competitor: str,
            pack_ratio: Decimal | None, price: Decimal, regular_price: Decimal | None,
            currency: str | None, shipping_cost: Decimal | None,
            free_shipping_threshold: Decimal | None, delivery_min_days: int | None,
            delivery_max_days: int | None, warranty_months: int | None,
            returns_days: int | None, promotions_json: list[Any] | None,
            lowest_before: tuple[tuple[str | None, Decimal], ...] | None,
            availability: str | None, match_note: str | None, instalments: int | None,
            ) -> None:
        product = product_of(product_id)
        if product is None:
            return
        target = product.currency
        lowest = converter.lowest(lowest_before, currency, target) if lowest_before else None
        typed = promotions_of(listing_id) if promotions else None
        if typed:
            promos: tuple[Promo, ...] = tuple(
                Promo(p.kind, p.value, p.code, p.buy_qty, p.pay_qty, p.threshold, p.instalments,
                      p.valid_until, p.text, p.detail)
                for p in typed
            )
        elif promotions_json:
            promos = promos_from_json(promotions_json)
        else:
            promos = ()
        delivery = delivery_max_days if delivery_max_days is not None else delivery_min_days
        # instalments are a term of the offer (observation.instalments); older readings kept
        # them as a promotion
        key = (delivery, warranty_months, returns_days,
               bool(instalments) or (bool(promos) and any(p.kind == "instalments" for p in promos)))
        terms = terms_cache.get(key)
        if terms is None:
            terms = terms_cache[key] = Terms(*key)
        offer = TheirOffer(
            listing_id, competitor_id, competitor, currency or "", price, regular_price,
            shipping_cost, free_shipping_threshold, terms, promos, pack_ratio, lowest,
            availability, None, match_note,
        )
        if offer.currency != target:
            converted = converter.offer(offer, target)
            if converted is None:
                skipped[f"{competitor} {offer.currency or '?'}->{target}"] += 1
                return
            offer = converted
        grouped[product_id].append(offer)

    return add


class _IndexSums:
    """Sums behind the price indexes: 100 x sum(theirs) / sum(ours), so 100 is parity and
    above 100 means they are dearer (the reports use the same reading)."""

    def __init__(self) -> None:
        self.ours: dict[str, Decimal] = defaultdict(Decimal)
        self.theirs: dict[str, Decimal] = defaultdict(Decimal)

    def add(self, key: str, ours: Decimal, theirs: Decimal) -> None:
        self.ours[key] += ours
        self.theirs[key] += theirs

    def merge(self, other: _IndexSums) -> None:
        for key, value in other.ours.items():
            self.ours[key] += value
        for key, value in other.theirs.items():
            self.theirs[key] += value

    def result(self) -> dict[str, Decimal]:
        return {
            k: (HUNDRED * self.theirs[k] / self.ours[k]).quantize(Decimal("0.1"))
            for k in sorted(self.ours) if self.ours[k]
        }


def finding_values(f: FindingData) -> tuple[Any, ...]:
    """A finding as the tuple of `repo.FINDING_VALUES`."""
    return (f.product_id, f.competitor_id, f.listing_id, f.kind.value, f.currency, f.our_price,
            f.our_effective, f.their_price, f.their_effective, f.gap, f.gap_pct,
            f.recommended_price, f.promo_until, f.impact, f.reason, f.details)


def finding_from(values: dict[str, Any]) -> FindingData:
    """A finding back from its `repo.FINDING_VALUES` (decoded)."""
    return FindingData(**{**values, "kind": FindingKind(values["kind"])})


@dataclass
class _Part:
    """What one range of products gave: encoded findings and the sums behind the summary."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    packed: bytes | None = None
    """The rows packed for the way back from a worker process (SQLite), `rows` then empty."""
    counts: Counter[str] = field(default_factory=Counter)
    products: int = 0
    offers: int = 0
    skipped_stock: int = 0
    skipped_currency: Counter[str] = field(default_factory=Counter)
    by_competitor: _IndexSums = field(default_factory=lambda: _IndexSums())
    by_category: _IndexSums = field(default_factory=lambda: _IndexSums())


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector: with a million small objects alive it would
    rescan them again and again (a quarter of the run), and the comparison builds no
    reference cycles to collect. Plain reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compare_products(engine: Engine, settings: CompareSettings, now: datetime,
                     products: repo.ProductRange | None = None,
                     rates: RateTable | None = None) -> _Part:
    """Evaluate every product (or those in the id range) against its usable offers."""
    with _gc_paused():
        return _compare_products(engine, settings, now, products, rates)


def _compare_products(engine: Engine, settings: CompareSettings, now: datetime,
                      products: repo.ProductRange | None, rates: RateTable | None) -> _Part:
    codec = repo.FindingCodec(engine.dialect.name)
    part = _Part()
    grouped: dict[int, list[TheirOffer]] = defaultdict(list)
    with engine.connect() as conn:
        ours_by_id = {p.id: p for p in repo.active_products(conn, products)}
        promotions = repo.latest_promotions(conn, settings.min_match_confidence, products)
        repo.visit_offers(
            conn, settings.min_match_confidence, settings.fake_discount_days, products,
            _offer_builder(ours_by_id, promotions, _Converter(now, rates), grouped,
                           part.skipped_currency))
        conn.rollback()
    encode, rows, counts = codec.encode, part.rows, part.counts
    by_competitor_ours, by_competitor_theirs = part.by_competitor.ours, part.by_competitor.theirs
    for product_id in sorted(grouped):
        product = ours_by_id.get(product_id)
        if product is None:
            continue
        our = _our_product(product)
        their = grouped[product_id]
        evaluation = evaluate_product(our, their, settings, now)
        part.skipped_stock += evaluation.out_of_stock
        part.offers += len(evaluation.priced)
        for f in evaluation.findings:
            rows.append(encode(finding_values(f)))
            counts[f.kind.value] += 1
        if not evaluation.priced:
            continue
        part.products += 1
        cheapest: dict[str, Decimal] = {}
        for p in evaluation.priced:
            name, effective = p.offer.competitor, p.landed.effective
            if name not in cheapest or effective < cheapest[name]:
                cheapest[name] = effective
        ours = evaluation.our.effective
        for name, theirs in cheapest.items():
            by_competitor_ours[name] += ours
            by_competitor_theirs[name] += theirs
        # the same pairs summed per category (Decimal sums are exact: order does not matter)
        part.by_category.add(our.category or "(none)", ours * len(cheapest),
                             sum(cheapest.values(), Decimal(0)))
    return part


_worker_engines: dict[str, Engine] = {}


def _compare_in_worker(url: str, settings: CompareSettings, now: datetime,
                       products: repo.ProductRange, rates: RateTable | None) -> _Part:
    """`compare_products` in a worker process, on its own engine (kept for its next range).

    The engine is made from the URL alone: put connection options (a PostgreSQL
    search_path, say) in the URL, not in `connect_args`, or set `compare.workers: 1`."""
    engine = _worker_engines.get(url)
    if engine is None:
        engine = _worker_engines[url] = make_engine(url)
    part = compare_products(engine, settings, now, products, rates)
    if engine.dialect.name == "sqlite":
        part.packed, part.rows = repo.FindingCodec.pack(part.rows), []
    return part


def _workers(engine: Engine, settings: CompareSettings) -> int:
    """How many processes to compare in: the setting, or by the size of the work."""
    url = engine.url
    if engine.dialect.name == "sqlite" and (
            url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
            or "mode=memory" in (url.database or "")):
        return 1  # an in-memory database exists in this process only
    if settings.workers:
        return settings.workers
    with engine.connect() as conn:
        matches = repo.count_matches(conn)
    return 1 if matches < PARALLEL_FROM else max(1, min(os.cpu_count() or 1, 4))


PARALLEL_FROM = 50_000
"""Matches from which `workers: 0` (auto) compares in several processes: below, starting
them costs more than they save."""


def range_weights(workers: int) -> list[int]:
    """How a catalog compared in `workers` processes is cut, as weights of consecutive
    ranges (in 32nds of a worker's share): the first, for this process while the workers
    start, a sixteenth of the whole; then ranges that shrink as the work left does
    (guided self-scheduling: a third of what is left a worker, at most a tenth of the
    whole), down to single units. Equal ranges left one worker alone with the last of
    them for as long as a range takes; small last ones end the workers together."""
    units = 32 * workers
    first = units // 16
    weights, left = [first], units - first
    while left:
        size = max(1, min(units // 10, left // (3 * workers)))
        weights.append(size)
        left -= size
    return weights


def _pool_context() -> BaseContext:
    """How worker processes start: from a fork server that imported this module once
    (each spawned worker would import the whole stack again, 0.6 s of CPU apiece), or
    spawned where there is no fork server. Never forked from the caller itself: its
    threads and open connections must not be copied."""
    if "forkserver" not in get_all_start_methods():
        return get_context("spawn")
    context = get_context("forkserver")
    context.set_forkserver_preload([__name__])  # read when the server starts (once a process)
    return context


def _parts(engine: Engine, settings: CompareSettings, now: datetime,
           rates: RateTable | None) -> Iterator[_Part]:
    workers = _workers(engine, settings)
    if workers == 1:
        yield compare_products(engine, settings, now, None, rates)
        return
    with engine.connect() as conn:
        ranges = repo.product_ranges(conn, range_weights(workers))
    if not ranges:
        return
    url = engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(workers, mp_context=_pool_context()) as pool, \
            ThreadPoolExecutor(1) as starter:
        # Starting the workers waits for the fork server to import the comparison (a
        # second of CPU on its own core): meanwhile this process compares the first range.
        rest = starter.submit(pool.map, _compare_in_worker, repeat(url), repeat(settings),
                              repeat(now), ranges[1:], repeat(rates))
        yield compare_products(engine, settings, now, ranges[0], rates)
        yield from rest.result()


def run_comparison(
    engine: Engine, settings: CompareSettings | None = None, now: datetime | None = None,
    rates: RateTable | None = None,
) -> CompareResult:
    """Compare the whole catalog, write the run and its findings, return them.

    Every offer is converted into our product's currency first (fixed euro pegs, plus the
    configured `rates` as of `now`); an offer whose currency has no rate is left out,
    counted and named (`CompareResult.skipped_currency_by`).

    The write transaction opens when the first range's findings are ready (with one
    process: once everything is evaluated), so other writers wait for the writing only,
    and a failure anywhere leaves nothing written.
    """
    settings = settings or CompareSettings()
    clock = utcnow()
    # A run is stamped with the night it compares (the demo's simulated nights too), so
    # reports of that night find its findings; its length is the real one.
    started = now or clock
    now = started
    rows: list[tuple[Any, ...]] = []
    packed: list[bytes] = []
    total = _Part()
    with ExitStack() as stack, _gc_paused():
        conn: Connection | None = None
        run_id = 0
        for part in chain(_parts(engine, settings, now, rates), [None]):
            if conn is None:
                conn = stack.enter_context(engine.connect())
                stack.callback(repo.release_packed, conn)  # once the transaction is over
                stack.enter_context(conn.begin())
                stack.enter_context(bulk_cache(conn))  # the finding indexes' pages at hand
                run_id = repo.start_run(
                    conn, started_at=started,
                    settings=settings.model_dump(mode="json") | {"now": now.isoformat()},
                )
            if part is None:
                break
            if part.packed is not None:
                repo.add_findings(conn, run_id, part.packed, created_at=started)
                packed.append(part.packed)
            else:
                repo.add_findings(conn, run_id, part.rows, created_at=started)
                rows.extend(part.rows)
            total.counts.update(part.counts)
            total.products += part.products
            total.offers += part.offers
            total.skipped_stock += part.skipped_stock
            total.skipped_currency.update(part.skipped_currency)
            total.by_competitor.merge(part.by_competitor)
            total.by_category.merge(part.by_category)
        assert conn is not None
        result = CompareResult(
            run_id=run_id, products=total.products, offers=total.offers,
            skipped_currency=sum(total.skipped_currency.values()),
            skipped_currency_by=dict(sorted(total.skipped_currency.items())),
            skipped_stock=total.skipped_stock, counts=dict(sorted(total.counts.items())),
            index_by_competitor=total.by_competitor.result(),
            index_by_category=total.by_category.result(),
            rows=rows, codec=repo.FindingCodec(engine.dialect.name), packed=packed,
        )
        repo.finish_run(conn, run_id, finished_at=started + (utcnow() - clock),
                        summary=result.summary())
    checkpoint(engine)  # the reports and alerts read these findings next
    return result
