"""Golden tests from saved pages (web-poet style): one folder per page, one test per field.

Each ``fixtures/<case>/`` holds ``page.html`` (a small synthetic page written for
these tests, in the style of a real shop) and ``expected.json`` with ``url``,
``today`` (the reference day for dates written without a year) and ``fields``:
the expected value of each field of the ``pricewatch extract --explain`` output.
Promotions compare on kind, value, code, quantities, threshold, instalments and
validity (not on wording).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spiders.extraction import extract

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").exists())
PROMO_KEYS = ("kind", "value", "code", "buy_qty", "pay_qty", "threshold", "instalments",
              "valid_until", "detail")


def _expected(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / case / "expected.json").read_text("utf-8"))
    return data


def _actual(case: str) -> dict[str, Any]:
    spec = _expected(case)
    body = (FIXTURES / case / "page.html").read_bytes()
    result = extract(body, url=spec.get("url"), today=date.fromisoformat(spec["today"]))
    data = result.to_dict(full=True)
    data["promotions"] = [{k: p[k] for k in PROMO_KEYS} for p in data["promotions"]]
    for key in ("shipping", "delivery", "warranty"):
        if data[key]:
            data[key] = {k: v for k, v in data[key].items() if k != "text"}
    return data


PARAMS = [(case, field) for case in CASES for field in _expected(case)["fields"]]


@pytest.mark.parametrize(("case", "field"), PARAMS, ids=[f"{c}:{f}" for c, f in PARAMS])
def test_golden_field(case: str, field: str) -> None:
    assert _actual(case)[field] == _expected(case)["fields"][field]


def test_every_case_has_a_page_and_all_fields() -> None:
    assert len(CASES) >= 5
    for case in CASES:
        assert (FIXTURES / case / "page.html").exists()
        assert {"price", "currency", "availability", "promotions"} <= set(
            _expected(case)["fields"])


@pytest.mark.parametrize("case", CASES)
def test_golden_pages_read_the_same_on_the_jsonld_fast_path(case: str) -> None:
    """``prefer="jsonld"`` (the crawl's fast path, no tree when JSON-LD is complete)
    gives the same fields as the full read."""
    from spiders.extraction import ExtractionHints

    spec = _expected(case)
    body = (FIXTURES / case / "page.html").read_bytes()
    fast = extract(body, url=spec.get("url"), today=date.fromisoformat(spec["today"]),
                   hints=ExtractionHints(prefer="jsonld")).to_dict(full=True)
    fast["promotions"] = [{k: p[k] for k in PROMO_KEYS} for p in fast["promotions"]]
    for key in ("shipping", "delivery", "warranty"):
        if fast[key]:
            fast[key] = {k: v for k, v in fast[key].items() if k != "text"}
    for field, value in spec["fields"].items():
        assert fast[field] == value, field
