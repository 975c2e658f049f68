"""Score the extractor on the shared corpus of real product pages.

Scoring follows the corpus README (the product-extraction benchmark's rule):
per attribute, a prediction equal to one of the accepted values is a true
positive; a wrong value is a false positive (and a false negative when a value
was expected); a missing value where one was expected is a false negative.
Prices compare as decimals. Currency is right when the ISO code matches the
annotated symbol's code (resolved with the page's domain), when the raw symbol
matches, or when the annotation is an ambiguous symbol ("$", "kr", "¥", "Rs")
and the code is one that symbol stands for.

    .venv/bin/python bench/extract_corpus.py [--corpus DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spiders.extraction import ExtractedProduct, extract  # noqa: E402
from spiders.extraction.currency import (  # noqa: E402
    AMBIGUOUS_FAMILY,
    find_currency,
    resolve_symbol,
    tld_of,
)

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "product-pages"
ATTRIBUTES = ("price", "availability", "currency", "sku", "brand", "mpn", "gtin")


@dataclass
class Score:
    """Counts for one attribute."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _as_decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        return None


def _predicted(product: ExtractedProduct, attr: str) -> Any:
    if attr == "availability":
        return product.availability.value if product.availability else None
    return getattr(product, attr)


def _matches(attr: str, predicted: Any, expected: list[str], product: ExtractedProduct,
             url: str) -> bool:
    if attr == "price":
        return any(_as_decimal(e) == predicted for e in expected)
    if attr == "currency":
        tld = tld_of(url)
        for e in expected:
            raw = find_currency(e) or e
            if resolve_symbol(raw, None, tld) == predicted or e == product.currency_raw:
                return True
            if predicted in AMBIGUOUS_FAMILY.get(raw.strip().lower(), ()):
                return True  # "$" on a Taiwanese shop is TWD: the symbol alone allows it
        return False
    norm = str(predicted).strip().lower()
    return any(norm == str(e).strip().lower() for e in expected)


def score(corpus: Path, verbose: bool = False) -> tuple[dict[str, Score], list[float]]:
    """Run the extractor over every page and count per attribute."""
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    scores = {attr: Score() for attr in ATTRIBUTES}
    timings: list[float] = []
    for page_id, expected in sorted(truth.items()):
        path = corpus / "html" / f"{page_id}.html.gz"
        body = gzip.decompress(path.read_bytes())
        start = time.perf_counter()
        product = extract(body, url=expected["url"])
        timings.append((time.perf_counter() - start) * 1000)
        for attr in ATTRIBUTES:
            want = expected.get(attr)
            got = _predicted(product, attr)
            s = scores[attr]
            if got is None:
                if want:
                    s.fn += 1
                    s.misses.append(f"{page_id[:8]} missing, want {want}")
                continue
            if want and _matches(attr, got, want, product, expected["url"]):
                s.tp += 1
                continue
            s.fp += 1
            if want:
                s.fn += 1
            s.misses.append(f"{page_id[:8]} got {got} ({product.extractor}), want {want}")
        if verbose:
            print(f"{page_id[:8]} {product.price!s:>10} {product.currency!s:4} "
                  f"{_predicted(product, 'availability')!s:12} {product.extractor!s:20} "
                  f"{product.confidence:.2f} {timings[-1]:7.1f} ms")
    return scores, timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per page")
    parser.add_argument("--misses", action="store_true", help="list every wrong/missing value")
    args = parser.parse_args()
    if not (args.corpus / "ground-truth.json").exists():
        print(f"SKIPPED: corpus not found at {args.corpus} (needs ../shared/corpus/product-pages)")
        return 0
    scores, timings = score(args.corpus, args.verbose)
    print(f"{'attribute':<13}{'TP':>4}{'FP':>4}{'FN':>4}{'precision':>11}{'recall':>8}{'F1':>7}")
    for attr, s in scores.items():
        print(f"{attr:<13}{s.tp:>4}{s.fp:>4}{s.fn:>4}{s.precision:>11.3f}{s.recall:>8.3f}"
              f"{s.f1:>7.3f}")
    timings.sort()
    print(f"pages: {len(timings)}, extract ms per page: median {timings[len(timings) // 2]:.1f},"
          f" max {timings[-1]:.1f}, total {sum(timings):.0f}")
    if args.misses:
        for attr, s in scores.items():
            for miss in s.misses:
                print(f"  {attr}: {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
