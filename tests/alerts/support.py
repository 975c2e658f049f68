"""Test helpers for the alert tests: a world of rows built through the models, and real
servers on 127.0.0.1 (an aiosmtpd SMTP server and an http.server webhook receiver)."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import Engine

from storage.models import (
    CompareRun,
    Competitor,
    CrawlRun,
    Finding,
    Listing,
    Match,
    Observation,
    Product,
    Promotion,
    table,
)

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
"""The first night; night n is T0 + n days."""


def night(n: int) -> datetime:
    return T0 + timedelta(days=n)


def _insert(engine: Engine, model: Any, **values: Any) -> int:
    with engine.begin() as conn:
        key = conn.execute(table(model).insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


@dataclass
class World:
    """Rows for one test, created through the Core tables of the models."""

    engine: Engine
    runs: dict[tuple[int, int], int] = field(default_factory=dict)

    def competitor(self, name: str, currency: str = "EUR") -> int:
        return _insert(self.engine, Competitor, name=name, base_url=f"http://127.0.0.1/{name}/",
                       currency=currency, settings={}, enabled=True, created_at=T0)

    def product(self, sku: str, price: str, *, name: str | None = None, category: str | None = "kitchen",
                priority: int = 1, cost: str | None = None, currency: str = "EUR") -> int:
        return _insert(self.engine, Product, sku=sku, name=name or f"Product {sku}", category=category,
                       price=Decimal(price), currency=currency, cost=None if cost is None else Decimal(cost),
                       priority=priority, active=True, created_at=T0, updated_at=T0)

    def listing(self, competitor_id: int, slug: str, *, title: str | None = None,
                first_seen: datetime = T0) -> int:
        return _insert(self.engine, Listing, competitor_id=competitor_id,
                       url=f"http://127.0.0.1/c{competitor_id}/{slug}", variant="", title=title or slug,
                       first_seen=first_seen, last_seen=first_seen, active=True)

    def match(self, product_id: int, listing_id: int, *, status: str = "auto",
              confidence: float = 0.95, created_at: datetime = T0) -> int:
        return _insert(self.engine, Match, product_id=product_id, listing_id=listing_id, method="gtin",
                       confidence=confidence, status=status, created_at=created_at, updated_at=created_at)

    def crawl_run(self, competitor_id: int, n: int, *, suspect: bool = False,
                  reason: str | None = None) -> int:
        """The crawl run of `competitor_id` on night `n` (created once)."""
        key = (competitor_id, n)
        if key not in self.runs:
            self.runs[key] = _insert(
                self.engine, CrawlRun, competitor_id=competitor_id, started_at=night(n),
                finished_at=night(n) + timedelta(minutes=30), status="finished", counts={"ok": 1},
                stats={}, suspect=suspect, suspect_reason=reason,
            )
        return self.runs[key]

    def observe(self, listing_id: int, n: int, price: str | None = "100.00", *, status: str = "ok",
                availability: str | None = "InStock", regular: str | None = None,
                promotions: list[dict[str, Any]] | None = None, currency: str = "EUR",
                quick: bool = False, extractor: str | None = "jsonld", hours: float = 0,
                **terms: Any) -> int:
        """An observation of a listing on night `n`, with its promotion rows. A full reading
        stores its promotions as a list (none: []); a quick one did not read them (NULL).
        `hours` after the night's start, it is another crawl of the same night (a retry)."""
        if promotions is None and not quick:
            promotions = []
        with self.engine.connect() as conn:
            comp = conn.execute(
                table(Listing).select().where(table(Listing).c.id == listing_id)
            ).one().competitor_id
        if hours:
            run = self.runs.setdefault((comp, n * 1000 + int(hours * 10)), _insert(
                self.engine, CrawlRun, competitor_id=comp, started_at=night(n) + timedelta(hours=hours),
                finished_at=night(n) + timedelta(hours=hours, minutes=30), status="finished",
                counts={"ok": 1}, stats={}, suspect=False))
        else:
            run = self.crawl_run(comp, n)
        at = night(n) + timedelta(hours=hours)
        if quick and extractor:
            extractor = f"{extractor}/quick"
        obs_id = _insert(
            self.engine, Observation, listing_id=listing_id, crawl_run_id=run, observed_at=at,
            status=status, price=None if price is None else Decimal(price),
            regular_price=None if regular is None else Decimal(regular), currency=currency,
            availability=availability, extractor=extractor, **terms,
            promotions=None if promotions is None else [
                {k: str(v) if isinstance(v, Decimal) else v for k, v in p.items()} for p in promotions
            ],
        )
        for promo in promotions or []:
            _insert(self.engine, Promotion, listing_id=listing_id, crawl_run_id=run, observed_at=at,
                    kind=promo["kind"], value=promo.get("value"), code=promo.get("code"),
                    text=promo.get("text"))
        return obs_id

    def compare_run(self, n: int) -> int:
        return _insert(self.engine, CompareRun, started_at=night(n), finished_at=night(n),
                       settings={}, summary={})

    def finding(self, run_id: int, product_id: int, competitor_id: int, listing_id: int, kind: str, *,
                our: str = "100.00", their: str = "90.00", impact: str | None = None,
                reason: str = "cheaper") -> int:
        gap = Decimal(our) - Decimal(their)
        return _insert(
            self.engine, Finding, compare_run_id=run_id, product_id=product_id,
            competitor_id=competitor_id, listing_id=listing_id, kind=kind, currency="EUR",
            our_price=Decimal(our), our_effective=Decimal(our), their_price=Decimal(their),
            their_effective=Decimal(their), gap=gap, gap_pct=(gap * 100 / Decimal(our)).quantize(Decimal("0.01")),
            impact=None if impact is None else Decimal(impact), reason=reason, details={},
            created_at=T0,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

    def __init__(self, port: int | None = None, *, password: str | None = None) -> None:
        self.port = port or free_port()
        self.password = password
        self.messages: list[EmailMessage] = []
        self.logins: list[tuple[str, str]] = []
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        user = auth_data.login.decode()
        password = auth_data.password.decode()
        self.logins.append((user, password))
        return AuthResult(success=password == self.password, handled=False)

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        kwargs: dict[str, Any] = {}
        if self.password is not None:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class WebhookSink:
    """A real HTTP server on 127.0.0.1 recording each POST (path, headers, JSON body)."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                sink.requests.append({"path": self.path, "headers": dict(self.headers), "json": body})
                self.send_response(sink.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> WebhookSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
