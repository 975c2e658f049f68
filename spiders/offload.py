"""Extraction in worker processes, so a crawl uses a second core for reading pages.

Scrapy runs callbacks on the reactor thread: in-process, every millisecond of extraction
is a millisecond the downloader waits. With `PRICEWATCH_EXTRACT_WORKERS` > 0 the spider
sends each page body to a small process pool (forkserver: no fork of the running
reactor) and awaits the result, so downloading, extraction and storing overlap. Bodies go
over a pipe (~40 KB a page); the candidates list is dropped before the result comes back
(the pipeline does not store it), which keeps the return trip small.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from spiders.extraction import ExtractedProduct, ExtractionHints, extract


def _warm() -> None:
    """Import everything in the worker before the first page arrives."""
    extract(b"<html><body><h1>warm</h1></body></html>", "http://127.0.0.1/")


def _read(body: bytes, url: str, hints: ExtractionHints) -> tuple[ExtractedProduct, float]:
    started = time.perf_counter()
    product = extract(body, url, hints)
    product.candidates = []
    return product, time.perf_counter() - started


class ExtractPool:
    """A process pool that reads pages; `read` is awaited from an async spider callback."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("forkserver")
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                            initializer=_warm)

    async def read(self, body: bytes, url: str,
                   hints: ExtractionHints) -> tuple[ExtractedProduct, float]:
        future = self.executor.submit(_read, body, url, hints)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
