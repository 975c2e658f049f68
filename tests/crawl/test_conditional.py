"""Conditional fetching of product pages (issue 17): validators sent back, 304s and sitemap
`lastmod` store the last full reading again (marked, never as a new reading), a changed
page is read again, nothing alerts from it, and every page is read in full again every
`full_read_days` nights - against a real HTTP shop on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from demo.shops.pages.common import Response
from demo.shops.server import conditional, entity_tag
from spiders.conditional import full_read_due, lastmod_time, unchanged_since
from spiders.platform_api import due
from storage.db import make_engine
from storage.models import LatestObservation, Listing, PageValidator, table
from storage.repos.validators import copy_extractor, is_copy

from .support import crawl, stored_for_run

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
VALUES = ("price", "regular_price", "currency", "availability", "shipping_cost",
          "free_shipping_threshold", "delivery_min_days", "delivery_max_days",
          "warranty_months", "returns_days", "promotions", "title", "confidence", "page_hash",
          "instalments")


@dataclass
class Page:
    price: str
    regular: str | None = None
    validator: str = "etag"  # etag | last_modified | none
    lastmod: str | None = None
    modified: datetime = T0 - timedelta(days=30)
    gone: bool = False
    lying_etag: str | None = None
    """Served instead of the real ETag (a shop whose ETag does not follow a change)."""


@dataclass
class Shop:
    pages: dict[str, Page]
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    server: Any = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def body(self, slug: str, page: Page) -> bytes:
        ld = {"@type": "Product", "name": f"Widget {slug}", "sku": f"W-{slug}", "offers": {
            "@type": "Offer", "price": page.price, "priceCurrency": "EUR",
            "availability": "https://schema.org/InStock"}}
        old = (f'<p>Regular price: <del class="price-old">{page.regular} €</del></p>'
               if page.regular else "")
        return (f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script>'
                f'</head><body><h1>Widget {slug}</h1><p class="price">{page.price} €</p>{old}'
                f"<button>Add to cart</button></body></html>").encode()

    def answer(self, path: str, headers: dict[str, str]) -> Response:
        self.requests.append((path, headers))
        if path == "/robots.txt":
            return Response.text("User-agent: *\n")
        if path == "/sitemap.xml":
            urls = "".join(
                f"<url><loc>{self.base}p/{slug}</loc>"
                + (f"<lastmod>{p.lastmod}</lastmod>" if p.lastmod else "") + "</url>"
                for slug, p in self.pages.items())
            return Response.xml('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                                f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
        slug = path.removeprefix("/p/")
        page = self.pages.get(slug)
        if page is None or page.gone:
            return Response.html("<h1>Not found</h1>", 404)
        response = Response.html(self.body(slug, page).decode())
        if page.validator == "etag":
            if page.lying_etag:
                if headers.get("if-none-match") == page.lying_etag:
                    return Response(304, b"", {"ETag": page.lying_etag})
                response.headers["ETag"] = page.lying_etag
                return response
            return conditional(response, "GET", headers.get("if-none-match"))
        if page.validator == "last_modified":
            since = headers.get("if-modified-since")
            stamp = format_datetime(page.modified, usegmt=True)
            if since and parsedate_to_datetime(since) >= page.modified.replace(microsecond=0):
                return Response(304, b"", {"Last-Modified": stamp})
            response.headers["Last-Modified"] = stamp
        return response

    def product_requests(self) -> dict[str, dict[str, str]]:
        """slug -> the headers of the last request for it (since `clear`)."""
        return {p.removeprefix("/p/"): h for p, h in self.requests if p.startswith("/p/")}


@pytest.fixture
def shop() -> Iterator[Shop]:
    the_shop = Shop({
        "a": Page("19.90", "24.90"),
        "b": Page("35.00"),
        "c": Page("7.50", validator="last_modified"),
        "d": Page("12.00", validator="none"),
    })

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            response = the_shop.answer(self.path, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.status != 304:
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    the_shop.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=the_shop.server.serve_forever, daemon=True)
    thread.start()
    yield the_shop
    the_shop.server.shutdown()
    the_shop.server.server_close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database the crawl's child process can open (PostgreSQL: the fixture's schema)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crawl.db'}"
    engine = request.getfixturevalue("pg_engine")
    return str(engine.url.render_as_string(hide_password=False))


def competitors(tmp: Path, shop: Shop, full_read_days: int) -> Path:
    path = tmp / "competitors.yaml"
    path.write_text(yaml.safe_dump({"competitors": [{
        "name": "condshop", "base_url": shop.base, "currency": "EUR",
        "discovery": {"kind": "sitemap", "sitemap_url": "/sitemap.xml",
                      "link_pattern": "/p/", "full_read_days": full_read_days},
    }]}), encoding="utf-8")
    return path


def night(shop: Shop, path: Path, db_url: str, at: datetime,
          settings: dict[str, Any] | None = None) -> Any:
    shop.requests.clear()
    [summary] = crawl(path, ["condshop"], db_url, settings, now=at)
    assert summary.status == "finished", summary.error
    return summary


def values(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in VALUES)


def full_due(shop: Shop, slug: str, read_at: datetime, now: datetime, days: int) -> bool:
    return full_read_due(f"{shop.base}p/{slug}", "", read_at, now, days)


# ------------------------------------------------------------------ pure parts


def test_lastmod_is_read_as_its_latest_possible_moment() -> None:
    read = datetime(2026, 11, 2, 3, tzinfo=UTC)
    assert unchanged_since("2026-10-30", read)
    assert not unchanged_since("2026-11-01", read)  # a date may be that day anywhere
    assert unchanged_since("2026-11-01T10:00:00+02:00", read)
    assert not unchanged_since("2026-11-02T05:00:00+02:00", read)
    assert not unchanged_since("2026-11-01T20:00:00", read)  # no zone: up to 14 h behind
    assert not unchanged_since("not a date", read) and not unchanged_since(None, read)
    assert lastmod_time("2026-11-02T01:00:00Z") == datetime(2026, 11, 2, 1, tzinfo=UTC)


def test_full_reads_come_once_every_n_nights_spread_over_the_pages() -> None:
    days = 5
    urls = [f"https://shop.example/p/{i}" for i in range(400)]
    for url in urls:
        read = T0
        fulls = []
        for night_no in range(1, 21):
            now = T0 + timedelta(days=night_no)
            if full_read_due(url, "", read, now, days):
                fulls.append(night_no)
                read = now
        gaps = [b - a for a, b in zip([0, *fulls], fulls, strict=False)]
        assert fulls and max(gaps) <= days and all(g == days for g in gaps[1:])
    first_nights = [next(n for n in range(1, days + 1)
                         if full_read_due(u, "", T0, T0 + timedelta(days=n), days)) for u in urls]
    share = {n: first_nights.count(n) / len(urls) for n in range(1, days + 1)}
    assert all(0.1 < s < 0.3 for s in share.values()), share  # about 1/days a night
    assert full_read_due(urls[0], "", T0, T0, 0)  # 0: conditional fetching off
    # independent of the API shops' page_refresh_days schedule: the pages whose API-side
    # refresh comes tomorrow are not all read in full tomorrow (they are asked with
    # validators, most answer 304)
    for start in range(7):  # whatever the date
        read = T0 + timedelta(days=start)
        tomorrow = read + timedelta(days=1)
        refreshed = [u for u in urls if due(u, "", read, tomorrow, 14)]
        assert refreshed
        full = [u for u in refreshed if full_read_due(u, "", read, tomorrow, 7)]
        assert len(full) < len(refreshed) / 2, (start, len(full), len(refreshed))


def test_demo_server_answers_etag_and_304() -> None:
    page = Response.html("<h1>x</h1>")
    first = conditional(page, "GET", None)
    tag = first.headers["ETag"]
    assert tag == entity_tag(page.body) and first.status == 200
    assert conditional(page, "GET", tag).status == 304
    assert conditional(page, "GET", f'"other", W/{tag}').status == 304
    assert conditional(Response.html("<h1>y</h1>"), "GET", tag).status == 200
    assert conditional(page, "POST", tag).status == 200


def test_copy_extractor_keeps_the_strategy() -> None:
    assert copy_extractor("jsonld") == "jsonld/not_modified"
    assert copy_extractor("jsonld/quick") == "jsonld/not_modified/quick"
    assert is_copy("jsonld/not_modified") and not is_copy("jsonld") and not is_copy(None)


# ------------------------------------------------------------------ crawls


def test_an_unchanged_night_sends_validators_and_stores_the_reading_again(
        shop: Shop, tmp_path: Path, db_url: str) -> None:
    days = 365
    path = competitors(tmp_path, shop, days)
    engine = make_engine(db_url)
    first = night(shop, path, db_url, T0)
    sent = shop.product_requests()
    assert set(sent) == {"a", "b", "c", "d"}
    assert not any("if-none-match" in h or "if-modified-since" in h for h in sent.values())
    assert first.counts == {"ok": 4}
    with engine.connect() as conn:
        stored = {r.listing_id: r for r in conn.execute(select(table(PageValidator)))}
    assert len(stored) == 4  # every ok reading, with or without validators
    assert sum(1 for r in stored.values() if r.etag) == 2
    assert sum(1 for r in stored.values() if r.last_modified) == 1

    shop.pages["b"].price = "33.00"  # b changed: its ETag changes with it
    second_at = T0 + timedelta(days=1)
    second = night(shop, path, db_url, second_at)
    sent = shop.product_requests()
    full = {s for s in "abcd" if full_due(shop, s, T0, second_at, days)}
    for slug in "ab":
        assert ("if-none-match" in sent[slug]) == (slug not in full)
    assert ("if-modified-since" in sent["c"]) == ("c" not in full)
    assert "if-none-match" not in sent["d"] and "if-modified-since" not in sent["d"]
    assert second.counts == {"ok": 4}
    assert second.stats["not_modified"]["http_304"] == len({"a", "c"} - full)
    assert not second.suspect, second.suspect_reason
    assert second.stats["fill"] == first.stats["fill"]

    before = stored_for_run(engine, first.crawl_run_id or 0)
    after = stored_for_run(engine, second.crawl_run_id or 0)
    for slug in "ac":
        key = (f"{shop.base}p/{slug}", "")
        old, new = before[key].observation, after[key].observation
        if slug in full:
            continue
        # the same reading, value for value, marked as a copy, at tonight's time
        assert values(new) == values(old)
        assert new.extractor == copy_extractor(old.extractor) and is_copy(new.extractor)
        assert "not modified (HTTP 304)" in (new.reason or "")
        assert new.observed_at > old.observed_at
        assert sorted((p.kind, p.value, p.detail) for p in after[key].promotions) == sorted(
            (p.kind, p.value, p.detail) for p in before[key].promotions)  # detail and all
    # a's markdown from its struck price keeps the detail the reader gave it
    assert [(p.kind, p.detail) for p in after[(f"{shop.base}p/a", "")].promotions] == [
        ("percent_off", "from regular price")]
    b = after[(f"{shop.base}p/b", "")].observation
    assert b.price == Decimal("33.00") and not is_copy(b.extractor)  # the change is read
    with engine.connect() as conn:
        latest = {r.listing_id: r for r in conn.execute(select(table(LatestObservation)))}
        lst = {r.url: r.id for r in conn.execute(select(table(Listing)))}
        v = {r.listing_id: r for r in conn.execute(select(table(PageValidator)))}
    # the listings count as crawled tonight (coverage, freshness) at their old price
    assert all(r.crawl_run_id == second.crawl_run_id for r in latest.values())
    assert latest[lst[f"{shop.base}p/a"]].price == Decimal("19.90")
    assert latest[lst[f"{shop.base}p/b"]].price == Decimal("33.00")
    a = v[lst[f"{shop.base}p/a"]]
    if "a" not in full:
        assert a.crawl_run_id == first.crawl_run_id and a.confirmed_at is not None
    assert v[lst[f"{shop.base}p/b"]].crawl_run_id == second.crawl_run_id


def test_pages_read_by_the_extraction_worker_keep_their_validators(
        shop: Shop, tmp_path: Path) -> None:
    for n in range(30):  # enough pages, slowly enough, for the worker to read some
        shop.pages[f"e{n}"] = Page(f"{10 + n}.00")
    path = competitors(tmp_path, shop, 365)
    db_url = f"sqlite:///{tmp_path / 'w.db'}"
    slow = {"PRICEWATCH_EXTRACT_WORKERS": 1, "DOWNLOAD_DELAY": 0.1,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    first = night(shop, path, db_url, T0, slow)
    assert first.stats["worker_pages"] > 0, first.stats["worker_pages"]
    lst, val = table(Listing), table(PageValidator)
    with make_engine(db_url).connect() as conn:
        stored = {row.url.rsplit("/", 1)[-1]: row for row in conn.execute(
            select(lst.c.url, val.c.etag, val.c.last_modified)
            .join(val, val.c.listing_id == lst.c.id))}
    assert len(stored) == 34
    for slug, row in stored.items():
        kind = shop.pages[slug].validator
        assert bool(row.etag) == (kind == "etag") and bool(row.last_modified) == (
            kind == "last_modified"), slug


def test_sitemap_lastmod_older_than_the_reading_skips_the_page(shop: Shop,
                                                              tmp_path: Path) -> None:
    days = 365
    for page in shop.pages.values():
        page.lastmod = "2026-10-01"
    shop.pages["d"].lastmod = (T0 + timedelta(hours=20)).isoformat()  # changed after it
    path = competitors(tmp_path, shop, days)
    db_url = f"sqlite:///{tmp_path / 'l.db'}"
    first = night(shop, path, db_url, T0)
    assert set(shop.product_requests()) == set("abcd")  # nothing read yet: lastmod no help
    at = T0 + timedelta(days=1)
    second = night(shop, path, db_url, at)
    full = {s for s in "abc" if full_due(shop, s, T0, at, days)}
    assert set(shop.product_requests()) == full | {"d"}
    assert second.stats["not_modified"]["sitemap_lastmod"] == 3 - len(full)
    assert second.counts == {"ok": 4} and not second.suspect
    engine = make_engine(db_url)
    before = stored_for_run(engine, first.crawl_run_id or 0)
    after = stored_for_run(engine, second.crawl_run_id or 0)
    for slug in set("abc") - full:
        key = (f"{shop.base}p/{slug}", "")
        assert values(after[key].observation) == values(before[key].observation)
        assert "sitemap lastmod 2026-10-01" in (after[key].observation.reason or "")


def test_full_read_every_n_nights_catches_a_shop_whose_etag_lies(shop: Shop,
                                                                 tmp_path: Path) -> None:
    days = 3
    shop.pages["a"].lying_etag = '"same-forever"'
    path = competitors(tmp_path, shop, days)
    db_url = f"sqlite:///{tmp_path / 'n.db'}"
    engine = make_engine(db_url)
    night(shop, path, db_url, T0)
    shop.pages["a"].price = "14.90"  # changed, but the shop keeps answering 304
    read_at = T0
    url = f"{shop.base}p/a"
    seen_new = None
    for n in range(1, days + 2):
        at = T0 + timedelta(days=n)
        summary = night(shop, path, db_url, at)
        headers = shop.product_requests()["a"]
        due = full_read_due(url, "", read_at, at, days)
        assert ("if-none-match" in headers) == (not due)
        price = stored_for_run(engine, summary.crawl_run_id or 0)[(url, "")].observation.price
        if due:
            read_at = at
            seen_new = seen_new or n
            assert price == Decimal("14.90")
        elif seen_new is None:
            assert price == Decimal("19.90")  # the shop said: not modified
    assert seen_new is not None and seen_new <= days  # read in full within N nights


def test_a_reading_that_was_not_ok_is_never_confirmed(shop: Shop, tmp_path: Path) -> None:
    path = competitors(tmp_path, shop, 365)
    db_url = f"sqlite:///{tmp_path / 'g.db'}"
    night(shop, path, db_url, T0)
    shop.pages["a"].gone = True
    gone = night(shop, path, db_url, T0 + timedelta(days=1))
    assert gone.counts.get("not_found") == 1
    shop.pages["a"].gone = False
    night(shop, path, db_url, T0 + timedelta(days=2))
    assert "if-none-match" not in shop.product_requests()["a"]  # read in full again


def _match_all(engine: Any) -> None:
    """Our catalog: one product per listing, matched by hand (so the alert step sees them)."""
    from storage.models import Match, Product

    with engine.begin() as conn:
        for listing in conn.execute(select(table(Listing))).all():
            pid = conn.execute(table(Product).insert().values(
                sku=f"OUR-{listing.id}", name=listing.title or "x", price=Decimal("20.00"),
                currency="EUR")).inserted_primary_key[0]
            conn.execute(table(Match).insert().values(
                product_id=pid, listing_id=listing.id, method="manual", confidence=1.0,
                status="confirmed"))


def test_no_alert_from_nights_the_pages_did_not_change(shop: Shop, tmp_path: Path,
                                                       db_url: str) -> None:
    from monitor.alerts import AlertSettings, run_alerts
    from monitor.alerts.pipeline import PRICE_KINDS

    path = competitors(tmp_path, shop, 365)
    engine = make_engine(db_url)
    settings = AlertSettings.model_validate({})
    first = night(shop, path, db_url, T0)
    _match_all(engine)
    run_alerts(engine, settings, now=T0 + timedelta(hours=2),
               crawl_run_ids=[first.crawl_run_id or 0])
    at = T0 + timedelta(days=1)
    quiet = night(shop, path, db_url, at)
    assert sum(quiet.stats["not_modified"].values()) > 0
    result = run_alerts(engine, settings, now=at + timedelta(hours=2),
                        crawl_run_ids=[quiet.crawl_run_id or 0])
    assert not {k for k in result.by_kind if k in {e.value for e in PRICE_KINDS}}, result.by_kind
    assert not result.held_back, result.held_back
    assert "crawl_suspect" not in result.by_kind
    # a real change after a night of copies alerts as usual, not held as "page changed
    # structure" (the copy keeps its reading's extraction strategy)
    shop.pages["b"].price = "30.00"
    later = at + timedelta(days=1)
    moved = night(shop, path, db_url, later)
    result = run_alerts(engine, settings, now=later + timedelta(hours=2),
                        crawl_run_ids=[moved.crawl_run_id or 0])
    assert result.by_kind.get("price_drop") == 1, (result.by_kind, result.held_back)


def test_full_read_days_0_turns_conditional_fetching_off(shop: Shop, tmp_path: Path) -> None:
    for page in shop.pages.values():
        page.lastmod = "2026-10-01"
    path = competitors(tmp_path, shop, 0)
    db_url = f"sqlite:///{tmp_path / 'off.db'}"
    night(shop, path, db_url, T0)
    second = night(shop, path, db_url, T0 + timedelta(days=1))
    sent = shop.product_requests()
    assert set(sent) == set("abcd")
    assert not any("if-none-match" in h or "if-modified-since" in h for h in sent.values())
    assert not any(second.stats["not_modified"].values())


def test_a_304_for_a_reading_no_longer_stored_is_a_failure_not_a_made_up_reading(
        shop: Shop, tmp_path: Path) -> None:
    from sqlalchemy import delete

    from storage.models import Observation

    path = competitors(tmp_path, shop, 365)
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(db_url)
    first = night(shop, path, db_url, T0)
    at = T0 + timedelta(days=1)
    if full_due(shop, "a", T0, at, 365):
        pytest.skip("page a's yearly full read falls on this night for this port")
    obs, lst = table(Observation), table(Listing)
    with engine.begin() as conn:  # the reading a 304 would confirm is gone (pruned)
        a_id = conn.execute(select(lst.c.id).where(lst.c.url == f"{shop.base}p/a")).scalar_one()
        conn.execute(delete(obs).where(obs.c.listing_id == a_id,
                                       obs.c.crawl_run_id == first.crawl_run_id))
    second = night(shop, path, db_url, at)
    assert "if-none-match" in shop.product_requests()["a"]
    assert second.counts.get("error") == 1 and second.counts["ok"] == 3
    failure = next(f for f in second.stats["failures"] if f["url"].endswith("/p/a"))
    assert "no longer stored" in failure["reason"]
    with engine.connect() as conn:
        assert not conn.execute(select(obs.c.id).where(
            obs.c.listing_id == a_id, obs.c.crawl_run_id == second.crawl_run_id)).all()
    night(shop, path, db_url, at + timedelta(days=1))
    assert "if-none-match" not in shop.product_requests()["a"]  # read in full again
