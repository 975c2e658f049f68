"""The `alerts` section of pricewatch.yaml: policies per scope, channels, digest, delivery.

Example::

    alerts:
      policies:
        - scope: all
          price_change_pct: 5
          debounce: 2
          quiet_hours: {start: "22:00", end: "07:00", timezone: Europe/Sofia}
        - scope: category
          name: electronics
          price_change_amount: 10
        - scope: product
          name: SKU-123
          min_priority: 1
      business_channels: [email]
      operations_channels: [ops-hook]
      channels:
        email:
          type: email
          host: smtp.example.com
          port: 587
          starttls: true
          username: alerts@example.com
          password_env: PRICEWATCH_SMTP_PASSWORD
          from_addr: alerts@example.com
          to: [pricing@example.com]
        ops-hook:
          type: webhook
          url_env: PRICEWATCH_OPS_WEBHOOK
          format: slack

Secrets never appear in the file: fields ending in `_env` name the environment variable
that holds them, and they are read only at delivery time.
"""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from monitor.matching.settings import HIGH_CONFIDENCE
from monitor.settings import TimeZoneName


class EventKind(StrEnum):
    """What can happen, and so what an alert can be about."""

    promotion_started = "promotion_started"
    """A competitor listing shows a promotion where it had none."""
    promotion_changed = "promotion_changed"
    """The promotions on a listing are different ones (kind, value or code)."""
    promotion_ended = "promotion_ended"
    """A listing that had promotions has none now."""
    price_drop = "price_drop"
    """The competitor's price fell by at least the thresholds."""
    price_rise = "price_rise"
    """The competitor's price rose by at least the thresholds."""
    became_undercut = "became_undercut"
    """The comparison now finds the competitor cheaper than us."""
    no_longer_undercut = "no_longer_undercut"
    """The comparison found them cheaper before and does not now."""
    out_of_stock = "out_of_stock"
    """The competitor cannot sell it now: an opportunity."""
    back_in_stock = "back_in_stock"
    """The competitor can sell it again."""
    new_match = "new_match"
    """A product new at a competitor matches one of ours."""
    fake_discount = "fake_discount"
    """The comparison found a 'was' price that was never really charged."""
    terms_changed = "terms_changed"
    """Shipping cost, free-shipping threshold, warranty or instalments offered changed
    (nothing else did)."""
    map_violation = "map_violation"
    """A competitor started advertising below the manufacturer's minimum advertised price."""
    listing_gone = "listing_gone"
    """A matched competitor product is gone (410 at once; 404 or missing from its shop for
    `gone_after_nights` crawls); the listing is marked inactive, once per disappearance."""
    crawl_suspect = "crawl_suspect"
    """Operations: a crawl run looks unhealthy (yield or fill-rate collapse, many blocks)."""
    needs_a_look = "needs_a_look"
    """Operations: readings held back from business alerts because they look doubtful
    (a suspect crawl, a page whose structure changed)."""


OPERATIONS_KINDS = frozenset({EventKind.crawl_suspect, EventKind.needs_a_look})
BUSINESS_KINDS = frozenset(EventKind) - OPERATIONS_KINDS

Percent = Annotated[Decimal, Field(ge=0, le=1000)]
Amount = Annotated[Decimal, Field(ge=0)]


class QuietHours(BaseModel):
    """A daily window, in a local time zone, during which nothing is sent.

    Alerts found then are kept and their message waits until the window ends. A window
    may cross midnight (22:00 -> 07:00). `start == end` means no quiet time.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time
    timezone: TimeZoneName = "UTC"

    def _contains_local(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def release_time(self, now: datetime) -> datetime | None:
        """When a message held at `now` may go: the end of the window (UTC), or None if not quiet."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        if not self._contains_local(local.time().replace(tzinfo=None)):
            return None
        end_day = local.date()
        if local.time().replace(tzinfo=None) >= self.end:
            end_day += timedelta(days=1)
        end_local = datetime.combine(end_day, self.end, tzinfo=zone)
        return end_local.astimezone(now.tzinfo)


