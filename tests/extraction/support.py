"""Helpers for extraction tests: small inline product pages."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from spiders.extraction import ExtractedProduct, ExtractionHints, extract


def page(body: str, *, head: str = "", lang: str = "en", title: str = "Test product") -> bytes:
    """A minimal product page around ``body`` (with an h1 and a buy button unless given)."""
    if "<h1" not in body:
        body = f"<h1>{title}</h1>{body}"
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title}</title>{head}</head><body><main>{body}</main></body></html>"
            ).encode()


def jsonld(data: Any) -> str:
    """A JSON-LD script tag."""
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def run(body: str, *, url: str | None = "https://shop.example.com/p/1", head: str = "",
        lang: str = "en", **hints: Any) -> ExtractedProduct:
    """Extract from an inline page."""
    return extract(page(body, head=head, lang=lang), url=url,
                   hints=ExtractionHints(**hints) if hints else None)


def D(value: str) -> Decimal:
    """Decimal literal."""
    return Decimal(value)
