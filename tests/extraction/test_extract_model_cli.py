"""The JSON contract of ExtractedProduct.to_dict and the `pricewatch extract` command."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from spiders.extraction import ExtractedProduct
from spiders.extraction.identifiers import valid_gtin

from .support import jsonld, page

CONTRACT_KEYS = ["url", "title", "price", "regular_price", "currency", "currency_raw",
                 "secondary_price", "secondary_currency", "availability", "sku", "gtin", "mpn", "brand", "promotions", "shipping",
                 "delivery", "warranty", "extractor", "confidence"]

PAGE = page('<p class="price">1.299,00 €</p><p>Code: SAVE10 -10%</p>'
            "<p>Free shipping over €50</p>", lang="de", title="Waschmaschine")


def test_to_dict_has_exactly_the_contract_keys() -> None:
    assert list(ExtractedProduct(url="u").to_dict()) == CONTRACT_KEYS
    full = ExtractedProduct(url="u").to_dict(full=True)
    assert list(full)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    assert {"reason", "returns_days", "candidates"} <= set(full)


@pytest.mark.parametrize(
    ("value", "valid"),
    [("4006381333931", True), ("4006381333932", False), ("0 12345 67890 5", True),
     ("96385074", True), ("12345678", False), ("00000000", False), ("abc", False),
     ("978-0-306-40615-7", True), ("12345", False)],
)
def test_gtin_check_digit(value: str, valid: bool) -> None:
    assert (valid_gtin(value) is not None) == valid


def test_cli_single_file_and_gzip(tmp_path: Path) -> None:
    plain = tmp_path / "page.html"
    plain.write_bytes(PAGE)
    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(PAGE))
    runner = CliRunner()
    outputs = []
    for path in (plain, packed):
        done = runner.invoke(cli, ["extract", str(path), "--url", "https://shop.example.de/p/1"])
        assert done.exit_code == 0, done.output
        outputs.append(json.loads(done.output))
    assert outputs[0] == outputs[1]
    data = outputs[0]
    assert list(data) == CONTRACT_KEYS
    assert (data["url"], data["price"], data["currency"], data["title"]) == (
        "https://shop.example.de/p/1", "1299.00", "EUR", "Waschmaschine")
    assert {p["kind"] for p in data["promotions"]} == {"coupon", "free_shipping"}
    assert data["shipping"]["free_threshold"] == "50"


def test_cli_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope.html")])
    assert done.exit_code != 0
    assert "nope.html: no such file" in done.output


def test_cli_explain_adds_reason_and_candidates(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_bytes(page("<p>nothing to buy</p>"))
    data = json.loads(CliRunner().invoke(cli, ["extract", str(path), "--explain"]).output)
    assert data["price"] is None and "no price found" in data["reason"]
    assert isinstance(data["candidates"], list)


def test_cli_batch_keeps_order_and_reports_bad_lines(tmp_path: Path) -> None:
    files = []
    for i, price in enumerate(["10,00 €", "20,00 €", "30,00 €"]):
        path = tmp_path / f"p{i}.html.gz"
        path.write_bytes(gzip.compress(page(f'<p class="price">{price}</p>')))
        files.append(path)
    lines = [json.dumps({"path": str(files[2]), "url": "https://s.example.de/3"}),
             "not json",
             json.dumps({"path": str(tmp_path / "missing.html"), "url": "https://s.example.de/x"}),
             json.dumps({"path": str(files[0]), "url": "https://s.example.de/1"}),
             json.dumps({"path": str(files[1])})]
    done = CliRunner().invoke(cli, ["extract", "--batch"], input="\n".join(lines) + "\n")
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["price"] for o in out] == ["30.00", None, None, "10.00", "20.00"]
    assert [o["url"] for o in out] == ["https://s.example.de/3", None, "https://s.example.de/x",
                                       "https://s.example.de/1", None]
    assert "line 2" in out[1]["error"] and "missing.html: no such file" in out[2]["error"]
    assert all(list(o)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS for o in out)
    assert done.exit_code == 1


def test_cli_batch_in_a_real_process(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_bytes(page("", head=jsonld({"@type": "Product", "name": "Kettle", "offers": {
        "@type": "Offer", "price": "35.00", "priceCurrency": "BGN",
        "availability": "https://schema.org/InStock"}})))
    line = json.dumps({"path": str(path), "url": "https://shop.example.bg/p/k"}) + "\n"
    done = subprocess.run([sys.executable, "-m", "monitor", "extract", "--batch"], input=line,
                          capture_output=True, text=True, check=True, timeout=60)
    data = json.loads(done.stdout)
    assert (data["price"], data["currency"], data["extractor"]) == ("35.00", "BGN", "jsonld")
