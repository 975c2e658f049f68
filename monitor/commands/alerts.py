"""`pricewatch alerts`: list what was found, deliver what is queued, test a channel."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import click
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine

from monitor.alerts import (
    DeliveryError,
    deliver_pending,
    load_alert_settings,
    run_alerts,
    send_test_message,
)
from monitor.alerts.settings import AlertSettings
from monitor.alerts.text import headline
from monitor.commands.base import engine_from, ensure_schema
from monitor.commands.tables import PlainTable
from monitor.settings import SettingsError
from storage.repos import alerts as repo
from storage.types import utcnow

CONFIG = click.option("--config", "config", metavar="FILE", default=None,
                      help="Settings file (default: $PRICEWATCH_CONFIG or ./pricewatch.yaml).")


def _settings(path: str | None) -> AlertSettings:
    try:
        return load_alert_settings(path)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def alerts() -> None:
    """Alerts: promotions, price moves, undercuts, stock changes, new matches, crawl health.

    Channels and policies come from the `alerts` section of pricewatch.yaml; secrets
    (SMTP passwords, webhook and Apprise URLs) from the environment variables it names.
    """


@alerts.command("list")
@click.option("--limit", default=30, show_default=True, help="How many alerts (newest first).")
@click.option("--audience", type=click.Choice(["business", "operations"]), default=None,
              help="Only business or only operations alerts.")
@click.option("--days", type=int, default=None, help="Only alerts from the last DAYS days.")
@click.option("--outbox", is_flag=True, help="Show the outbox (queued, sent, failed messages) instead.")
@click.pass_context
def alerts_list(ctx: click.Context, limit: int, audience: str | None, days: int | None, outbox: bool) -> None:
    """List recent alerts and how far each got on each channel, or the outbox."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    with engine.connect() as conn:
        if outbox:
            _print_outbox(repo.outbox_messages(conn, limit=limit), repo.outbox_counts(conn))
            return
        since = None if days is None else utcnow() - timedelta(days=days)
        rows = repo.recent_alerts(conn, limit=limit, audience=audience, since=since)
    grid = PlainTable(title=f"Latest {len(rows)} alerts")
    for col in ("id", "when (UTC)", "audience", "alert", "impact", "delivery"):
        grid.add_column(col, overflow="fold")
    for row in rows:
        delivery = ", ".join(f"{k}: {v}" for k, v in sorted((row.delivered or {}).items())) or "not queued"
        grid.add_row(str(row.id), f"{row.created_at:%Y-%m-%d %H:%M}", row.audience,
                     Text(headline(row.payload or {})), "" if row.impact is None else str(row.impact), delivery)
    Console().print(grid)


def _print_outbox(rows: Sequence[Any], counts: dict[str, int]) -> None:
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "empty"
    grid = PlainTable(title=f"Outbox: {summary}")
    for col in ("id", "channel", "status", "attempts", "next attempt (UTC)", "subject", "last error"):
        grid.add_column(col, overflow="fold")
    for row in rows:
        grid.add_row(str(row.id), row.channel, row.status, str(row.attempts),
                     "" if row.status != "pending" else f"{row.next_attempt_at:%Y-%m-%d %H:%M}",
                     Text(row.subject), Text(row.last_error or ""))
    Console().print(grid)


@alerts.command("run")
@CONFIG
@click.option("--send/--no-send", default=True, show_default=True,
              help="Deliver the queued messages right after.")
@click.pass_context
def alerts_run(ctx: click.Context, config: str | None, send: bool) -> None:
    """Derive alerts from the latest observations and comparison, and queue the digests.

    The nightly job does this by itself; running it again the same night adds nothing.
    """
    settings = _settings(config)
    engine = engine_from(ctx)
    ensure_schema(engine)
    result = run_alerts(engine, settings)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(result.by_kind.items())) or "none"
    click.echo(f"{result.created} new alert(s) ({kinds}); {result.duplicates} already known; "
               f"{result.messages_queued} message(s) queued.")
    if result.held_until:
        click.echo(f"Quiet hours: messages wait until {result.held_until:%Y-%m-%d %H:%M} UTC.")
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if send:
        _deliver(engine, settings, None)


@alerts.command("send")
@CONFIG
@click.option("--channel", default=None, help="Only this channel.")
@click.option("--retry-failed", is_flag=True, help="Queue given-up messages again first.")
@click.pass_context
def alerts_send(ctx: click.Context, config: str | None, channel: str | None, retry_failed: bool) -> None:
    """Deliver the pending messages that are due.

    A message is marked sent only when its channel accepted it; one that fails stays
    queued and is retried with backoff on later runs. Exits 1 when something failed.
    """
    settings = _settings(config)
    engine = engine_from(ctx)
    ensure_schema(engine)
    if retry_failed:
        with engine.begin() as conn:
            click.echo(f"{repo.requeue_failed(conn, utcnow(), channel)} failed message(s) queued again.")
    _deliver(engine, settings, channel)


def _deliver(engine: Engine, settings: AlertSettings, channel: str | None) -> None:
    result = deliver_pending(engine, settings, channel=channel)
    per = ", ".join(f"{k} {v}" for k, v in sorted(result.sent_by_channel.items()))
    click.echo(f"{result.sent} message(s) sent{f' ({per})' if per else ''}; "
               f"{result.failed + result.deferred} still queued; {result.gave_up} given up.")
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if not result.ok:
        sys.exit(1)


@alerts.command("test")
@CONFIG
@click.argument("channel")
def alerts_test(config: str | None, channel: str) -> None:
    """Send a sample message to CHANNEL now, to check its settings and secrets."""
    settings = _settings(config)
    try:
        send_test_message(settings, channel)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    except DeliveryError as exc:
        raise click.ClickException(f"channel {channel} did not accept the test message: {exc}") from None
    click.echo(f"channel {channel} accepted the test message.")
