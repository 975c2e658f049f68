"""Helpers for the report tests: real headless Chromium and real pdftoppm.

`inspect_report(html)` copies the report, appends a small check script that runs on the
page's load event (reads the images' natural sizes, clicks a header twice to sort, picks
a filter, looks for the hostile name's side effect) and writes its results as JSON into
the DOM, then has Debian's Chromium load the page and dump the DOM.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-extensions",
    "--disable-sync", "--mute-audio",
)

CHECK_SCRIPT = r"""
<script>
window.addEventListener("load", function () {
  var out = {};
  out.images = Array.prototype.map.call(document.querySelectorAll("img.chart"), function (img) {
    return {id: img.parentNode.id, complete: img.complete, w: img.naturalWidth,
            h: img.naturalHeight, shownW: img.getBoundingClientRect().width};
  });
  out.pwned = typeof window.__pwned !== "undefined";
  out.scriptTags = document.querySelectorAll("script").length;
  var table = document.getElementById("findings-table");
  if (table) {
    var body = table.tBodies[0];
    out.rows = body.rows.length;
    out.headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) {
      return c.getAttribute("data-key");
    });
    out.products = Array.prototype.map.call(body.rows, function (r) {
      return r.cells[0].firstChild.textContent;
    });
    function column(key) {
      var index = out.headers.indexOf(key);
      return Array.prototype.map.call(body.rows, function (r) {
        var v = r.cells[index].getAttribute("data-v");
        return v === "" ? null : v;
      });
    }
    var gapIndex = out.headers.indexOf("gap");
    table.tHead.rows[0].cells[gapIndex].click();
    out.gapAsc = column("gap");
    table.tHead.rows[0].cells[gapIndex].click();
    out.gapDesc = column("gap");
    var compIndex = out.headers.indexOf("competitor");
    table.tHead.rows[0].cells[compIndex].click();
    out.competitorAsc = column("competitor");
    var select = document.getElementById("f-competitor");
    out.filterOptions = Array.prototype.slice.call(select.options, 1).map(function (o) { return o.value; });
    out.filtered = {};
    out.filterOptions.forEach(function (value) {
      select.value = value;
      select.dispatchEvent(new Event("change"));
      out.filtered[value] = {
        visible: Array.prototype.filter.call(body.rows, function (r) { return !r.hidden; }).length,
        shownCount: document.getElementById("shown-count").textContent
      };
    });
    select.value = "";
    select.dispatchEvent(new Event("change"));
    out.afterReset = Array.prototype.filter.call(body.rows, function (r) { return !r.hidden; }).length;
  }
  var pre = document.createElement("pre");
  pre.id = "pw-test-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def chromium_path() -> str:
    """Debian's Chromium, or skip (outside CI) / fail (under CI=true) with the reason."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    reason = "Debian's chromium is not installed (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true the browser checks must run")
    pytest.skip(reason)


def pdftoppm_path() -> str:
    found = shutil.which("pdftoppm")
    if found:
        return found
    reason = "pdftoppm is not installed (apt-get install -y poppler-utils)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true the PDF checks must run")
    pytest.skip(reason)


def _run_chromium(args: list[str], profile: Path) -> str:
    command = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise AssertionError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def inspect_report(html: Path, work: Path) -> dict[str, Any]:
    """Load a copy of the report with the check script in Chromium; return its findings."""
    page = work / ("checked-" + html.name)
    text = html.read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", CHECK_SCRIPT + "</body>"), encoding="utf-8")
    dom = _run_chromium(["--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
                        work / "chromium-profile")
    found = re.search(r'<pre id="pw-test-result">(.*?)</pre>', dom, re.S)
    assert found, f"the check script did not run; DOM tail: {dom[-1500:]}"
    return dict(json.loads(unescape(found.group(1))))


def screenshot(html: Path, png: Path, work: Path, height: int = 2400) -> Path:
    """A full-width screenshot of the report (for people to look at, and a smoke check)."""
    _run_chromium(["--hide-scrollbars", f"--window-size=1400,{height}",
                   f"--screenshot={png}", html.as_uri()], work / "chromium-profile")
    return png


def pdf_pages(pdf: Path, work: Path, dpi: int = 40) -> list[Path]:
    """The PDF's pages as PNG files, rendered by poppler's pdftoppm."""
    prefix = work / "page"
    subprocess.run([pdftoppm_path(), "-r", str(dpi), "-png", str(pdf), str(prefix)],
                   check=True, capture_output=True, timeout=120)
    return sorted(work.glob("page-*.png"))


def ink_ratio(png: Path) -> float:
    """Share of pixels that are not (near) white: 0.0 means an empty page."""
    from PIL import Image

    with Image.open(png) as image:
        gray = image.convert("L")
        histogram = gray.histogram()
    total = sum(histogram)
    return sum(histogram[:235]) / total if total else 0.0
