"""Every "cheaper" finding of the demo's last night checked against the demo's truth.

The demo shops that need no browser are started on the demo's last night (day 13),
crawled over real HTTP into a real SQLite file, matched (with the demo's mapping file)
and compared as the nightly chain does. Then `demo.shops.truth` judges every finding:

* false claims: an `undercut` / `beatable` / `promo_driven` finding against a listing
  that is another product than ours, is out of stock, or is not cheaper for a single-unit
  buyer without a coupon or a membership (its true landed price, from what the page
  really shows, converted into our currency, is not under our effective price);
* missed undercuts: a product of ours that some listing truly undercuts (same product, in
  stock, cheaper landed price) without an undercut or promo_driven finding.

Both counts are printed; both must be zero. (One night only: the fake-discount rule needs
history, and is not a "cheaper" claim.)
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from demo.run import write_mapping
from demo.shops import competitors_yaml, day_date, start_shops, truth
from demo.shops.catalog import catalog_links
from demo.shops.truth import ProductTruth
from monitor.compare import CompareSettings, OurProduct, Promo, effective_price, run_comparison
from monitor.compare.findings import land_ours
from monitor.compare.settings import in_stock
from monitor.matching import run_matching
from spiders.runner import crawl_competitors
from storage.catalog_import import import_catalog
from storage.db import make_engine, upgrade
from storage.models import Competitor, Finding, Listing, Product
from storage.money import convert

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LAST_NIGHT = 13
SHOPS = ("jsonshop", "woostore", "shopifyish", "plainshop")  # jsshop needs the browser
CHEAPER = {"undercut", "beatable", "promo_driven"}
STORIES = {"undercut", "promo_driven"}
CENT = Decimal("0.01")


def true_landed(page: ProductTruth, currency: str, now: datetime) -> Decimal | None:
    """What one unit really costs a single buyer at this page, in `currency`."""
    if page.price is None:
        return None
    promos = [Promo(p.kind, p.value, p.code, p.buy_qty, p.pay_qty, p.threshold, p.instalments,
                    None if p.valid_until is None
                    else datetime.combine(p.valid_until, time(23, 59, 59), UTC))
              for p in page.promotions if p.kind != "badge"]
    landed = effective_price(page.price, regular_price=page.regular_price,
                             shipping_cost=page.shipping_cost,
                             free_shipping_threshold=page.free_shipping_threshold,
                             promotions=promos, now=now)
    converted = convert(landed.effective, page.currency, currency, on=now)
    return None if converted is None else converted.amount


def test_demo_last_night_findings_are_true(tmp_path: Path) -> None:
    now = datetime.combine(day_date(LAST_NIGHT), time(2, 30), UTC)
    db_url = f"sqlite:///{tmp_path / 'pricewatch.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    import_catalog(engine, ROOT / "examples" / "catalog.csv")
    with start_shops(day=LAST_NIGHT, shops=SHOPS) as shops:
        config = yaml.safe_load(competitors_yaml(shops.base_urls, enabled=SHOPS))
        competitors_file = tmp_path / "competitors.yaml"
        competitors_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        mapping = write_mapping(tmp_path / "mapping.csv", shops.base_urls)
        crawl_competitors(competitors_file, None, db_url, parallel=2, now=now)
        bases = dict(shops.base_urls)
    run_matching(engine, mapping)
    settings = CompareSettings()
    result = run_comparison(engine, settings, now=now)
    assert result.skipped_currency == 0, result.skipped_currency_by

    pages: dict[tuple[str, str], ProductTruth] = {}
    for shop in SHOPS:
        for page in truth(shop, LAST_NIGHT):
            url = page.url(bases[shop])
            pages[(shop, url)] = page
            if page.variant_id is not None:
                pages[(shop, f"{url.split('?')[0]}#{page.variant_id}")] = page
    links = {key: sku for key, (sku, _how) in catalog_links().items()}

    def page_of(shop: str, url: str, variant: str) -> ProductTruth | None:
        return pages.get((shop, url)) or pages.get((shop, f"{url.split('?')[0]}#{variant}"))

    with engine.connect() as conn:
        products = {p.sku: p for p in conn.execute(select(Product)).all()}
        findings = conn.execute(
            select(Finding.kind, Finding.product_id, Listing.url, Listing.variant,
                   Competitor.name, Finding.reason)
            .join(Listing, Listing.id == Finding.listing_id)
            .join(Competitor, Competitor.id == Finding.competitor_id)
            .where(Finding.compare_run_id == result.run_id)).all()
    by_id = {p.id: p for p in products.values()}

    def ours(sku: str) -> OurProduct:
        p = products[sku]
        return OurProduct(p.id, p.sku, p.name, p.currency, p.price,
                          shipping_cost=p.shipping_cost,
                          free_shipping_threshold=p.free_shipping_threshold)

    false_claims: list[str] = []
    story: set[str] = set()
    for kind, product_id, url, variant, shop, reason in findings:
        if kind not in CHEAPER:
            continue
        sku = by_id[product_id].sku
        if kind in STORIES:
            story.add(sku)
        page = page_of(shop, url, variant)
        if page is None:
            false_claims.append(f"{kind} {sku} {shop} {url}: no such page in the truth")
            continue
        if links.get(page.product_key) != sku:
            false_claims.append(f"{kind} {sku} vs {shop} {page.title!r}: another product")
            continue
        if not in_stock(page.availability, settings):
            false_claims.append(f"{kind} {sku} vs {shop}: {page.availability}")
            continue
        our = ours(sku)
        theirs = true_landed(page, our.currency, now)
        if theirs is None or theirs >= land_ours(our).effective - CENT:
            false_claims.append(f"{kind} {sku} vs {shop}: truly {theirs}, ours "
                                f"{land_ours(our).effective} ({reason})")

    missed: list[str] = []
    for shop in SHOPS:
        for page in truth(shop, LAST_NIGHT):
            sku = links.get(page.product_key)
            if sku is None or page.fault is not None or not in_stock(page.availability, settings):
                continue
            our = ours(sku)
            theirs = true_landed(page, our.currency, now)
            mine = land_ours(our).effective
            if theirs is not None and theirs < mine - CENT and sku not in story:
                missed.append(f"{sku} {by_id[products[sku].id].name!r}: {shop} "
                              f"{page.title!r} truly {theirs} vs our {mine}")
    print(f"demo night {LAST_NIGHT + 1}: {sum(f.kind in CHEAPER for f in findings)} cheaper "
          f"findings, false claims {len(false_claims)}, missed true undercuts {len(missed)}")
    assert not false_claims, "\n".join(false_claims)
    assert not missed, "\n".join(sorted(set(missed)))
