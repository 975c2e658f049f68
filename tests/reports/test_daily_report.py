"""The daily HTML report built from a multi-day history: content, escaping, honesty about
stale and quarantined data, and both languages."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from report_history import NOW, History
from sqlalchemy import func, select

from reports.config import ReportSettings
from reports.daily import build_daily_report, their_history
from reports.i18n import Texts
from reports.render import safe_url
from storage.models import CompareRun, Competitor, Finding, Listing, Observation, table
from storage.money import MoneySettings
from storage.repos import reporting as repo
from tests.support.sample_data import HOSTILE_NAME


def _last_run_findings(history: History) -> int:
    finding, run = table(Finding), table(CompareRun)
    with history.engine.connect() as conn:
        last = conn.execute(select(func.max(run.c.id))).scalar_one()
        return int(conn.execute(
            select(func.count()).select_from(finding).where(finding.c.compare_run_id == last)
        ).scalar_one())


@pytest.fixture(scope="module")
def daily(history: History, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The English report at NOW with default settings, built once for the module."""
    out = tmp_path_factory.mktemp("daily")
    path = build_daily_report(history.engine, out, now=NOW, settings=history.settings)
    return path, path.read_text(encoding="utf-8")


def _rows(html: str) -> list[str]:
    body = html.split('<table id="findings-table"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr data-competitor=", body)


def test_report_is_one_self_contained_file(history: History, daily: tuple[Path, str]) -> None:
    path, html = daily
    assert path.suffix == ".html"
    assert [p.name for p in path.parent.iterdir()] == [path.name], "one file, nothing beside it"
    assert not re.search(r'(src|href)="(?!data:|#)(?!http://127\.0\.0\.1:9/)', html), \
        "only embedded images and competitor links"
    assert "<link" not in html and "@import" not in html
    charts = re.findall(r'<img class="chart" src="data:image/png;base64,', html)
    assert len(charts) == 4 + history.settings.history_products


def test_table_has_every_finding_of_the_latest_run(history: History,
                                                   daily: tuple[Path, str]) -> None:
    html = daily[1]
    expected = _last_run_findings(history)
    assert expected > 5
    assert len(_rows(html)) == expected


def test_table_is_capped_by_impact_with_a_note(history: History, out_dir: Path) -> None:
    settings = ReportSettings(table_rows=10)
    html = build_daily_report(history.engine, out_dir, now=NOW,
                              settings=settings).read_text(encoding="utf-8")
    assert len(_rows(html)) == 10
    assert f"10 findings with the largest impact out of {_last_run_findings(history)}" in html
    impacts = [float(v) for v in re.findall(r'data-impact="([-0-9.]+)"', html)]
    assert impacts == sorted(impacts, reverse=True)


def test_hostile_product_name_is_text(daily: tuple[Path, str]) -> None:
    html = daily[1]
    assert "<script>window.__pwned" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "<b>Co</b>" not in html
    assert len(re.findall(r"<script>", html)) == 1, "only the report's own script"
    assert HOSTILE_NAME.startswith("<script>")


def _quality_cells(html: str, competitor: str, attribute: str) -> int:
    row = html.split(f'<tr data-competitor="{competitor}">', 1)[1].split("</tr>", 1)[0]
    found = re.search(rf'{attribute}="(\d+)"', row)
    assert found, row
    return int(found.group(1))


def test_data_quality_counts_stale_and_quarantined(history: History,
                                                  daily: tuple[Path, str]) -> None:
    html = daily[1]
    obs, listing, comp = table(Observation), table(Listing), table(Competitor)
    with history.engine.connect() as conn:
        charlie_priced = conn.execute(
            select(func.count(func.distinct(obs.c.listing_id)))
            .join(listing, listing.c.id == obs.c.listing_id)
            .join(comp, comp.c.id == listing.c.competitor_id)
            .where(comp.c.name == "charlie", obs.c.status == "ok")).scalar_one()
    assert charlie_priced > 0
    # Charlie's last two crawls failed: its prices are 52 h old at report time, all stale.
    assert _quality_cells(html, "Чарли ООД", "data-stale") == charlie_priced
    assert _quality_cells(html, "Alpha Market", "data-stale") == 0
    for name in ("Alpha Market", "Bravo Shop"):
        assert _quality_cells(html, name, "data-quarantined") == history.spec.quarantined
    assert "price fill-rate fell from 99% to 61%" in html, "the suspect run is listed"
    assert 'id="stale-table"' in html and 'id="quarantined-table"' in html


def test_quarantined_values_never_appear_as_prices(history: History,
                                                   daily: tuple[Path, str]) -> None:
    html = daily[1]
    t = Texts("en")
    assert history.sample.quarantined_prices
    for bogus in history.sample.quarantined_prices:
        for currency in ("BGN", "EUR"):
            assert f">{t.money(bogus, currency)}<" not in html, bogus


def test_an_old_comparison_is_flagged_and_every_price_is_stale(
        history: History, out_dir: Path) -> None:
    later = NOW + timedelta(days=3)
    html = build_daily_report(history.engine, out_dir, now=later,
                              settings=history.settings).read_text(encoding="utf-8")
    assert 'class="warning"' in html
    assert html.count('<span class="badge stale"') >= len(_rows(html))


@pytest.mark.parametrize(("lang", "title", "money"), [
    ("en", "Competitor price report", r"€\d{1,3}(,\d{3})*\.\d{2}"),
    ("bg", "Доклад за цените на конкурентите", r"\d{1,3}(\xa0\d{3})*,\d{2}\xa0€"),
])
def test_languages_and_locale_formats(history: History, out_dir: Path, lang: str, title: str,
                                      money: str) -> None:
    path = build_daily_report(history.engine, out_dir, lang=lang, now=NOW,
                              settings=history.settings)
    html = path.read_text(encoding="utf-8")
    assert path.name.endswith(f"-{lang}.html")
    assert f'<html lang="{lang}">' in html and title in html
    assert re.search(money, html)


def test_unknown_language_is_refused_before_any_work(history: History, out_dir: Path) -> None:
    with pytest.raises(ValueError, match="unknown report language 'de'"):
        build_daily_report(history.engine, out_dir, lang="de", now=NOW)
    assert list(out_dir.iterdir()) == []


def test_empty_database_gives_a_report_that_says_so(sqlite_engine, out_dir: Path) -> None:  # type: ignore[no-untyped-def]
    html = build_daily_report(sqlite_engine, out_dir, now=NOW,
                              settings=ReportSettings()).read_text(encoding="utf-8")
    assert "No comparison has been run yet" in html
    assert "No data for this period" not in html  # the text is inside the charts' images
    assert len(re.findall(r'<img class="chart"', html)) == 4


def test_every_finding_links_to_the_competitor_page(daily: tuple[Path, str]) -> None:
    html = daily[1]
    links = re.findall(r'<a class="page" href="([^"]+)" target="_blank" rel="noopener noreferrer"',
                       html)
    assert len(links) == len(_rows(html))
    assert all(link.startswith("http://127.0.0.1:9/") and "&amp;" in link for link in links)


@pytest.mark.parametrize(("url", "safe"), [
    ("https://shop.example/p/1", "https://shop.example/p/1"),
    (" http://127.0.0.1/p?a=1&b=2 ", "http://127.0.0.1/p?a=1&b=2"),
    ("javascript:alert(1)", None), ("JavaScript:alert(1)", None),
    ("data:text/html,<script>", None), ("//evil.example/x", None), ("", None), (None, None),
])
def test_only_http_links_are_made(url: str | None, safe: str | None) -> None:
    assert safe_url(url) == safe


def test_bulgarian_report_with_the_dual_display(history: History, out_dir: Path) -> None:
    settings = ReportSettings(money=MoneySettings(secondary_currency="BGN"))
    html = build_daily_report(history.engine, out_dir, lang="bg", now=NOW,
                              settings=settings).read_text(encoding="utf-8")
    pairs = re.findall(r"(\d[\d\xa0]*,\d{2})\xa0€ \((\d[\d\xa0]*,\d{2})\xa0лв\.\)", html)
    assert len(pairs) > 10
    for euro, leva in pairs:  # every leva amount is the euro amount at the fixed rate
        amount = Decimal(euro.replace("\xa0", "").replace(",", "."))
        shown = Decimal(leva.replace("\xa0", "").replace(",", "."))
        assert shown == (amount * Decimal("1.95583")).quantize(Decimal("0.01"),
                                                               rounding=ROUND_HALF_UP)
    assert "Сумите в скоби: български лева по фиксирания курс 1\xa0€ = 1,95583\xa0лв." in html
    plain = build_daily_report(history.engine, out_dir, lang="bg", now=NOW,
                               settings=history.settings).read_text(encoding="utf-8")
    assert "лв.)" not in plain and "Сумите в скоби" not in plain


def test_history_is_one_line_across_the_switch_from_leva_to_euros(history: History) -> None:
    """alpha priced in leva for its first nights, then in euros at the fixed rate: converted
    into our euros, each listing's line goes on without a jump at the switch."""
    alpha = history.sample.competitor_ids["alpha"]
    ids = list(history.sample.product_ids.values())
    with history.engine.connect() as conn:
        rows = [h for h in repo.product_history(conn, ids, NOW - timedelta(days=30), NOW)
                if h.competitor_id == alpha]
    by_listing: dict[int, list[Any]] = {}
    for h in rows:
        by_listing.setdefault(h.listing_id, []).append(h)
    crossed = 0
    for listing_rows in by_listing.values():
        listing_rows.sort(key=lambda h: h.observed_at)
        currencies = [h.currency for h in listing_rows]
        if "BGN" not in currencies or "EUR" not in currencies:
            continue
        series = their_history(listing_rows, {alpha: "alpha"}, "EUR",
                               history.settings.rates, set())
        points = series["alpha"]
        assert len(points) == len(listing_rows), "every reading, leva ones too, is on the line"
        switch = currencies.index("EUR")
        before, after = listing_rows[switch - 1], listing_rows[switch]
        if (before.regular_price is None and after.regular_price is None
                and points[switch - 1][1] == points[switch][1]):
            crossed += 1
        assert all(p[1].as_tuple().exponent == -2 for p in points)
    assert crossed >= 3, "several listings with an unchanged price cross the switch flat"


@pytest.mark.parametrize("lang", ["en", "bg"])
def test_a_gap_that_holds_only_with_conditions_says_so(lang: str) -> None:
    """A conditional offer's gap is what a coupon, a membership or a bigger basket would
    save: the table says so under it and never colours it as "they are cheaper"."""
    from types import SimpleNamespace

    from reports.daily import _finding_view

    values: dict[str, Any] = dict(
        kind="conditional_offer", currency="EUR", our_price=Decimal("100.00"),
        their_effective=Decimal("105.00"), their_price=Decimal("105.00"),
        gap=Decimal("12.00"), gap_pct=Decimal("12.00"), recommended_price=None,
        promo_until=None, impact=Decimal("12.00"), details={}, product_name="Kettle",
        sku="K1", category=None, competitor="shop", competitor_display=None, url=None,
        their_observed_at=NOW,
        reason="shop is not cheaper for a single buyer (105.00 vs our 100.00), but ...")
    t = Texts(lang)
    conditional = _finding_view(SimpleNamespace(**values, _mapping=values), t, NOW,
                                timedelta(hours=36))
    assert conditional.gap_note == t("gap_with_conditions") and conditional.gap_note
    plain = {**values, "kind": "undercut"}
    assert _finding_view(SimpleNamespace(**plain, _mapping=plain), t, NOW,
                         timedelta(hours=36)).gap_note == ""
    template = (Path(__file__).parents[2] / "reports/templates/daily.html.j2").read_text()
    assert "'cond' if f.gap_note" in template and "f.gap_note" in template
