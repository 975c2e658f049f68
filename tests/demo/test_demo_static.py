"""The bench shop generator, the nginx helper and the `python -m demo.shops` commands."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from demo_http import fetch
from parsel import Selector

from demo.shops.pages.plainshop import SELECTORS
from demo.shops.static import generate_static

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # bench/ is a folder of scripts, not an installed package

from bench.nginx_shop import NginxError, serve_static  # noqa: E402


def _truth(folder: Path) -> list[dict[str, str]]:
    lines = (folder / "_truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _money(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d,]", "", text).replace(",", "."))


@pytest.mark.parametrize("style", ["jsonld", "plain"])
def test_generate_writes_realistic_pages(tmp_path: Path, style: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demo.shops", "generate", "--products", "120", "--style", style,
         "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "wrote 120 product pages" in result.stdout
    pages = sorted((tmp_path / "p").glob("*.html"))
    assert len(pages) == 120
    sizes = [p.stat().st_size for p in pages]
    assert 30_000 < sum(sizes) / len(sizes) < 50_000
    expected = {row["path"]: row for row in _truth(tmp_path)}
    for page in pages[::10]:
        sel = Selector(text=page.read_text(encoding="utf-8"))
        row = expected[f"/p/{page.name}"]
        ld = sel.css('script[type="application/ld+json"]::text').get()
        if style == "jsonld":
            assert ld is not None and Decimal(json.loads(ld)["offers"]["price"]) == Decimal(
                row["price"])
        else:
            assert ld is None
        assert _money(sel.css(SELECTORS["price"]).get("")) == Decimal(row["price"])
    listed: set[str] = set()
    for listing in (tmp_path / "c").rglob("*.html"):
        sel = Selector(text=listing.read_text(encoding="utf-8"))
        listed.update(sel.css("a.artikul-link::attr(href)").getall())
    assert listed == set(expected)


def test_nginx_serves_the_generated_shop(tmp_path: Path) -> None:
    generate_static(tmp_path, products=60, style="jsonld")
    try:
        context = serve_static(tmp_path)
        base_url = context.__enter__()
    except NginxError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"nginx unavailable: {exc}")
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", base_url)
        sitemap = fetch(base_url + "sitemap.xml")
        assert sitemap.status == 200
        urls = re.findall(r"<loc>(.*?)</loc>", sitemap.text)
        assert len(urls) == 60 and all(u.startswith(base_url) for u in urls)
        assert f"Sitemap: {base_url}sitemap.xml" in fetch(base_url + "robots.txt").text
        page = fetch(urls[5])
        assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
        assert fetch(base_url + "p/nothing-here.html").status == 404
    finally:
        context.__exit__(None, None, None)
    with pytest.raises(OSError):
        fetch(base_url + "sitemap.xml")


def test_serve_command_prints_urls_and_stops_on_ctrl_c() -> None:
    # A child inherits an ignored SIGINT (a test run started in the background by a shell
    # without job control): Python then installs no KeyboardInterrupt. Ctrl-C from a
    # terminal is what is tested, so the child starts with the default disposition.
    proc = subprocess.Popen([sys.executable, "-m", "demo.shops", "serve", "--day", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stdout is not None
        header = proc.stdout.readline()
        assert "day 2" in header
        urls = dict(line.split() for line in (proc.stdout.readline() for _ in range(6)))
        assert set(urls) >= {"jsonshop", "woostore", "shopifyish", "plainshop", "jsshop"}
        assert fetch(urls["jsonshop"] + "__control/day").text.strip() == "2"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
