"""The pricewatch schema: competitors, our catalog, listings and their observation history,
promotions, matches, findings, alerts with their outbox, crawl runs and locks.

Money columns are `Exact` (exact decimals on every database), times are `UTCDateTime`,
currencies ISO 4217. A price that was not found is NULL, never 0.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import Currency, Exact, UTCDateTime, utcnow

Money = Annotated[Decimal, "money"]
UTC = Annotated[datetime, "utc"]
ISO = Annotated[str, "currency"]


class Base(DeclarativeBase):
    type_annotation_map = {
        Money: Exact(),
        UTC: UTCDateTime(),
        ISO: Currency(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }

    def __repr__(self) -> str:
        cols = ", ".join(
            f"{c.key}={getattr(self, c.key)!r}"
            for c in self.__table__.columns
            if c.key in ("id", "name", "sku", "url", "kind", "status", "price")
        )
        return f"{type(self).__name__}({cols})"


class ObservationStatus(StrEnum):
    ok = "ok"
    not_found = "not_found"
    blocked = "blocked"
    parse_failed = "parse_failed"
    quarantined = "quarantined"


class RunStatus(StrEnum):
    running = "running"
    finished = "finished"
    failed = "failed"
    interrupted = "interrupted"
    truncated = "truncated"
    """Stopped at `max_pages` with product pages left (stats["pages_left"] says how many)."""
    skipped = "skipped"
    """Not crawled at all: a prerequisite is missing (error_summary names it)."""


class MatchStatus(StrEnum):
    auto = "auto"
    confirmed = "confirmed"
    rejected = "rejected"


class PromotionKind(StrEnum):
    percent_off = "percent_off"
    amount_off = "amount_off"
    coupon = "coupon"
    multi_buy = "multi_buy"
    free_shipping = "free_shipping"
    bundle = "bundle"
    member_price = "member_price"
    instalments = "instalments"
    badge = "badge"


class Competitor(Base):
    __tablename__ = "competitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(2))
    currency: Mapped[ISO]
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[UTC] = mapped_column(default=utcnow)

    listings: Mapped[list[Listing]] = relationship(back_populates="competitor")


class Product(Base):
    """One of our own products, with our offer and our margin rules."""

    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(100), unique=True)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    mpn: Mapped[str | None] = mapped_column(String(100))
    brand: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    category: Mapped[str | None] = mapped_column(String(200), index=True)
    price: Mapped[Money]
    currency: Mapped[ISO]
    cost: Mapped[Money | None]
    min_margin: Mapped[Money | None]
    """Minimum margin over cost as a ratio: 0.15 means never below cost x 1.15."""
    map_price: Mapped[Money | None]
    """Minimum advertised price set by the manufacturer, if any."""
    shipping_cost: Mapped[Money | None]
    free_shipping_threshold: Mapped[Money | None]
    delivery_days: Mapped[int | None]
    warranty_months: Mapped[int | None]
    returns_days: Mapped[int | None]
    priority: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[UTC] = mapped_column(default=utcnow)
    updated_at: Mapped[UTC] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_product_brand_mpn", "brand", "mpn"),)


class ProductPriceChange(Base):
    """History of our own price, to tell which recommendations were taken."""

    __tablename__ = "product_price_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    old_price: Mapped[Money | None]
    new_price: Mapped[Money]
    currency: Mapped[ISO]
    changed_at: Mapped[UTC] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(50), default="catalog_import")

    __table_args__ = (Index("ix_price_change_product_time", "product_id", "changed_at"),)


class Listing(Base):
    """A product page (or one variant of it) at a competitor."""

    __tablename__ = "listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(1000))
    variant: Mapped[str] = mapped_column(String(200), default="")
    sku: Mapped[str | None] = mapped_column(String(100))
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    mpn: Mapped[str | None] = mapped_column(String(100))
    brand: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(1000))
    condition: Mapped[str | None] = mapped_column(String(20))
    """new / refurbished / used / open_box / damaged as the page states it (None: not
    stated). A listing that is not new never matches our new products."""
    first_seen: Mapped[UTC] = mapped_column(default=utcnow)
    last_seen: Mapped[UTC] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    competitor: Mapped[Competitor] = relationship(back_populates="listings")

    __table_args__ = (
        UniqueConstraint("competitor_id", "url", "variant", name="uq_listing_url"),
    )


class CrawlRun(Base):
    """One crawl of one competitor: when, how it ended, counts by outcome, health."""

    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id", ondelete="CASCADE"))
    started_at: Mapped[UTC] = mapped_column(default=utcnow)
    finished_at: Mapped[UTC | None]
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.running)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Observations by status, e.g. {"ok": 120, "blocked": 3}."""
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Pages fetched, field fill-rates, HTTP codes: what the health check compares."""
    suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    suspect_reason: Mapped[str | None] = mapped_column(Text)
    error_summary: Mapped[str | None] = mapped_column(Text)
    nightly_run_id: Mapped[int | None] = mapped_column(ForeignKey("nightly_run.id"))

    __table_args__ = (Index("ix_crawl_run_competitor_started", "competitor_id", "started_at"),)


class Observation(Base):
    """One reading of one listing in one crawl run."""

    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_run.id", ondelete="CASCADE"))
    observed_at: Mapped[UTC]
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Money | None]
    regular_price: Mapped[Money | None]
    currency: Mapped[ISO | None]
    availability: Mapped[str | None] = mapped_column(String(30))
    shipping_cost: Mapped[Money | None]
    free_shipping_threshold: Mapped[Money | None]
    delivery_min_days: Mapped[int | None]
    delivery_max_days: Mapped[int | None]
    warranty_months: Mapped[int | None]
    returns_days: Mapped[int | None]
    promotions: Mapped[list[Any] | None]
    """The promotions as read (JSON); the `promotion` table holds them typed."""
    title: Mapped[str | None] = mapped_column(String(1000))
    extractor: Mapped[str | None] = mapped_column(String(50))
    confidence: Mapped[float | None] = mapped_column(Float)
    page_hash: Mapped[str | None] = mapped_column(String(64))
    secondary_price: Mapped[Money | None]
    """The other amount a dual display shows ("459,00 € (897,73 лв.)" -> 897.73 BGN here), or
    the amount as shown when `price` was converted (migration 0005_money)."""
    secondary_currency: Mapped[ISO | None]
    converted_from: Mapped[ISO | None]
    """The currency the page showed when `price` was converted into the shop's currency (a
    leva-only page after the euro changeover); NULL when the price is stored as shown."""
    instalments: Mapped[int | None]
    """Instalment plan offered, in months: a term of the offer, not a promotion (0 = offered,
    length not stated; None = not offered or not stated). See `storage.offer_terms`."""

    __table_args__ = (
        UniqueConstraint("listing_id", "crawl_run_id", name="uq_observation_run"),
        Index("ix_observation_latest", "listing_id", "status", "observed_at"),
        Index("ix_observation_run", "crawl_run_id"),
    )


class PageValidator(Base):
    """The last full reading of a listing's product page, with the validators the page
    answered with (migration 0006_page_validators).

    A crawl sends them back (`If-None-Match` / `If-Modified-Since`); a `304 Not Modified`
    (or a sitemap `lastmod` older than `read_at`) means the page is the one that gave the
    reading of run `crawl_run_id`, and that reading is stored again for the night, marked
    `not_modified`. Only an `ok` reading has a row: any other reading of the page removes it.
    """

    __tablename__ = "page_validator"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_run.id", ondelete="CASCADE"))
    """The run whose observation of the listing is the reading these validators belong to."""
    read_at: Mapped[UTC]
    """When the page was last fetched and read in full (the re-check clock)."""
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    """The header as the shop sent it (sent back verbatim, as HTTP asks)."""
    confirmed_at: Mapped[UTC | None]
    """The last night the page was confirmed unchanged without reading it."""


class LatestObservation(Base):
    """The latest priced `ok` observation of every listing, with the listing's latest known
    stock, kept current by triggers on `observation` (migrations 0002, 0003, 0006): on insert
    a newer reading replaces the row; an update or delete of a reading recomputes its
    listing. Comparison reads this instead of ranking the whole history on every run (a
    window over 5M readings takes ~13 s on SQLite, this ~1 s).

    The price and terms (`observation_id` up to `instalments`) are the latest priced
    reading's. The stock (`availability`) is the newest reading's that says something about
    it: a priced reading (NULL there: not stated, it sells), or a reading without a price
    that states an availability (a sold-out page hiding its price). A missing price never
    erases the known price; a newer sold-out statement makes the offer out of stock."""

    __tablename__ = "latest_observation"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    observation_id: Mapped[int]
    crawl_run_id: Mapped[int]
    observed_at: Mapped[UTC]
    price: Mapped[Money]
    regular_price: Mapped[Money | None]
    currency: Mapped[ISO | None]
    shipping_cost: Mapped[Money | None]
    free_shipping_threshold: Mapped[Money | None]
    delivery_min_days: Mapped[int | None]
    delivery_max_days: Mapped[int | None]
    warranty_months: Mapped[int | None]
    returns_days: Mapped[int | None]
    promotions: Mapped[list[Any] | None]
    instalments: Mapped[int | None]
    """As `Observation.instalments`, of the priced reading."""
    availability: Mapped[str | None] = mapped_column(String(30))
    """schema.org availability of the newest reading about stock (None: not stated)."""
    availability_observed_at: Mapped[UTC | None]
    """When that reading was taken (NULL only inside the insert trigger)."""
    availability_observation_id: Mapped[int | None]
    """That reading (the priced one, or a newer statement without a price)."""


class Promotion(Base):
    """A promotion seen on a listing in a crawl run."""

    __tablename__ = "promotion"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_run.id", ondelete="CASCADE"))
    observed_at: Mapped[UTC]
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    value: Mapped[Money | None]
    """Percent for percent_off, money for amount_off / member_price / instalment amount."""
    code: Mapped[str | None] = mapped_column(String(64))
    buy_qty: Mapped[int | None]
    pay_qty: Mapped[int | None]
    threshold: Mapped[Money | None]
    instalments: Mapped[int | None]
    valid_from: Mapped[UTC | None]
    valid_until: Mapped[UTC | None]
    detail: Mapped[str | None] = mapped_column(String(32))
    """Which variant of its kind the promotion is, as the reader tells it (NULL = not told):
    for a `multi_buy` with a percent `value`, ``"nth_item_discount"`` ("second item at
    -50%": only item `buy_qty` is discounted) or ``"quantity_discount"`` ("-20% when buying
    2 or more": every unit is); ``"from regular price"`` for a `percent_off` worked out from
    a struck regular price."""

    __table_args__ = (Index("ix_promotion_listing_time", "listing_id", "observed_at"),)


class Match(Base):
    """Our product <-> a competitor's listing."""

    __tablename__ = "match"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), unique=True
    )
    method: Mapped[str] = mapped_column(String(20))
    """gtin | brand_mpn | manual | title."""
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default=MatchStatus.auto)
    pack_ratio: Mapped[Money | None]
    """Their units per our unit, when pack sizes differ (unit-price normalisation)."""
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[UTC] = mapped_column(default=utcnow)
    updated_at: Mapped[UTC] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_match_product", "product_id"),
        Index("ix_match_status_confidence", "status", "confidence"),
    )