class PolicyFields(BaseModel):
    """The knobs a policy has. In a rule every knob is optional: unset ones are inherited."""

    model_config = ConfigDict(extra="forbid")

    price_change_pct: Percent | None = None
    """A price move alerts only when at least this many percent (5 = 5%)."""
    price_change_amount: Amount | None = None
    """...and only when at least this much money. Every threshold that is set must be met."""
    undercut_min_pct: Percent | None = None
    """Became/no longer undercut alerts only when the gap is at least this many percent."""
    undercut_min_amount: Amount | None = None
    """...and at least this much money."""
    min_priority: int | None = Field(default=None, ge=0)
    """Only products whose catalog priority is at least this (higher = more important)."""
    in_stock_only: bool | None = None
    """Price and promotion alerts only while the competitor has it in stock."""
    quiet_hours: QuietHours | None = None
    debounce: int | None = Field(default=None, ge=1, le=30)
    """A change must hold for this many consecutive good observations (or comparison runs)."""
    mute: list[EventKind] | None = None
    """Event kinds never to alert on in this scope."""


class PolicyRule(PolicyFields):
    """A policy for one scope: everything, one competitor, one category or one product (sku).

    Rules are layered: all -> competitor -> category -> product, later rules of the same
    scope after earlier ones; each sets only the knobs it names.
    """

    scope: Literal["all", "competitor", "category", "product"] = "all"
    name: str | None = None
    """The competitor name, category or product sku the rule is for (not for scope all)."""

    @model_validator(mode="after")
    def _name_matches_scope(self) -> PolicyRule:
        if self.scope == "all" and self.name is not None:
            raise ValueError("a rule with scope 'all' takes no name")
        if self.scope != "all" and not self.name:
            raise ValueError(f"a rule with scope '{self.scope}' needs a name")
        return self


class EmailChannel(BaseModel):
    """SMTP email: plain text and HTML, with a small chart where it helps."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["email"] = "email"
    lang: Literal["en", "bg"] | None = None
    """The language of the digests on this channel (default: digest.lang)."""
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    ssl: bool = False
    """SMTP over TLS from the start (port 465)."""
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    """Environment variable holding the SMTP password."""
    from_addr: str = Field(default="pricewatch@localhost",
                           validation_alias=AliasChoices("from_addr", "sender"))
    """The From address (`sender` is accepted too)."""
    to: list[str] = Field(min_length=1, validation_alias=AliasChoices("to", "recipients"))
    """Recipients (`recipients` is accepted too)."""
    timeout: float = Field(default=15.0, gt=0)
    chart: bool = True
    """Attach a small price chart of the top alert when it has a price history."""


class WebhookChannel(BaseModel):
    """An HTTP POST of JSON, as pricewatch's own payload or Slack's `text`+`blocks`."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["webhook"] = "webhook"
    lang: Literal["en", "bg"] | None = None
    """The language of the digests on this channel (default: digest.lang)."""
    url: str | None = None
    """The URL, when it holds no secret; otherwise use url_env."""
    url_env: str | None = None
    """Environment variable holding the URL (Slack and Teams URLs are secrets)."""
    format: Literal["json", "slack"] = "json"
    token_env: str | None = None
    """Environment variable holding a bearer token sent as Authorization."""
    timeout: float = Field(default=15.0, gt=0)

    @model_validator(mode="after")
    def _one_url(self) -> WebhookChannel:
        if bool(self.url) == bool(self.url_env):
            raise ValueError("give exactly one of url or url_env")
        return self


