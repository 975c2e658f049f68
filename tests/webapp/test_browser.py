"""The web app end to end in Debian's headless Chromium (Playwright's Python API with
that executable; no browser download), against uvicorn serving a real SQLite file.

Screenshots of each page go to $PRICEWATCH_SCREENSHOTS (or the test's temporary folder).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine, select

from monitor.compare import run_comparison
from storage.db import make_engine, upgrade
from storage.models import Finding, Match, table
from tests.webapp.support import PASSWORD, build_site
from web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.chromium, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """uvicorn on 127.0.0.1 (a free port) in a thread, on a SQLite file with the sample."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is required in CI")
        pytest.skip("Debian's chromium is not installed")
    path = tmp_path_factory.mktemp("web") / "pricewatch.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    site = build_site(engine)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine, site.settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", engine
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    engine.dispose()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("PRICEWATCH_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(served: tuple[str, Engine]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(base_url=served[0], viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        yield tab
        assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
        browser.close()


def _login(tab: object, name: str = "manager") -> None:
    tab.goto("/")  # type: ignore[attr-defined]
    assert "/login" in tab.url  # type: ignore[attr-defined]
    tab.fill("input[name=name]", name)  # type: ignore[attr-defined]
    tab.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    tab.click("button[type=submit]")  # type: ignore[attr-defined]
    tab.wait_for_url("**/")  # type: ignore[attr-defined]


def _offers(engine: Engine) -> int:
    return run_comparison(engine).offers


def test_manager_walks_through_the_app(page: object, served: tuple[str, Engine],
                                       shots: Path) -> None:
    from playwright.sync_api import Page, expect

    tab: Page = page  # type: ignore[assignment]
    _url, engine = served
    tab.goto("/login")
    tab.screenshot(path=str(shots / "01-login.png"), caret="initial")
    _login(tab)
    expect(tab.locator(".kpis li")).to_have_count(5)
    expect(tab.locator("h2").first).to_be_visible()
    tab.screenshot(path=str(shots / "02-dashboard.png"), full_page=True, caret="initial")

    # findings: filter by kind on the server
    tab.click("nav a[href='/findings']")
    total_before = tab.locator("#count").inner_text()
    option = tab.locator("select[name=kind] option").nth(1)  # the first kind in this run
    kind, label = option.get_attribute("value"), option.inner_text()
    tab.select_option("select[name=kind]", kind)
    tab.click("#filters button[type=submit]")
    tab.wait_for_url(f"**kind={kind}**")
    kinds = tab.locator("#findings tbody .kind").all_inner_texts()
    assert kinds and set(kinds) == {label}
    assert tab.locator("#count").inner_text() != total_before
    tab.screenshot(path=str(shots / "03-findings-filtered.png"), full_page=True, caret="initial")

    # a product with its chart
    tab.locator("#findings tbody tr a").first.click()
    tab.wait_for_url("**/products/**")
    chart = tab.locator("svg#price-chart")
    expect(chart).to_be_visible()
    assert tab.locator("svg#price-chart polyline.effective").count() >= 2
    assert tab.locator("svg#price-chart polyline.ours").count() == 1
    tab.screenshot(path=str(shots / "04-product.png"), full_page=True, caret="initial")
    tab.goto("/findings?kind=promo_driven")  # a product cheaper elsewhere through a promotion
    tab.locator("#findings tbody tr a").first.click()
    tab.wait_for_url("**/products/**")
    assert tab.locator("svg#price-chart rect.promo").count() >= 1
    tab.screenshot(path=str(shots / "04b-product-promotion.png"), full_page=True, caret="initial")

    # review queue: confirm one (click), reject one (key), then the comparison honours it
    before = _offers(engine)
    tab.goto("/review")
    pairs = tab.locator("section.pair")
    waiting = pairs.count()
    assert waiting >= 2
    tab.screenshot(path=str(shots / "05-review.png"), full_page=True, caret="initial")
    pairs.first.locator("input[type=checkbox]").check()
    tab.click("#confirm-selected")
    expect(tab.locator("#queue .notice")).to_have_text("Confirmed.")
    expect(tab.locator("section.pair")).to_have_count(waiting - 1)
    tab.locator("section.pair").first.focus()
    tab.keyboard.press("j")
    tab.keyboard.press("r")
    expect(tab.locator("#queue .notice")).to_have_text("Rejected.")
    expect(tab.locator("section.pair")).to_have_count(waiting - 2)
    expect(tab.locator("ul.decisions li")).to_have_count(2)
    assert "by manager" in tab.locator("ul.decisions").inner_text()
    tab.screenshot(path=str(shots / "06-review-decided.png"), full_page=True, caret="initial")
    after = _offers(engine)
    assert after == before + 1  # the confirmed match is compared now, the rejected one is not

    # "not the same product" on a product page: the next comparison leaves it out
    m = table(Match)
    f = table(Finding)
    with engine.connect() as conn:
        latest = conn.execute(select(f.c.compare_run_id).order_by(f.c.compare_run_id.desc())
                              .limit(1)).scalar_one()
        product_id, listing_id = conn.execute(
            select(f.c.product_id, f.c.listing_id).where(f.c.compare_run_id == latest)
            .order_by(f.c.id).limit(1)).one()
    tab.goto(f"/products/{product_id}")
    row = tab.locator("#offers tbody tr", has=tab.locator(f"a[href*='/p/{product_id}?']")).first
    tab.once("dialog", lambda d: d.accept())
    tab.locator("#offers form button.danger").first.click()
    tab.wait_for_url(f"**/products/{product_id}")
    expect(tab.locator("#offers tr.match-rejected")).to_have_count(1)
    expect(tab.locator("#offers .decision").first).to_contain_text("rejected by manager")
    assert row is not None
    with engine.connect() as conn:
        rejected = conn.execute(select(m.c.listing_id).where(m.c.status == "rejected",
                                                             m.c.product_id == product_id)
                                ).scalars().all()
    assert len(rejected) == 1
    result = run_comparison(engine)
    assert result.offers == after - 1
    with engine.connect() as conn:
        assert not conn.execute(select(f.c.id).where(f.c.compare_run_id == result.run_id,
                                                     f.c.listing_id == rejected[0])).first()
    tab.screenshot(path=str(shots / "07-product-rejected.png"), full_page=True, caret="initial")
    assert listing_id is not None

    # competitors and Bulgarian
    tab.goto("/competitors?lang=bg")
    expect(tab.locator("h1")).to_have_text("Конкуренти")
    tab.screenshot(path=str(shots / "08-competitors-bg.png"), full_page=True, caret="initial")
    tab.goto("/?lang=en")


def test_catalog_upload_names_the_bad_line(page: object, shots: Path, tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect

    tab: Page = page  # type: ignore[assignment]
    _login(tab)
    tab.goto("/catalog")
    bad = tmp_path / "our-catalog.csv"
    bad.write_text("sku,name,price,currency\nNEW-1,Kettle,19.99,BGN\nNEW-2,Toaster,abc,BGN\n",
                   encoding="utf-8")
    tab.set_input_files("input[type=file]", str(bad))
    tab.click("form.bar button[type=submit]")
    result = tab.locator("#upload-result")
    expect(result).to_contain_text("our-catalog.csv: line 3")
    expect(result).to_contain_text("nothing was imported")
    tab.screenshot(path=str(shots / "09-catalog-refused.png"), full_page=True, caret="initial")
    good = tmp_path / "good.csv"
    good.write_text("sku,name,price,currency\nNEW-1,Kettle,19.99,BGN\n", encoding="utf-8")
    tab.set_input_files("input[type=file]", str(good))
    tab.click("form.bar button[type=submit]")
    expect(tab.locator("#upload-result")).to_contain_text("good.csv: 1 new")


def test_manager_acknowledges_an_alert(page: object, shots: Path) -> None:
    from playwright.sync_api import Page, expect

    tab: Page = page  # type: ignore[assignment]
    _login(tab)
    tab.goto("/alerts")
    rows = tab.locator("#alerts tbody tr")
    count = rows.count()
    assert count >= 2
    tab.screenshot(path=str(shots / "10-alerts.png"), full_page=True, caret="initial")
    first = rows.first.locator("td").first.inner_text()
    rows.first.locator("form[action$='/acknowledge'] button").click()
    tab.wait_for_url("**/alerts?done=acknowledge")
    expect(tab.locator(".notice")).to_have_text("Acknowledged.")
    expect(tab.locator("#alerts tbody tr")).to_have_count(count - 1)  # open ones only
    tab.goto("/alerts?show=all")
    acked = tab.locator("#alerts tbody tr", has=tab.locator(f"td:text-is('{first}')"))
    expect(acked).to_contain_text("acknowledged by manager")
    tab.screenshot(path=str(shots / "11-alerts-acknowledged.png"), full_page=True, caret="initial")
