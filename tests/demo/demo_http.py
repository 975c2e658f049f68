"""HTTP helpers for the demo-shop tests: a small urllib client and a price parser."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from email.message import Message


@dataclass
class Fetched:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_plain = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, data: bytes | None = None, follow: bool = True) -> Fetched:
    """GET (or POST with `data`) over real HTTP; 4xx/5xx come back, not raise."""
    opener = urllib.request.build_opener() if follow else _plain
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with opener.open(request, timeout=10) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as exc:
        return Fetched(exc.code, exc.headers, exc.read())


def money_text(text: str) -> Decimal:
    """'1 299,00 лв.' / '1.299,00 €' / '1,299.00' -> Decimal (test-side parser)."""
    digits = re.sub(r"[^\d,.]", "", text.replace("\u00a0", " ")).strip(".,")
    if re.search(r",\d{2}$", digits):
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", "")
    return Decimal(digits)
