"""Serve a static demo shop with Debian's nginx on a free loopback port (for crawl benches).

    from bench.nginx_shop import serve_static, generate_and_serve
    with generate_and_serve(products=5000, style="jsonld") as (base_url, folder):
        ...  # crawl base_url; base_url + "sitemap.xml" lists every product page

``serve_static(folder)`` starts ``nginx -g 'daemon off;'`` as a child process with a
config written to a temporary directory (pid file, logs and temp paths there too: nothing
under /etc, /var or /run), one or two workers, access log off, keep-alive on, and stops
it on exit. ``ensure_nginx()`` installs Debian's nginx with apt-get when it is missing
and we are root (as in CI); otherwise it raises with the command to run.

Run it by hand: ``python bench/nginx_shop.py [--products N] [--style jsonld|plain]``
prints the URL and serves until Ctrl-C; ``--measure`` fetches every product page once and
prints how many pages/s nginx alone serves.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from demo.shops.static import generate_static, rebase_static  # noqa: E402

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")


class NginxError(RuntimeError):
    """nginx is missing or did not start; the message says what to do."""


def find_nginx() -> str | None:
    """Path of the nginx binary, or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((p for p in NGINX_CANDIDATES if os.access(p, os.X_OK)), None)


def ensure_nginx() -> str:
    """The nginx binary, installed with apt-get first when missing and we are root."""
    found = find_nginx()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise NginxError("nginx is not installed; run: sudo apt-get install -y nginx")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "nginx"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        result = subprocess.run(install, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise NginxError(f"apt-get install nginx failed:\n{result.stderr[-2000:]}")
    found = find_nginx()
    if not found:
        raise NginxError("apt-get installed nginx but no nginx binary was found")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def nginx_config(root: Path, workdir: Path, host: str, port: int, workers: int = 2) -> str:
    """A self-contained nginx.conf serving `root` (every path inside `workdir`)."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read our temp files
    temp = "\n".join(
        f"  {name}_temp_path {workdir / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes {workers};
daemon off;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
{temp}
  types {{
    text/html html;
    application/xml xml;
    text/plain txt;
    application/json json jsonl;
    application/javascript js;
    text/css css;
  }}
  default_type application/octet-stream;
  charset utf-8;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 100000;
  open_file_cache max=20000 inactive=60s;
  server {{
    listen {host}:{port} backlog=1024;
    root {root};
    index index.html;
    location / {{ try_files $uri $uri/ =404; }}
  }}
}}
"""


def _wait_listening(host: str, port: int, proc: subprocess.Popen[bytes], log: Path,
                    timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(errors="replace") if log.exists() else ""
            raise NginxError(f"nginx exited with {proc.returncode}: {text[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.05)
    raise NginxError(f"nginx did not listen on {host}:{port} within {timeout} s")


@contextlib.contextmanager
def serve_static(folder: Path | str, host: str = "127.0.0.1", workers: int = 2,
                 port: int | None = None) -> Iterator[str]:
    """Serve `folder` with nginx; yields the base URL (``http://127.0.0.1:PORT/``).

    A folder written by ``python -m demo.shops generate`` gets its sitemap.xml and
    robots.txt rewritten for the chosen address first.
    """
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise NginxError(f"{folder} is not a directory")
    binary = ensure_nginx()
    port = port or free_port(host)
    base_url = f"http://{host}:{port}/"
    if (folder / "_paths.txt").exists():
        rebase_static(folder, base_url)
    with tempfile.TemporaryDirectory(prefix="pricewatch-nginx-") as tmp:
        workdir = Path(tmp)
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_config(folder, workdir, host, port, workers), encoding="utf-8")
        log = workdir / "error.log"
        proc = subprocess.Popen(
            [binary, "-p", str(workdir), "-e", str(log), "-c", str(conf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            _wait_listening(host, port, proc, log)
            yield base_url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stderr:
                proc.stderr.close()


@contextlib.contextmanager
def generate_and_serve(products: int = 5000, style: str = "jsonld", seed: int = 42,
                       host: str = "127.0.0.1") -> Iterator[tuple[str, Path]]:
    """Generate a static shop in a temporary folder and serve it; yields (base_url, folder)."""
    with tempfile.TemporaryDirectory(prefix=f"pricewatch-bench-{style}-") as tmp:
        folder = Path(tmp)
        generate_static(folder, products=products, style=style, seed=seed)
        with serve_static(folder, host=host) as base_url:
            yield base_url, folder


def measure(base_url: str, paths: list[str], threads: int = 4) -> tuple[int, float]:
    """Fetch `paths` over keep-alive connections from `threads` threads; (pages, seconds).

    Shows how fast the server alone is (the crawl bench's bare spider should be well
    below this, or the server would be the limit).
    """
    import http.client
    import threading
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    done: list[int] = []

    def worker(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80)
        count = 0
        for path in chunk:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            count += response.status == 200
        conn.close()
        done.append(count)

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(paths[i::threads],))
               for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return sum(done), time.perf_counter() - started


def _interrupt(signum: int, frame: object) -> None:
    """A plain `kill` stops nginx too: SIGTERM ends the server like Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--style", choices=("jsonld", "plain"), default="jsonld")
    parser.add_argument("--dir", help="serve this folder instead of generating one")
    parser.add_argument("--measure", action="store_true",
                        help="fetch every product page once, print pages/s and exit")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if args.measure:
            with generate_and_serve(args.products, args.style) as (url, folder):
                paths = (folder / "_paths.txt").read_text(encoding="utf-8").split()
                pages, seconds = measure(url, paths)
                size = sum((folder / p.lstrip("/")).stat().st_size for p in paths) / len(paths)
                print(f"nginx served {pages} product pages ({size / 1024:.1f} KB each) in "
                      f"{seconds:.2f} s = {pages / seconds:.0f} pages/s "
                      "(4 keep-alive Python clients)")
            return 0
        if args.dir:
            context: contextlib.AbstractContextManager[object] = serve_static(args.dir)
        else:
            context = generate_and_serve(args.products, args.style)
        with context as served:
            url = served if isinstance(served, str) else served[0]  # type: ignore[index]
            print(f"serving at {url} (sitemap: {url}sitemap.xml); Ctrl-C stops", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
    except NginxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
