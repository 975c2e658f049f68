"""Fault modes: ways a demo shop misbehaves, switchable per shop.

Any shop can be switched into these modes in-process (``handle.set_faults(shop, Faults(...))``)
or over HTTP (``POST /__control/fault`` with a JSON object, on the shop's own port;
``GET`` returns the current modes; ``POST {}`` switches everything off):

``rate_limit`` (bool)
    Every page except ``/robots.txt`` answers **429** with ``Retry-After: 1`` (a 429 wall).
``captcha`` (bool)
    Every page except ``/robots.txt`` answers **200** with a captcha form instead of content
    (``<form id="captcha-form">``, title "Проверка за сигурност / Are you a robot?").
``server_error`` (float 0..1)
    That share of product pages (fixed by the path) answers **500**.
``redirect_loop`` (bool)
    Every product page redirects (302) to ``/loop/a?to=...``, which redirects to
    ``/loop/b?...``, which redirects back to ``/loop/a?...`` for ever.
``drift_from_day`` (int or null) and ``drift_share`` (float, default 0.8)
    From that simulated day on, that share of product pages (fixed by the path) lost the
    price block: no visible price, old price, promotions or stock, and no offer in the
    structured data; title, identifiers and terms are still there ("selector drift").
``disallow`` (list of path prefixes)
    Added to robots.txt as ``Disallow:`` lines; product pages under them are expected not to
    be crawled (the server still serves them).

``troubleshop`` has fixed faults on top (``builtin``), by the product's position *i* in
its listing (sitemap order): *i* % 10 == 1 -> 500, 3 -> captcha page, 5 -> 429 wall,
7 -> redirect loop, 9 -> the page lives under ``/private/`` which robots.txt disallows;
the rest are good pages, and from day :data:`TROUBLE_DRIFT_DAY` on 80 % of those lose
their price block.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from demo.shops.universe import stable_fraction

TROUBLE_DRIFT_DAY = 3
"""The day troubleshop's price blocks vanish (selector drift) unless set otherwise."""

BUILTIN_BY_REMAINDER = {1: "server_error", 3: "captcha", 5: "rate_limit", 7: "redirect_loop",
                        9: "robots_disallowed"}


class FaultConfigError(ValueError):
    """A fault-mode request that cannot be applied (names the bad key or value)."""


@dataclass(frozen=True)
class Faults:
    """The fault modes switched on for one shop (see the module docstring)."""

    rate_limit: bool = False
    captcha: bool = False
    server_error: float = 0.0
    redirect_loop: bool = False
    drift_from_day: int | None = None
    drift_share: float = 0.8
    disallow: tuple[str, ...] = field(default_factory=tuple)
    builtin: bool = False

    @classmethod
    def default_for(cls, shop: str) -> Faults:
        """troubleshop's built-in faults; nothing for the other shops."""
        if shop == "troubleshop":
            return cls(builtin=True, drift_from_day=TROUBLE_DRIFT_DAY)
        return cls()

    @classmethod
    def from_json(cls, data: Any) -> Faults:
        """Build from a JSON object, with clear errors for unknown keys or bad values."""
        if not isinstance(data, dict):
            raise FaultConfigError("expected a JSON object such as {\"rate_limit\": true}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FaultConfigError(f"unknown fault mode(s) {unknown}; known: {sorted(known)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("rate_limit", "captcha", "redirect_loop", "builtin"):
                if not isinstance(value, bool):
                    raise FaultConfigError(f"{key} must be true or false")
            elif key in ("server_error", "drift_share"):
                if not isinstance(value, int | float) or not 0 <= value <= 1:
                    raise FaultConfigError(f"{key} must be a number between 0 and 1")
                value = float(value)
            elif key == "drift_from_day":
                if value is not None and (not isinstance(value, int) or value < 0):
                    raise FaultConfigError("drift_from_day must be a day number >= 0 or null")
            elif key == "disallow":
                if not isinstance(value, list) or not all(
                        isinstance(v, str) and v.startswith("/") for v in value):
                    raise FaultConfigError("disallow must be a list of paths starting with '/'")
                value = tuple(value)
            values[key] = value
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            "rate_limit": self.rate_limit, "captcha": self.captcha,
            "server_error": self.server_error, "redirect_loop": self.redirect_loop,
            "drift_from_day": self.drift_from_day, "drift_share": self.drift_share,
            "disallow": list(self.disallow), "builtin": self.builtin,
        }


def drifted(faults: Faults, path: str, day: int) -> bool:
    """Whether a product page lost its price block on this day."""
    return (faults.drift_from_day is not None and day >= faults.drift_from_day
            and stable_fraction("drift", path) < faults.drift_share)


def fault_for(faults: Faults, path: str, index: int, day: int) -> str | None:
    """The fault a product page shows (its `index` is its position in the shop's listing)."""
    if faults.builtin and index % 10 in BUILTIN_BY_REMAINDER:
        return BUILTIN_BY_REMAINDER[index % 10]
    if any(path.startswith(prefix) for prefix in faults.disallow):
        return "robots_disallowed"
    if faults.rate_limit:
        return "rate_limit"
    if faults.captcha:
        return "captcha"
    if faults.server_error and stable_fraction("500", path) < faults.server_error:
        return "server_error"
    if faults.redirect_loop:
        return "redirect_loop"
    if drifted(faults, path, day):
        return "drift"
    return None


CAPTCHA_PAGE = """<!doctype html>
<html lang="bg"><head><meta charset="utf-8"><title>Проверка за сигурност / Are you a robot?</title>
<meta name="robots" content="noindex"></head>
<body class="captcha-page">
<h1>Моля, потвърдете, че не сте робот</h1>
<p>Please confirm you are not a robot. We have detected unusual traffic from your network.</p>
<form id="captcha-form" action="/__captcha" method="post">
<div class="g-recaptcha" data-sitekey="6LdemoDEMOdemoDEMOdemo"></div>
<input type="hidden" name="challenge" value="c9f1e2">
<button type="submit">Продължи / Continue</button>
</form></body></html>
"""
