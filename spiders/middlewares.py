"""Retries with exponential backoff (Scrapy's RetryMiddleware retries at once)."""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor, task


def backoff_delay(retries_done: int, base: float, cap: float, retry_after: bytes | None) -> float:
    """Seconds to wait before the next try: base * 2^n, or the shop's Retry-After, capped."""
    delay = base * (2 ** retries_done)
    if retry_after:
        try:
            delay = max(delay, float(retry_after.decode("ascii", "ignore").strip()))
        except ValueError:
            pass
    return max(0.0, min(delay, cap))


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits (without blocking the reactor) before each retry."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.base = crawler.settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = crawler.settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Any:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retries_done = request.meta.get("retry_times", 0)
        if retries_done < self.max_retry_times:
            delay = backoff_delay(retries_done, self.base, self.cap,
                                  response.headers.get(b"Retry-After"))
            if delay > 0:
                await maybe_deferred_to_future(
                    task.deferLater(reactor, delay, lambda: None)
                )
        reason = response_status_message(response.status)
        return self._retry(request, reason) or response


class ProxyMiddleware:
    """Sends every request through the competitor's configured proxy (politeness.proxy)."""

    def __init__(self, proxy: str | None) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProxyMiddleware:
        return cls(crawler.settings.get("PRICEWATCH_PROXY"))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