class AppriseChannel(BaseModel):
    """Apprise URLs (Telegram, Teams, Discord, ntfy, ... ), from the environment."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["apprise"] = "apprise"
    lang: Literal["en", "bg"] | None = None
    """The language of the digests on this channel (default: digest.lang)."""
    urls_env: str | None = None
    """Environment variable holding one or more Apprise URLs (space or comma separated)."""
    urls: list[str] = Field(default_factory=list)
    """URLs without secrets may be written here."""

    @model_validator(mode="after")
    def _some_url(self) -> AppriseChannel:
        if not self.urls and not self.urls_env:
            raise ValueError("give urls_env (or urls without secrets)")
        return self


Channel = Annotated[EmailChannel | WebhookChannel | AppriseChannel, Field(discriminator="type")]


class DigestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top: int = Field(default=10, ge=1, le=500)
    """How many alerts a digest shows in full; the rest are counted by kind."""
    lang: Literal["en", "bg"] = "en"
    """The language of the digests."""
    report_url: str | None = None
    """Where the full list is (the daily report); `{date}` becomes the run's date (YYYY-MM-DD)
    and `{lang}` the language."""


class DeliverySettings(BaseModel):
    """Retry with exponential backoff: base, base x factor, ... capped at max_delay."""

    model_config = ConfigDict(extra="forbid")

    backoff_seconds: int = Field(default=300, ge=1)
    backoff_factor: float = Field(default=2.0, ge=1.0)
    max_delay_seconds: int = Field(default=6 * 3600, ge=1)
    max_attempts: int = Field(default=50, ge=1)
    """After this many failures a message is marked failed (kept, listed, retried on request)."""

    def delay_after(self, attempts: int) -> timedelta:
        seconds = self.backoff_seconds * self.backoff_factor ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.max_delay_seconds))


class AlertSettings(BaseModel):
    """Everything the alert step needs: policies, channels, digest and delivery."""

    model_config = ConfigDict(extra="forbid")

    defaults: PolicyFields = Field(default_factory=PolicyFields)
    """Overrides of the built-in defaults (same as a rule with scope all)."""
    policies: list[PolicyRule] = Field(default_factory=list)
    channels: dict[str, Channel] = Field(default_factory=dict)
    business_channels: list[str] = Field(default_factory=list)
    operations_channels: list[str] = Field(default_factory=list)
    """Where suspect crawl runs are reported: a separate channel from the business one."""
    operations_quiet_hours: QuietHours | None = None
    min_match_confidence: float = Field(default=HIGH_CONFIDENCE, ge=0.0, le=1.0)
    """Automatic matches below this are ignored (they wait in `pricewatch match review`);
    confirmed matches always count. Keep it equal to matching.high_confidence."""
    lookback_days: int = Field(default=7, ge=1)
    """Without explicit crawl runs, only observations and runs this recent can alert."""
    history_days: int = Field(default=60, ge=1)
    """How far back before that a change looks for the good observations to compare with."""
    gone_after_nights: int = Field(default=3, ge=1)
    """A matched competitor product whose page answers 404 (or that is missing from the
    shop) in this many healthy crawls since it was last seen alive is gone; a 410 Gone is
    at once. Its listing is marked inactive (left out of the comparison until its page is
    seen alive again) and one `listing_gone` alert goes out per disappearance."""
    digest: DigestSettings = Field(default_factory=DigestSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)

    @model_validator(mode="after")
    def _channels_exist(self) -> AlertSettings:
        for field in ("business_channels", "operations_channels"):
            for name in getattr(self, field):
                if name not in self.channels:
                    known = ", ".join(sorted(self.channels)) or "none"
                    raise ValueError(f"{field} names channel {name!r}, which is not defined (defined: {known})")
        return self


def env_secret(name: str | None, what: str) -> str | None:
    """Read a secret from the environment; a named but unset variable is an error."""
    if not name:
        return None
    value = os.environ.get(name)
    if value is None:
        raise LookupError(f"{what}: environment variable {name} is not set")
    return value


def load_alert_settings(path: str | None = None) -> AlertSettings:
    """The `alerts` section of the settings file (defaults when absent)."""
    from monitor.settings import load_section

    return load_section(path, "alerts", AlertSettings)
