"""Response times of the web app on a big history, through a real HTTP client against the
running server (`pricewatch web` in its own process).

    .venv/bin/python bench/web.py [--products 10000] [--days 30] [--competitors 5]
                                  [--requests 40] [--db sqlite|postgresql|both] [--keep]

Builds the history with `tests.support.sample_data` (one crawl per competitor per night,
one comparison per night with its findings, 50 unsure matches in the review queue) in a
temporary SQLite file and/or a fresh schema of the PostgreSQL test database
($PRICEWATCH_TEST_DATABASE_URL, default postgres@127.0.0.1:5432/test), starts
`pricewatch web` on a free 127.0.0.1 port, logs in with httpx, and times each page and
three API routes: a few warm-up requests, then --requests timed ones, one at a time.
On PostgreSQL the generated history is vacuumed and analysed, as autovacuum would.
With --keep the database stays (a file in the temp directory, a schema named after the
sizes) and the next --keep run with the same sizes reuses it instead of generating again
(migrations are applied to it first).
Prints p50 and p95 per route; target: p95 under 200 ms for every page.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

# Run as a script, bench/ comes first on sys.path, where bench/storage.py would shadow the
# `storage` package: look the project up from its root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import httpx  # noqa: E402
from sqlalchemy import func, inspect, make_url, select, text  # noqa: E402

from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Finding, Observation, Product, table  # noqa: E402
from storage.repos import web as accounts  # noqa: E402
from tests.support.sample_data import CompetitorSample, SampleSpec, generate  # noqa: E402
from web.security import hash_password  # noqa: E402

PASSWORD = "bench password 1"
PG = os.environ.get("PRICEWATCH_TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COMPETITORS = (
    CompetitorSample("alpha", "Alpha Market", "EUR", leva_nights=4, suspect_day=3),
    CompetitorSample("bravo", "Bravo Shop", "EUR"),
    CompetitorSample("charlie", "Чарли ООД", "EUR", failing_last_days=2),
    CompetitorSample("delta", "Delta Store", "EUR", leva_nights=10),
    CompetitorSample("echo", "Echo Tech", "EUR"),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(url: str, spec: SampleSpec) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(table(Product))).scalar_one()
    if not existing:
        started = time.perf_counter()
        generate(engine, spec)
        print(f"  history generated in {time.perf_counter() - started:.0f} s", flush=True)
        if engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load (the test server runs without it):
            # planner statistics, and latest_observation's rows replaced a million times
            # by its trigger cleaned up.
            tables = ", ".join(f'"{name}"' for name in inspect(engine).get_table_names())
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f"VACUUM ANALYZE {tables}"))  # this schema's tables only
    elif existing != spec.products:
        raise SystemExit(f"{url}: holds {existing:,} products, not {spec.products:,} (a kept "
                         "history cut short?): delete it and run again")
    else:
        print("  reusing the kept history", flush=True)
    with engine.begin() as conn:
        if accounts.user_by_name(conn, "bench") is None:
            accounts.add_user(conn, "bench", hash_password(PASSWORD), "manager")
    with engine.connect() as conn:
        obs = conn.execute(select(func.count()).select_from(table(Observation))).scalar_one()
        found = conn.execute(select(func.count()).select_from(table(Finding))).scalar_one()
    print(f"  {spec.products:,} products, {len(spec.competitors)} competitors, {spec.days} nights: "
          f"{obs:,} observations, {found:,} findings", flush=True)
    engine.dispose()


def _routes(client: httpx.Client) -> list[tuple[str, str]]:
    """The pages and API routes to time, with ids taken from the data."""
    page = client.get("/findings").text
    product = re.search(r'href="/products/(\d+)"', page)
    competitor = re.search(r'<option value="(\d+)"', page.split('name="competitor"')[1])
    assert product and competitor, "no findings to browse"
    pid, cid = product.group(1), competitor.group(1)
    return [
        ("dashboard", "/"),
        ("findings page 1", "/findings"),
        ("findings filtered", f"/findings?competitor={cid}&kind=headroom&sort=gap&dir=asc&page=2"),
        ("product page", f"/products/{pid}"),
        ("review queue", "/review"),
        ("API findings", "/api/v1/findings?kind=promo_driven"),
        ("API product", f"/api/v1/products/{pid}"),
        ("API product history", f"/api/v1/products/{pid}/history"),
    ]


def _measure(url: str, label: str, requests: int) -> list[tuple[str, float, float]]:
    port = _free_port()
    env = {**os.environ, "PRICEWATCH_DATABASE_URL": url}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("pricewatch")), "web", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 120  # a loaded machine starts it slowly
            while True:
                try:
                    client.get("/health")
                    break
                except httpx.TransportError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        error = b"" if server.poll() is None else server.stderr.read()  # type: ignore[union-attr]
                        raise SystemExit(f"pricewatch web did not start on {base}: "
                                         + error.decode(errors="replace")[-2000:]) from None
                    time.sleep(0.1)
            form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token
            done = client.post("/login", data={"name": "bench", "password": PASSWORD,
                                               "csrf_token": token.group(1), "next": "/"})
            assert done.status_code == 303, done.text[:300]
            for name, path in _routes(client):
                for _ in range(3):
                    client.get(path).raise_for_status()
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                times.sort()
                p50 = statistics.median(times)
                p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
                results.append((name, p50, p95))
                print(f"  {label:10} {name:22} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
                      f"({len(response.content) / 1024:.0f} KB)", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--competitors", type=int, default=5, choices=range(1, 6))
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", action="store_true",
                        help="keep the SQLite file / PG schema under a name made of the sizes "
                             "and reuse it on the next run with the same sizes")
    args = parser.parse_args()
    spec = SampleSpec(products=args.products, days=args.days, hostile=False,
                      competitors=COMPETITORS[:args.competitors], unsure=50,
                      end=datetime.now(UTC).date())
    sizes = f"{args.products}x{args.competitors}x{args.days}"
    if args.keep:  # a fixed place, so the next --keep run finds the history already built
        work = Path(tempfile.gettempdir()) / f"pricewatch-bench-web-{sizes}"
        work.mkdir(exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="pricewatch-bench-web-"))
    verdicts = []
    try:
        if args.db in ("sqlite", "both"):
            url = f"sqlite:///{work / 'bench.db'}"
            print(f"SQLite ({url})", flush=True)
            _prepare(url, spec)
            verdicts += [("sqlite", *r) for r in _measure(url, "sqlite", args.requests)]
        if args.db in ("postgresql", "both"):
            schema = (f"bench_web_{sizes}" if args.keep else f"bench_web_{uuid.uuid4().hex[:8]}")
            admin = make_engine(PG)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            url = make_url(PG).update_query_dict({"options": f"-csearch_path={schema}"}) \
                .render_as_string(hide_password=False)
            print(f"PostgreSQL (schema {schema})", flush=True)
            try:
                _prepare(url, spec)
                verdicts += [("postgresql", *r) for r in _measure(url, "postgresql", args.requests)]
            finally:
                if not args.keep:
                    with admin.begin() as conn:
                        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                admin.dispose()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    over = [(db, name, p95) for db, name, _p50, p95 in verdicts if p95 >= 200]
    worst = max((p95 for *_, p95 in verdicts), default=0.0)
    print(f"web: worst p95 {worst:.0f} ms over {len(verdicts)} routes "
          + ("(all under the 200 ms target)" if not over else
             "(OVER the 200 ms target: " + ", ".join(f"{d} {n} {p:.0f} ms" for d, n, p in over) + ")"))


if __name__ == "__main__":
    main()
