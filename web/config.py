"""The `web:` section of pricewatch.yaml."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from monitor.settings import load_section


class WebSettings(BaseModel):
    """Typed `web:` settings; every field has a default, so the section is optional."""

    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    """How long a login lasts."""
    secure_cookies: bool = False
    """Send cookies only over HTTPS (turn on behind a TLS proxy)."""
    login_delay_s: float = Field(default=1.0, ge=0)
    """Wait after the first failed login of a name; doubles with each further failure."""
    login_delay_max_s: float = Field(default=60.0, ge=0)
    page_size: int = Field(default=50, ge=5, le=500)
    competitors_file: Path | None = None
    """For "crawl now" (default: `nightly.competitors_file`)."""
    lang: str = "en"


def load_web_settings(path: Path | str | None = None) -> WebSettings:
    settings = load_section(path, "web", WebSettings)
    if settings.competitors_file is None:
        from monitor.scheduling.settings import NightlySettings

        nightly = load_section(path, "nightly", NightlySettings)
        settings = settings.model_copy(update={"competitors_file": nightly.competitors_file})
    return settings
