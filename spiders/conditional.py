"""Conditional fetching of product pages: `ETag`/`Last-Modified` sent back, and sitemap
`lastmod` read, so a page that has not changed since its last full reading is neither
downloaded nor read again (issue 17).

The shop decides what "not changed" means: a shop whose `ETag` or `lastmod` does not
follow a price change would keep its old price here, so every page is still fetched
unconditionally and read in full once every `discovery.full_read_days` nights.

Pure functions; the spider decides what to request.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from spiders.extraction.currency import in_use
from storage.repos.validators import Validators


def full_read_due(url: str, variant: str, read_at: datetime, now: datetime, days: int) -> bool:
    """Whether tonight the page must be fetched unconditionally and read in full.

    Each page has its own night in every `days` (fixed per page from its URL, so a shop's
    pages come due spread evenly, 1/`days` of them a night); the page is due when such a
    night has come since its last full reading, which is therefore never older than
    `days` nights. `days` 0: always (conditional fetching off)."""
    if days <= 0:
        return True
    # salted: the API's page_refresh_days schedule (platform_api.due) hashes the same
    # URL, and unsalted the pages due there would be exactly those due here
    digest = hashlib.blake2b(f"full-read|{url}|{variant}".encode(), digest_size=4).digest()
    phase = int.from_bytes(digest, "big") % days
    first = read_at.date().toordinal() + 1
    first += (-(first + phase)) % days  # the page's next full-read night after its reading
    return first <= now.date().toordinal()


def usable(validators: Validators | None, url: str, variant: str, now: datetime, days: int,
           shop_currency: str) -> Validators | None:
    """The validators when tonight may rely on the last full reading, else None: there is
    one, its re-check night has not come, and the shop's currency in use is the same as
    on the night it was read (a page read in leva before the euro changeover must be read
    again after it, even if it did not change)."""
    if validators is None or full_read_due(url, variant, validators.read_at, now, days):
        return None
    if in_use(shop_currency, validators.read_at.date()) != in_use(shop_currency, now.date()):
        return None
    return validators


def request_headers(validators: Validators) -> dict[str, str]:
    """`If-None-Match` / `If-Modified-Since` for the validators the page answered with
    ({} when it sent none: the page is fetched in full)."""
    headers: dict[str, str] = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def lastmod_time(text: str | None) -> datetime | None:
    """The latest moment a sitemap `lastmod` (W3C datetime) can mean, in UTC, or None
    when it cannot be read. A date alone may be that day in any time zone (up to the
    next day, noon UTC); a time without a zone may be up to 14 hours behind UTC."""
    if not text:
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1,
                                                                                  hours=12)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC) + timedelta(hours=14)
    return value.astimezone(UTC)


def unchanged_since(lastmod: str | None, read_at: datetime) -> bool:
    """Whether a sitemap `lastmod` says the page last changed before it was read."""
    latest = lastmod_time(lastmod)
    return latest is not None and latest < read_at


def not_modified_reason(how: str, read_at: datetime) -> str:
    """The stored reason of a night that relied on the last full reading (of `read_at`)."""
    return (f"page not modified ({how}) since its full reading of "
            f"{read_at.strftime('%Y-%m-%d %H:%M')} UTC: that reading stands")