class CompareRun(Base):
    """One run of the comparison over the catalog."""

    __tablename__ = "compare_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[UTC] = mapped_column(default=utcnow)
    finished_at: Mapped[UTC | None]
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Finding(Base):
    """A finding of the comparison about one of our products (and one competitor)."""

    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    compare_run_id: Mapped[int] = mapped_column(ForeignKey("compare_run.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    competitor_id: Mapped[int | None] = mapped_column(ForeignKey("competitor.id"))
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id"))
    kind: Mapped[str] = mapped_column(String(30))
    """undercut | beatable | promo_driven | headroom | terms_gap | fake_discount | map_violation."""
    currency: Mapped[ISO]
    our_price: Mapped[Money | None]
    our_effective: Mapped[Money | None]
    their_price: Mapped[Money | None]
    their_effective: Mapped[Money | None]
    gap: Mapped[Money | None]
    gap_pct: Mapped[Money | None]
    recommended_price: Mapped[Money | None]
    promo_until: Mapped[UTC | None]
    impact: Mapped[Money | None]
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[UTC] = mapped_column(default=utcnow)

    __table_args__ = (
        # (run, kind) alone went (0006_web_indexes): this one serves the same look-ups
        Index("ix_finding_run_kind_product", "compare_run_id", "kind", "product_id"),
        Index("ix_finding_run_impact", "compare_run_id", "impact"),
        # A product's findings of a run by impact (migration 0006_web_indexes).
        Index("ix_finding_run_product_impact", "compare_run_id", "product_id", "impact"),
        Index("ix_finding_run_competitor_kind", "compare_run_id", "competitor_id", "kind"),
    )


class Alert(Base):
    """Something the manager (or operations) should hear about, once."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    audience: Mapped[str] = mapped_column(String(20), default="business")
    """business | operations."""
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    impact: Mapped[Money | None]
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    competitor_id: Mapped[int | None] = mapped_column(ForeignKey("competitor.id"))
    created_at: Mapped[UTC] = mapped_column(default=utcnow)
    delivered: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Delivery state per channel, e.g. {"email": "sent"}; the outbox rows hold the detail."""
    listing_id: Mapped[int | None]
    """The competitor listing the alert is about, when it is about one."""
    acknowledged_at: Mapped[UTC | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    held_reason: Mapped[str | None] = mapped_column(Text)
    """Why the alert was stored but not sent (snoozed until ..., doubtful reading ...)."""


class AlertAction(Base):
    """An acknowledgement or a snooze, on one alert, a product or a competitor.

    Exactly one of alert_id / product_id / competitor_id is set. A snooze holds back new
    alerts about its target until `until`; an acknowledgement marks the open alerts of its
    target seen. `cancelled_at` ends a snooze early.
    """

    __tablename__ = "alert_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    """acknowledge | snooze."""
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    competitor_id: Mapped[int | None] = mapped_column(ForeignKey("competitor.id", ondelete="CASCADE"))
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    """For a snooze of one alert: the listing it was about (its later alerts are held too)."""
    until: Mapped[UTC | None]
    actor: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[UTC] = mapped_column(default=utcnow)
    cancelled_at: Mapped[UTC | None]

    __table_args__ = (Index("ix_alert_action_active", "action", "until"),)


class OutboxMessage(Base):
    """A message waiting for (or done with) delivery on one channel."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    alert_ids: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    """pending | sent | failed (given up)."""
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[UTC] = mapped_column(default=utcnow)
    created_at: Mapped[UTC] = mapped_column(default=utcnow)
    sent_at: Mapped[UTC | None]

    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)


class NightlyRun(Base):
    """One run of the whole chain (crawl -> match -> compare -> alerts -> report)."""

    __tablename__ = "nightly_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[UTC] = mapped_column(default=utcnow)
    finished_at: Mapped[UTC | None]
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.running)
    trigger: Mapped[str] = mapped_column(String(30), default="manual")
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report_path: Mapped[str | None] = mapped_column(Text)


class Lock(Base):
    """A named lock held in the database, so two processes never run the same job at once."""

    __tablename__ = "lock"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[UTC] = mapped_column(default=utcnow)
    expires_at: Mapped[UTC]


def table(model: type[Base]) -> Table:
    """The Core table of a model, typed, for set-based queries and bulk writes."""
    return cast(Table, model.__table__)


class SchedulerJob(Base):
    """APScheduler's job store table (`pricewatch serve`), created by our migrations so that
    two services starting at once never race to create it. Same shape as APScheduler 3's
    SQLAlchemyJobStore expects."""

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class UserRole(StrEnum):
    """What a web user may do: viewers read, managers decide, admins also manage users."""

    viewer = "viewer"
    manager = "manager"
    admin = "admin"


class WebUser(Base):
    """A person who logs in to the web app (password hashed with argon2, never stored)."""

    __tablename__ = "web_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=UserRole.viewer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    """Failed logins since the last good one: each makes the next attempt wait longer."""
    last_failed_at: Mapped[UTC | None]
    created_at: Mapped[UTC] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A token for the REST API; only its SHA-256 is stored (the token is shown once)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[UTC] = mapped_column(default=utcnow)
    last_used_at: Mapped[UTC | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSession(Base):
    """A logged-in browser: the cookie holds a random token, the row its SHA-256 and the
    CSRF token every state-changing request of that session must carry."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[UTC] = mapped_column(default=utcnow)
    expires_at: Mapped[UTC]


class AuditEvent(Base):
    """Who did what in the web app, and when (match decisions, crawl requests, uploads)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    """match_confirmed | match_rejected | crawl_requested | catalog_imported | ..."""
    target: Mapped[str | None] = mapped_column(String(100))
    """What it was done to, e.g. the match id."""
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[UTC] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_audit_action_target", "action", "target"),)
