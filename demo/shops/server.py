"""Serving the demo shops over real HTTP (standard library only).

Each shop gets its own ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive) on its own loopback
port. All shops share one :class:`World`: the simulated day and each shop's fault modes.

Every 200 answer carries a strong `ETag` (a hash of its body) and a request sending it
back in `If-None-Match` gets `304 Not Modified`, as a real shop's server does.

Control endpoints, on every shop's port (disallowed in robots.txt):

* ``GET /__control/day`` -> the current day; ``POST /__control/day`` with body ``n`` sets
  the day for *all* shops (so a crawler in another process sees the change);
* ``GET /__control/fault`` -> this shop's fault modes as JSON; ``POST /__control/fault``
  with a JSON object sets them (see :mod:`demo.shops.faults`); add ``"shop": "name"`` to
  address another shop.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from demo.shops.faults import CAPTCHA_PAGE, FaultConfigError, Faults, fault_for
from demo.shops.pages import site_for
from demo.shops.pages.base import Request, ShopSite
from demo.shops.pages.common import Response
from demo.shops.spec import SHOP_NAMES
from demo.shops.truth import ProductTruth, truth

CACHE_SIZE = 4096


class World:
    """State shared by all shop servers: the seed, the day and the fault modes."""

    def __init__(self, seed: int, day: int, shops: tuple[str, ...]) -> None:
        self.seed = seed
        self._day = day
        self._lock = threading.Lock()
        self.sites: dict[str, ShopSite] = {name: site_for(name, seed) for name in shops}
        self.faults: dict[str, Faults] = {name: Faults.default_for(name) for name in shops}
        self._cache: OrderedDict[tuple[Any, ...], Response] = OrderedDict()

    @property
    def day(self) -> int:
        return self._day

    def set_day(self, day: int) -> None:
        if not isinstance(day, int) or day < 0:
            raise ValueError(f"day must be an integer >= 0, got {day!r}")
        with self._lock:
            self._day = day
            self._cache.clear()

    def set_faults(self, shop: str, faults: Faults) -> None:
        if shop not in self.sites:
            raise KeyError(f"no shop named {shop!r} is running (running: {sorted(self.sites)})")
        with self._lock:
            self.faults[shop] = faults
            self._cache.clear()

    def cached(self, key: tuple[Any, ...], make: Any) -> Response:
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        response: Response = make()
        with self._lock:
            self._cache[key] = response
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return response


def answer(world: World, shop: str, method: str, target: str, host: str,
           body: bytes = b"") -> Response:
    """The response of `shop` to one request (the whole routing, without sockets)."""
    parts = urlsplit(target)
    path = parts.path or "/"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if path.startswith("/__control/"):
        return _control(world, shop, method, path, body)
    day = world.day
    faults = world.faults[shop]
    site = world.sites[shop]
    base_url = f"http://{host}/"
    if path == "/robots.txt":
        return Response.text(site.robots_txt(Request(path, query, base_url, day),
                                             extra=faults.disallow))
    if faults.rate_limit:
        return _too_many()
    if faults.captcha:
        return Response.html(CAPTCHA_PAGE)
    if path in ("/loop/a", "/loop/b"):
        other = "/loop/b" if path == "/loop/a" else "/loop/a"
        return Response.redirect(f"{other}?to={quote(query.get('to', '/'))}")
    found = site.listing_for(path, query)
    drift = False
    if found is not None:
        index, listing = found
        fault = fault_for(faults, listing.path, index, day)
        if fault == "rate_limit":
            return _too_many()
        if fault == "captcha":
            return Response.html(CAPTCHA_PAGE)
        if fault == "server_error":
            return Response.html("<!doctype html><title>500</title><h1>Internal Server Error</h1>",
                                 500)
        if fault == "redirect_loop":
            return Response.redirect(f"/loop/a?to={quote(listing.path)}")
        drift = fault == "drift"
    request = Request(path, query, base_url, day, drift)
    key = (shop, day, target, host, drift)
    return world.cached(key, lambda: site.handle(request))


def entity_tag(body: bytes) -> str:
    """A strong ETag for a body: it changes exactly when the body does."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def conditional(response: Response, method: str, if_none_match: str | None) -> Response:
    """Every 200 answer to GET/HEAD carries an `ETag`; a request whose `If-None-Match`
    names it gets `304 Not Modified` with no body (RFC 9110 13.1.2: weak comparison)."""
    if response.status != 200 or method not in ("GET", "HEAD"):
        return response
    tag = entity_tag(response.body)
    if if_none_match:
        offered = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if tag in offered or "*" in offered:
            return Response(304, b"", {"ETag": tag})
    return Response(response.status, response.body, {**response.headers, "ETag": tag})


