"""Data-quality rules: which status a reading gets, and whether a whole run looks broken.

Pure functions over plain data, tested without a database or a network. A broken spider
must never look like a price change, so every rule here errs towards *not* counting a
reading as a price: quarantined, blocked and failed readings are stored with a reason and
never reach comparison or alerts (the storage layer only reads `ok` rows as prices).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from storage.models import ObservationStatus
from storage.money import Conversion, convert, same_price

BLOCK_STATUSES: Mapping[int, str] = {
    401: "HTTP 401: the shop asks for a login",
    403: "HTTP 403: access forbidden (bot wall)",
    429: "HTTP 429: rate limited (too many requests)",
    451: "HTTP 451: unavailable for legal reasons",
}
GONE_STATUSES: Mapping[int, str] = {
    404: "HTTP 404: page not found",
    410: "HTTP 410: product gone",
}

_CAPTCHA = re.compile(
    rb"captcha|cf-challenge|challenge-form|are you a robot|not a robot|"
    rb"verify you are human|unusual traffic|access denied",
    re.IGNORECASE,
)
CAPTCHA_SNIFF_BYTES = 64 * 1024
"""Walls put their marker near the top; reading the head keeps the check cheap."""

MANY_BLOCKS_SHARE = 0.2
"""A run where more than this share of product pages were blocked is suspect."""
MIN_PRICE_FILL = 0.5
"""A run where fewer than this share of the fetched product pages had a price is suspect
even without history to compare with (most pages lost their price block)."""


def blocked_reason(http_status: int, body: bytes) -> str | None:
    """Why a response is a block page (403/429 wall, captcha), or None when it is not."""
    if http_status in BLOCK_STATUSES:
        return BLOCK_STATUSES[http_status]
    if 200 <= http_status < 300 and _CAPTCHA.search(body[:CAPTCHA_SNIFF_BYTES]):
        return "captcha / bot-check page instead of the product"
    return None


def gone_reason(http_status: int) -> str | None:
    """Why a response means the product is not there (404/410), or None."""
    return GONE_STATUSES.get(http_status)


@dataclass(frozen=True, slots=True)
class Reading:
    """What the page gave for one listing, already normalised."""

    price: Decimal | None
    currency: str | None
    title: str | None
    has_product: bool
    """The page shows a product (title or identifiers) even if no price was found."""
    reason: str | None = None
    """The extractor's own word on why a price is missing."""


@dataclass(frozen=True, slots=True)
class LastGood:
    """The listing's last `ok` observation: what a new reading is checked against."""

    price: Decimal | None
    currency: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class Verdict:
    status: ObservationStatus
    reason: str | None = None


def _norm_title(title: str) -> str:
    return " ".join(title.casefold().split())


def assess(
    reading: Reading, last: LastGood | None, max_jump: Decimal,
    pending: LastGood | None = None,
) -> Verdict:
    """The status of one successfully fetched, non-blocked product page.

    `pending` is the listing's previous reading when that one was quarantined: a change
    seen in two runs in a row (same price, currency and title) is real, not a glitch, and
    is accepted - otherwise a shop that really renamed a product or moved a price a lot
    would stay quarantined for ever.
    """
    verdict = _check(reading, last, max_jump)
    if (verdict.status is ObservationStatus.quarantined and pending is not None
            and reading.price is not None and reading.price > 0
            and _same(reading, pending)):
        return Verdict(ObservationStatus.ok,
                       f"accepted, seen in two runs in a row: {verdict.reason}")
    return verdict


def _same(reading: Reading, pending: LastGood) -> bool:
    titles_agree = (reading.title is None or pending.title is None
                    or _norm_title(reading.title) == _norm_title(pending.title))
    return (reading.price == pending.price and reading.currency == pending.currency
            and titles_agree)


def _check(reading: Reading, last: LastGood | None, max_jump: Decimal) -> Verdict:
    if reading.price is None:
        why = reading.reason or "no price on the page"
        if reading.has_product:
            return Verdict(ObservationStatus.parse_failed, f"price block missing: {why}")
        return Verdict(ObservationStatus.not_found, f"no product on the page: {why}")
    if reading.price <= 0:
        return Verdict(ObservationStatus.quarantined, f"price {reading.price} is not positive")
    if last is None:
        return Verdict(ObservationStatus.ok)
    switched = None
    if last.currency and reading.currency and last.currency != reading.currency:
        switched = _currency_switch(reading, last)
        if switched.status is ObservationStatus.quarantined:
            return switched
    elif last.price is not None and last.price > 0:
        factor = reading.price / last.price
        if factor > max_jump or factor < 1 / max_jump:
            return Verdict(
                ObservationStatus.quarantined,
                f"price jumped from {last.price} to {reading.price} "
                f"(x{factor:.2f}, limit x{max_jump})",
            )
    if last.title and reading.title and _norm_title(last.title) != _norm_title(reading.title):
        return Verdict(
            ObservationStatus.quarantined,
            f"title changed on the same URL: {last.title!r} -> {reading.title!r}",
        )
    return switched or Verdict(ObservationStatus.ok)


