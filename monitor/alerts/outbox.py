"""Deliver what the outbox holds: a message is marked sent only when its channel accepted it.

A failure leaves the message pending with its next attempt pushed back (exponential
backoff), so the next run retries it and nothing is lost while a server is down. After the
first failure on a channel the run leaves that channel's other messages for later, instead
of hammering a server that is down. Delivery is at-least-once: a crash between the
channel's "accepted" and our commit could send one message twice, never zero times.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from monitor.alerts.channels import DeliveryError, make_sender
from monitor.alerts.digest import DigestItem, build_digest
from monitor.alerts.settings import AlertSettings, EventKind, load_alert_settings
from storage.repos import alerts as repo
from storage.types import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
"""How long a sender owns a message it took; after that another run may retry it."""


@dataclass(slots=True)
class DeliveryResult:
    """What one delivery pass did."""

    sent: int = 0
    failed: int = 0
    """Attempts that failed this pass; those messages stay pending for a later pass."""
    deferred: int = 0
    """Messages not tried because their channel had just failed; they wait as long as it."""
    gave_up: int = 0
    sent_by_channel: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.gave_up == 0


def deliver_pending(
    engine: Engine, settings: AlertSettings | None = None, now: datetime | None = None,
    *, channel: str | None = None, limit: int = 500,
) -> DeliveryResult:
    """Send every due outbox message (optionally of one channel only)."""
    if settings is None:
        settings = load_alert_settings()
    now = now or utcnow()
    result = DeliveryResult()
    sent: Counter[str] = Counter()
    down: dict[str, datetime] = {}
    deferred: dict[str, list[int]] = {}
    with engine.connect() as conn:
        due = repo.due_messages(conn, now, limit, channel)
    for message_id, channel_name in due:
        if channel_name in down:
            deferred.setdefault(channel_name, []).append(message_id)
            continue
        with engine.begin() as conn:
            row = repo.claim_message(conn, message_id, now, LEASE)
        if row is None:
            continue
        error = _send(settings, row)
        with engine.begin() as conn:
            if error is None:
                repo.mark_sent(conn, message_id, now)
                repo.set_delivery_state(conn, list(row.alert_ids), row.channel, "sent")
                sent[row.channel] += 1
                result.sent += 1
                continue
            attempts = row.attempts + 1
            give_up = attempts >= settings.delivery.max_attempts
            retry_at = now + settings.delivery.delay_after(attempts)
            repo.mark_failed(conn, message_id, error=error, next_attempt_at=retry_at, give_up=give_up)
        down[row.channel] = retry_at
        if give_up:
            result.gave_up += 1
            result.warnings.append(
                f"gave up on message {message_id} ({row.subject!r}) on channel {row.channel} after "
                f"{attempts} attempts: {error}. `pricewatch alerts send --retry-failed` queues it again"
            )
        else:
            result.failed += 1
            result.warnings.append(
                f"channel {row.channel} did not accept message {message_id} ({error}); it stays queued "
                f"(attempt {attempts}) and will be retried from {retry_at:%Y-%m-%d %H:%M} UTC: nothing is lost"
            )
    for name, ids in deferred.items():
        with engine.begin() as conn:
            repo.postpone(conn, ids, down[name])
        result.deferred += len(ids)
        result.warnings.append(
            f"{len(ids)} more message(s) for channel {name} stay queued until "
            f"{down[name]:%Y-%m-%d %H:%M} UTC, after the channel failed"
        )
    result.sent_by_channel = dict(sent)
    for warning in result.warnings:
        log.warning("alerts: %s", warning)
    return result


def _send(settings: AlertSettings, row: object) -> str | None:
    """Try one message; the (already redacted) error text, or None when accepted."""
    name = row.channel  # type: ignore[attr-defined]
    config = settings.channels.get(name)
    if config is None:
        return f"channel {name!r} is not configured any more (check the alerts section)"
    sender = make_sender(name, config)
    try:
        sender.send(row.subject, row.body, row.dedupe_key)  # type: ignore[attr-defined]
    except DeliveryError as exc:
        return str(exc)
    return None


def test_message() -> tuple[str, dict[str, Any]]:
    """A sample digest with text that needs escaping, to check a channel end to end."""
    item = DigestItem(
        alert_id=0, kind=EventKind.price_drop.value, impact=Decimal("5.00"), priority=1,
        payload={"kind": EventKind.price_drop.value, "product_name": 'Test kettle <1.7 l> & "lid"',
                 "competitor": "example-shop", "title": "Test kettle", "url": None,
                 "details": {"old_price": "49.90", "new_price": "44.90", "currency": "EUR",
                             "change_pct": "-10.0"}},
    )
    subject, body = build_digest([item], audience="business", top=10)
    return subject.replace("[pricewatch]", "[pricewatch test]", 1), body


def send_test_message(settings: AlertSettings, channel: str) -> None:
    """Send a sample message straight to `channel` (not through the outbox).

    Raises KeyError for an unknown channel and DeliveryError when it does not accept it.
    """
    config = settings.channels.get(channel)
    if config is None:
        known = ", ".join(sorted(settings.channels)) or "none"
        raise KeyError(f"no channel {channel!r} in the alerts settings (defined: {known})")
    subject, body = test_message()
    make_sender(channel, config).send(subject, body, f"test:{channel}:{utcnow().isoformat()}")