def _too_many() -> Response:
    response = Response.html("<!doctype html><title>429 Too Many Requests</title>"
                             "<h1>Too Many Requests</h1><p>Please slow down.</p>", 429)
    response.headers["Retry-After"] = "1"
    return response


def _control(world: World, shop: str, method: str, path: str, body: bytes) -> Response:
    if path == "/__control/day":
        if method == "POST":
            text = body.decode(errors="replace").strip()
            if not text.isdigit():
                return Response.text(f"day must be an integer >= 0, got {text!r}\n", 400)
            world.set_day(int(text))
        return Response.text(f"{world.day}\n")
    if path == "/__control/fault":
        target = shop
        if method == "POST":
            try:
                data = json.loads(body.decode() or "{}")
                if isinstance(data, dict) and "shop" in data:
                    target = str(data.pop("shop"))
                world.set_faults(target, Faults.from_json(data))
            except (ValueError, KeyError) as exc:
                message = exc.args[0] if isinstance(exc, FaultConfigError | KeyError) else (
                    f"body is not JSON: {exc}")
                return Response.text(f"{message}\n", 400)
        return Response.json(world.faults[target].to_json())
    return Response.not_found()


def _handler_class(world: World, shop: str) -> type[BaseHTTPRequestHandler]:
    class ShopHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"demo-{shop}/1.0"

        def _serve(self, method: str) -> None:
            address: Any = self.server.server_address
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host") or f"{address[0]}:{address[1]}"
            try:
                response = answer(world, shop, method, self.path, host, body)
            except Exception as exc:  # a bug in a demo page must not kill the server
                response = Response.text(f"demo shop error: {exc!r}\n", 500)
            response = conditional(response, method, self.headers.get("If-None-Match"))
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.status != 304:  # a 304 has no body (and says nothing of its size)
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_HEAD(self) -> None:
            self._serve("HEAD")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ShopHandler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class ShopsHandle:
    """Running demo shops. Use as a context manager, or call :meth:`stop`."""

    def __init__(self, world: World, servers: dict[str, ThreadingHTTPServer], host: str) -> None:
        self.world = world
        self._servers = servers
        self._threads: list[threading.Thread] = []
        self.base_urls: dict[str, str] = {
            name: f"http://{host}:{server.server_address[1]}/" for name, server in servers.items()
        }
        for name, server in servers.items():
            thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                                      name=f"shop-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    @property
    def day(self) -> int:
        return self.world.day

    @property
    def seed(self) -> int:
        return self.world.seed

    def set_day(self, day: int) -> None:
        """Switch every shop to simulated day `day`."""
        self.world.set_day(day)

    def set_faults(self, shop: str, faults: Faults) -> None:
        """Switch a shop's fault modes (``Faults()`` switches them off)."""
        self.world.set_faults(shop, faults)

    def truth(self, shop: str, day: int | None = None) -> list[ProductTruth]:
        """The truth for a shop on `day` (default: today) under its current fault modes."""
        return truth(shop, self.day if day is None else day, self.seed, self.world.faults[shop])

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> ShopsHandle:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_shops(day: int = 0, seed: int = 42, host: str = "127.0.0.1",
                ports: dict[str, int] | None = None,
                shops: tuple[str, ...] | list[str] | None = None) -> ShopsHandle:
    """Start the demo shops (all by default) on free loopback ports, or on `ports`."""
    names = tuple(shops) if shops is not None else SHOP_NAMES
    unknown = sorted(set(names) - set(SHOP_NAMES))
    if unknown:
        raise ValueError(f"unknown shop(s) {unknown}; known: {list(SHOP_NAMES)}")
    world = World(seed, day, names)
    servers: dict[str, ThreadingHTTPServer] = {}
    try:
        for name in names:
            port = (ports or {}).get(name, 0)
            servers[name] = _Server((host, port), _handler_class(world, name))
    except OSError:
        for server in servers.values():
            server.server_close()
        raise
    return ShopsHandle(world, servers, host)
