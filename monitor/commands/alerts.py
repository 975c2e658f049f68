"""`pricewatch alerts`: list what was found, deliver what is queued, test a channel."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine

from monitor.alerts import (
    DeliveryError,
    actions,
    deliver_pending,
    load_alert_settings,
    run_alerts,
    send_test_message,
)
from monitor.alerts.settings import AlertSettings
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
@click.option("--open", "open_only", is_flag=True, help="Only alerts neither acknowledged nor held back.")
@click.option("--outbox", is_flag=True, help="Show the outbox (queued, sent, failed messages) instead.")
@click.pass_context
def alerts_list(ctx: click.Context, limit: int, audience: str | None, days: int | None, open_only: bool,
                outbox: bool) -> None:
    """List recent alerts, their state and how far each got on each channel, or the outbox."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    if outbox:
        with engine.connect() as conn:
            _print_outbox(repo.outbox_messages(conn, limit=limit), repo.outbox_counts(conn))
        return
    since = None if days is None else utcnow() - timedelta(days=days)
    views = actions.list_alerts(engine, limit=limit, audience=audience, since=since, open_only=open_only)
    _print_alerts(f"Latest {len(views)} alerts", views)


def _print_alerts(title: str, views: Sequence[actions.AlertView]) -> None:
    grid = PlainTable(title=title)
    for col in ("id", "when (UTC)", "audience", "alert", "impact", "state", "delivery"):
        grid.add_column(col, overflow="fold")
    for view in views:
        delivery = ", ".join(f"{k}: {v}" for k, v in sorted(view.delivered.items())) or "not queued"
        state = "open"
        if view.held_reason:
            state = f"held: {view.held_reason}"
        elif view.acknowledged_at:
            state = f"acknowledged {view.acknowledged_at:%Y-%m-%d %H:%M}" + (
                f" by {view.acknowledged_by}" if view.acknowledged_by else "")
        grid.add_row(str(view.id), f"{view.created_at:%Y-%m-%d %H:%M}", view.audience,
                     Text(view.headline), view.impact_text,
                     Text(state), delivery)
    Console().print(grid)


def _target_options(func: Any) -> Any:
    func = click.option("--competitor", default=None, help="A competitor (name or id).")(func)
    func = click.option("--product", default=None, help="One of our products (SKU or id).")(func)
    return click.argument("alert_id", type=int, required=False)(func)


def _key(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


@alerts.command("ack")
@_target_options
@click.option("--note", default=None, help="Why, for the record.")
@click.option("--by", "actor", default=None, help="Who acknowledges (default: $USER).")
@click.pass_context
def alerts_ack(ctx: click.Context, alert_id: int | None, product: str | None, competitor: str | None,
               note: str | None, actor: str | None) -> None:
    """Acknowledge an alert, or every open alert of a product or a competitor."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    try:
        count = actions.acknowledge(engine, alert_id=alert_id, product=_key(product),
                                    competitor=_key(competitor), actor=actor or _user(), note=note)
    except actions.AlertActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{count} open alert(s) acknowledged.")


@alerts.command("snooze")
@_target_options
@click.option("--days", type=float, default=None, help="For how many days.")
@click.option("--until", "until_text", default=None, help="Until when (ISO 8601, UTC if no zone).")
@click.option("--note", default=None, help="Why, for the record.")
@click.option("--by", "actor", default=None, help="Who snoozes (default: $USER).")
@click.pass_context
def alerts_snooze(ctx: click.Context, alert_id: int | None, product: str | None, competitor: str | None,
                  days: float | None, until_text: str | None, note: str | None, actor: str | None) -> None:
    """Hold back new alerts about an alert's listing, a product or a competitor for a while.

    Later runs still store what they find (marked held) but send nothing about it until then.
    """
    engine = engine_from(ctx)
    ensure_schema(engine)
    until = None
    if until_text is not None:
        try:
            until = datetime.fromisoformat(until_text)
        except ValueError:
            raise click.ClickException(f"--until {until_text!r} is not an ISO 8601 time") from None
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
    try:
        view = actions.snooze(engine, alert_id=alert_id, product=_key(product), competitor=_key(competitor),
                              until=until, days=days, actor=actor or _user(), note=note)
    except actions.AlertActionError as exc:
        raise click.ClickException(str(exc)) from None
    assert view.until is not None
    click.echo(f"snooze {view.id}: {view.target} held back until {view.until:%Y-%m-%d %H:%M} UTC.")


@alerts.command("snoozes")
@click.pass_context
def alerts_snoozes(ctx: click.Context) -> None:
    """List the snoozes in force."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    views = actions.active_snoozes(engine)
    grid = PlainTable(title=f"{len(views)} snooze(s) in force")
    for col in ("id", "target", "until (UTC)", "by", "note"):
        grid.add_column(col, overflow="fold")
    for v in views:
        grid.add_row(str(v.id), v.target, f"{v.until:%Y-%m-%d %H:%M}" if v.until else "", v.actor or "",
                     Text(v.note or ""))
    Console().print(grid)


@alerts.command("unsnooze")
@click.argument("snooze_id", type=int)
@click.pass_context
def alerts_unsnooze(ctx: click.Context, snooze_id: int) -> None:
    """End a snooze now."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    try:
        view = actions.cancel_snooze(engine, snooze_id)
    except actions.AlertActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"snooze {view.id} on {view.target} ended.")


@alerts.command("needs-a-look")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def alerts_needs_a_look(ctx: click.Context, limit: int) -> None:
    """Readings held back from business alerts as doubtful (suspect crawl, page changed)."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    _print_alerts("Needs a look (held back from business alerts)", actions.needs_a_look(engine, limit=limit))


def _user() -> str | None:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


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
