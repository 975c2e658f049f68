"""`pricewatch extract`: read one product page (or a batch) and print JSON.

A thin layer over :func:`spiders.extraction.extract`. Contract (other tools
depend on it):

* ``pricewatch extract FILE_OR_URL [--url URL]`` prints one JSON object;
  FILE may be ``.html`` or ``.html.gz``.
* ``pricewatch extract --batch`` reads JSON Lines ``{"path": ..., "url": ...}``
  from stdin and writes one JSON object per input line, in order.

Keys: those of :meth:`ExtractedProduct.to_dict` (``--explain`` adds
``returns_days``, ``reason`` and ``candidates``). A batch line that cannot be
read gives an object with the same keys, all null, plus ``error``.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from spiders.extraction import ExtractedProduct, ExtractionHints, extract

MAX_DOWNLOAD = 16 * 1024 * 1024
USER_AGENT = "pricewatch-extract/0.1 (+https://github.com/pricewatch)"


class InputError(Exception):
    """A page could not be read (missing file, bad gzip, failed download)."""


def read_page(source: str) -> bytes:
    """Bytes of a local ``.html``/``.html.gz`` file or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        return _download(source)
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{source}: no such file")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"{source}: not a valid gzip file ({exc})") from exc
    return data


def _download(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            data: bytes = response.read(MAX_DOWNLOAD + 1)
            encoding = response.headers.get("Content-Encoding", "")
    except OSError as exc:
        raise InputError(f"{url}: download failed ({exc})") from exc
    if len(data) > MAX_DOWNLOAD:
        raise InputError(f"{url}: page larger than {MAX_DOWNLOAD} bytes")
    if encoding == "gzip" or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"{url}: bad gzip body ({exc})") from exc
    return data


def _hints(currency: str | None, language: str | None, prefer: str | None) -> ExtractionHints:
    return ExtractionHints(currency=currency, language=language, prefer=prefer)


def _dump(data: dict[str, Any], out: IO[str], pretty: bool = False) -> None:
    out.write(json.dumps(data, ensure_ascii=False, indent=2 if pretty else None))
    out.write("\n")


def _error_object(message: str, url: str | None, explain: bool) -> dict[str, Any]:
    keys = ExtractedProduct(url=url).to_dict(full=explain)
    blank: dict[str, Any] = {key: ([] if key in ("promotions", "candidates") else None)
                             for key in keys}
    blank.update({"url": url, "confidence": 0.0, "error": message})
    return blank


def batch_line(job: tuple[int, str, ExtractionHints, bool]) -> tuple[dict[str, Any], str | None]:
    """One JSON Lines request -> (output object, error message or None). Never raises."""
    number, line, hints, explain = job
    url: str | None = None
    try:
        request = json.loads(line)
        if not isinstance(request, dict) or not isinstance(request.get("path"), str):
            raise InputError('expected an object with a "path" string')
        url = request.get("url") if isinstance(request.get("url"), str) else None
        line_hints = ExtractionHints(
            currency=request.get("currency") or hints.currency,
            language=request.get("language") or hints.language,
            prefer=request.get("prefer") or hints.prefer,
        )
        product = extract(read_page(request["path"]), url=url, hints=line_hints)
        return product.to_dict(full=explain), None
    except (ValueError, InputError) as exc:
        message = f"stdin line {number}: {exc}"
        return _error_object(message, url, explain), message


def run_batch(stdin: IO[str], stdout: IO[str], stderr: IO[str], hints: ExtractionHints,
              explain: bool, jobs: int = 1) -> int:
    """Process JSON Lines, answers in input order; returns the number of failed lines.

    With ``jobs`` > 1 pages are read in that many worker processes (extraction is
    CPU-bound); output order stays the input order.
    """
    work = ((number, line, hints, explain)
            for number, line in enumerate(stdin, start=1) if line.strip())
    failures = 0
    pool = None
    if jobs > 1:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(jobs)
        results: Iterator[tuple[dict[str, Any], str | None]] = pool.imap(batch_line, work,
                                                                         chunksize=2)
    else:
        results = map(batch_line, work)
    try:
        for data, error in results:
            if error:
                failures += 1
                stderr.write(error + "\n")
            _dump(data, stdout)
            stdout.flush()
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return failures


@click.command("extract")
@click.argument("source", metavar="FILE_OR_URL", required=False)
@click.option("--url", "page_url", metavar="URL", help="The page's address when reading a file.")
@click.option("--batch", is_flag=True,
              help='Read JSON Lines {"path": ..., "url": ...} from stdin, one JSON object out '
                   "per line, in order.")
@click.option("--currency", metavar="ISO", help="The shop's default currency (ISO 4217).")
@click.option("--language", metavar="LANG", help="The page language when it does not say.")
@click.option("--prefer", metavar="STRATEGY",
              help="Strategy to try first: jsonld, microdata, rdfa, opengraph, platform, "
                   "heuristic.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes for --batch (default: the number of CPUs, at most 4).")
@click.option("--explain", is_flag=True,
              help="Also print reason, returns_days and every candidate with its source.")
@click.option("--pretty", is_flag=True, help="Indent the JSON (single page only).")
def extract_cmd(source: str | None, page_url: str | None, batch: bool, currency: str | None,
                language: str | None, prefer: str | None, jobs: int | None, explain: bool,
                pretty: bool) -> None:
    """Read price, promotions and terms from a product page and print them as JSON.

    \b
    Examples:
      pricewatch extract page.html.gz --url https://shop.example/p/1
      pricewatch extract https://shop.example/p/1
      printf '{"path": "a.html", "url": "https://s/a"}\\n' | pricewatch extract --batch
    """
    hints = _hints(currency, language, prefer)
    if batch:
        if source:
            raise click.UsageError("--batch reads stdin; do not give FILE_OR_URL as well")
        workers = jobs or min(4, os.cpu_count() or 1)
        failures = run_batch(sys.stdin, sys.stdout, sys.stderr, hints, explain, workers)
        if failures:
            sys.exit(1)
        return
    if not source:
        raise click.UsageError("give FILE_OR_URL, or --batch to read JSON Lines from stdin")
    try:
        body = read_page(source)
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    if page_url is None and source.startswith(("http://", "https://")):
        page_url = source
    product = extract(body, url=page_url, hints=hints)
    _dump(product.to_dict(full=explain), sys.stdout, pretty)
