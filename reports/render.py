"""Shared rendering helpers: the Jinja environment (autoescaped), images as data URIs, and
writing a report file atomically (a reader never sees half a report)."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from reports.charts import Figure, png


def environment() -> Environment:
    """Jinja with autoescape on for every template: scraped text is always shown as text."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    return env


def safe_url(url: str | None) -> str | None:
    """The URL if it is plain http(s), else None (no javascript: or data: links in a report)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def data_uri(fig: Figure) -> str:
    """The figure as an embedded PNG (`data:image/png;base64,...`)."""
    return "data:image/png;base64," + base64.b64encode(png(fig)).decode("ascii")


def write_atomically(path: Path, data: bytes | str) -> Path:
    """Write to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
