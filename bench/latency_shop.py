"""Serve a static demo shop with a fixed latency per response, like a shop across a network.

    python bench/latency_shop.py FOLDER [--latency-ms 50]

A small asyncio HTTP/1.1 server (keep-alive, GET only) that answers every request after
`latency` seconds, without holding a connection's neighbours up: thousands of requests
can wait at once, so a crawl of it is bound by its own concurrency and politeness, as a
real crawl is, not by this machine's cores. Files are read once and kept in memory.
``GET /__stats`` answers at once with JSON: requests served and the most requests that
were in progress at the same time (what a politeness limit must keep down).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml",
         ".txt": "text/plain; charset=utf-8"}


async def _serve(folder: Path, sock: socket.socket, latency: float) -> None:
    cache: dict[str, bytes | None] = {}
    root = folder.resolve()
    stats = {"served": 0, "in_flight": 0, "max_in_flight": 0}

    def load(path: str) -> bytes | None:
        if path not in cache:
            target = (root / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            ok = target.is_file() and root in target.parents
            cache[path] = target.read_bytes() if ok else None
        return cache[path]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                parts = line.split()
                path = parts[1].split("?", 1)[0] if len(parts) > 1 else "/"
                if path == "/__stats":
                    body = json.dumps(stats).encode()
                    writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                    await writer.drain()
                    continue
                stats["in_flight"] += 1
                stats["max_in_flight"] = max(stats["max_in_flight"], stats["in_flight"])
                try:
                    await asyncio.sleep(latency)
                finally:
                    stats["in_flight"] -= 1
                stats["served"] += 1
                body = load(path)
                status = "200 OK" if body is not None else "404 Not Found"
                body = body if body is not None else b"not found"
                kind = TYPES.get(Path(path).suffix, "text/html; charset=utf-8")
                writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: "
                             f"{len(body)}\r\nConnection: keep-alive\r\n\r\n".encode() + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, sock=sock, backlog=1024)
    async with server:
        await server.serve_forever()


def _run(folder: str, sock: socket.socket, latency: float) -> None:
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    asyncio.run(_serve(Path(folder), sock, latency))


@contextlib.contextmanager
def serve_with_latency(folder: Path, latency: float = 0.05,
                       host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `folder` in a child process on a free port; yields the base URL."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_run, args=(str(folder), sock, latency), daemon=True)
    proc.start()
    sock.close()
    try:
        yield f"http://{host}:{port}/"
    finally:
        proc.terminate()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args(argv)
    with serve_with_latency(args.folder, args.latency_ms / 1000) as url:
        print(url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def server_stats(base_url: str) -> dict[str, int]:
    """The server's counters (see the module docstring)."""
    from urllib.request import urlopen

    with urlopen(base_url.rstrip("/") + "/__stats", timeout=10) as answer:
        return dict(json.loads(answer.read()))
