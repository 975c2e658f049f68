"""Browser rendering for shops that write their prices with JavaScript.

scrapy-playwright drives Debian's Chromium (`/usr/bin/chromium`, nothing downloaded at
run time). It is switched on per competitor (`render_js: true`) and only product-page
requests carry the `playwright` meta key; sitemaps and APIs keep the plain downloader.
Images, fonts, media and any request leaving the shop's own host are aborted, so a page
costs one document plus its scripts and data calls.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from spiders import settings as base

SKIPPED_RESOURCES = frozenset({"image", "media", "font", "stylesheet"})


def check_chromium(path: str = base.CHROMIUM_PATH) -> str | None:
    """Why the browser cannot be used (None when it can)."""
    if not os.path.exists(path):
        return (f"render_js needs Debian's Chromium at {path}; install it with "
                "`apt-get install -y chromium`")
    if not os.access(path, os.X_OK):
        return f"{path} is not executable"
    return None


def abort_request(request: Any) -> bool:
    """Playwright abort predicate: skip heavy resources and anything off 127.0.0.1/the shop."""
    if request.resource_type in SKIPPED_RESOURCES:
        return True
    frame = request.frame
    page_url = frame.url if frame is not None else ""
    page_host = urlsplit(page_url).hostname
    host = urlsplit(request.url).hostname
    return bool(page_host and host and host != page_host)