def _currency_switch(reading: Reading, last: LastGood) -> Verdict:
    """A listing now priced in another currency. At a fixed euro rate and the same price
    (within rounding to the cent: 897.73 BGN -> 459.00 EUR) it is the shop's changeover,
    not a change: ok, with the conversion as the note. Anything else - no fixed rate, or
    the price moved as well - is held back like any other surprise (and accepted when the
    next run sees the same)."""
    assert reading.price is not None and reading.currency and last.currency
    change = f"currency changed from {last.currency} to {reading.currency}"
    if last.price is None or last.price <= 0:
        return Verdict(ObservationStatus.quarantined, change)
    conversion = convert(last.price, last.currency, reading.currency)
    if conversion is None or not conversion.fixed:
        return Verdict(ObservationStatus.quarantined, f"{change} (no fixed rate between them)")
    at_rate = (f"{last.price} {last.currency} = {conversion.amount} {reading.currency} at the "
               f"fixed rate {' '.join(str(x) for x in _quote(conversion))}")
    if same_price(last.price, last.currency, reading.price, reading.currency):
        return Verdict(ObservationStatus.ok, f"{change}, same price: {at_rate}")
    return Verdict(ObservationStatus.quarantined,
                   f"{change} and the price with it: {at_rate}, now {reading.price} "
                   f"{reading.currency}")


def _quote(conversion: Conversion) -> tuple[str, str, str]:
    base, rate, quote = conversion.quote()
    return f"1 {base} =", str(rate), quote


# ------------------------------------------------------------------ run health


@dataclass(frozen=True, slots=True)
class RunFigures:
    """What the health check looks at for one run (this one or a previous one)."""

    ok: int
    """Observations stored as ok (the run's yield)."""
    product_pages: int
    """Product pages fetched (any status) - the base of the fill-rates."""
    blocked: int = 0
    fill: Mapping[str, float] | None = None
    """Share of fetched product pages on which a field was found, e.g. {"price": 0.98}."""

    @classmethod
    def from_run(cls, counts: Mapping[str, Any], stats: Mapping[str, Any]) -> RunFigures:
        """Read back the figures a previous run stored in crawl_run.counts/stats."""
        return cls(
            ok=int(counts.get("ok", 0) or 0),
            product_pages=int(stats.get("product_pages", 0) or 0),
            blocked=int(counts.get("blocked", 0) or 0),
            fill=dict(stats.get("fill") or {}),
        )


HEALTH_FIELDS = ("price", "title", "availability")


def run_health(
    current: RunFigures, previous: Sequence[RunFigures], suspect_drop: Decimal
) -> str | None:
    """Why a run looks broken (the reason for `suspect`), or None when it looks healthy.

    Compared with the median of the previous runs: yield and fill-rates falling below
    `suspect_drop` of it. Without history: no product page at all, most pages blocked,
    or most fetched pages without a price.
    """
    reasons: list[str] = []
    drop = float(suspect_drop)
    pages = current.product_pages
    if pages == 0:
        reasons.append("no product page was fetched")
    else:
        if current.blocked / pages > MANY_BLOCKS_SHARE:
            reasons.append(f"{current.blocked} of {pages} product pages were blocked")
        price_fill = (current.fill or {}).get("price", 0.0)
        if price_fill < MIN_PRICE_FILL:
            reasons.append(f"only {price_fill:.0%} of {pages} fetched pages had a price")
    baseline = [run for run in previous if run.product_pages > 0]
    if baseline:
        median_ok = statistics.median(run.ok for run in baseline)
        if median_ok > 0 and current.ok < drop * median_ok:
            reasons.append(
                f"yield fell to {current.ok} good prices from a median of {median_ok:g} "
                f"over the last {len(baseline)} runs"
            )
        for name in HEALTH_FIELDS:
            past = [(run.fill or {}).get(name) for run in baseline]
            values = [v for v in past if v is not None]
            if not values:
                continue
            median_fill = statistics.median(values)
            now = (current.fill or {}).get(name, 0.0)
            if median_fill > 0 and now < drop * median_fill and pages > 0:
                reasons.append(
                    f"{name} fill-rate fell to {now:.0%} from a median of {median_fill:.0%}"
                )
    return "; ".join(dict.fromkeys(reasons)) or None
