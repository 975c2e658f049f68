"""`pricewatch web` and `pricewatch users`: the web app and who may use it.

The web package sits on top of monitor (it calls the same functions as the CLI), so it is
imported inside the commands, never at module level.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from monitor.commands.base import engine_from, ensure_schema
from monitor.settings import SettingsError, settings_path
from storage.models import UserRole
from storage.repos import web as accounts

console = Console()

HOST = click.option("--host", default="127.0.0.1", show_default=True,
                    help="Address to listen on (0.0.0.0 for every interface).")
PORT = click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
                    help="Port to listen on.")


@click.command("web")
@HOST
@PORT
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Settings file (default: $PRICEWATCH_CONFIG or ./pricewatch.yaml if present).")
@click.pass_context
def web_cmd(ctx: click.Context, host: str, port: int, config_path: Path | None) -> None:
    """Serve the web app and the REST API (/api/v1) until Ctrl-C.

    Log in with a user made by `pricewatch users add NAME --role manager`. Only /health
    answers without logging in.
    """
    from web.server import run

    engine = engine_from(ctx)
    ensure_schema(engine)
    with engine.connect() as conn:
        if not accounts.users(conn):
            click.secho("no users yet: add one with `pricewatch users add NAME --role admin`",
                        fg="yellow", err=True)
    click.echo(f"pricewatch web: http://{host}:{port}/ on database "
               f"{engine.url.render_as_string(hide_password=True)}; Ctrl-C stops", err=True)
    try:
        run(engine, host, port, settings_path(config_path))
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _password(prompt: bool) -> str:
    """From $PRICEWATCH_PASSWORD, a pipe, or asked twice (never an argument: shell history)."""
    if os.environ.get("PRICEWATCH_PASSWORD"):
        return os.environ["PRICEWATCH_PASSWORD"]
    if not sys.stdin.isatty() and not prompt:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("password", hide_input=True, confirmation_prompt=True))


@click.group()
def users() -> None:
    """Web app users: viewers read, managers decide (review, acknowledge, crawl now,
    catalog upload), admins also manage users."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in UserRole]), default="viewer",
              show_default=True, help="What the user may do.")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str) -> None:
    """Add user NAME. The password comes from $PRICEWATCH_PASSWORD, standard input, or a
    prompt; it is stored as an argon2 hash."""
    from web.security import hash_password

    password = _password(prompt=sys.stdin.isatty())
    if len(password) < 8:
        raise click.ClickException("the password needs at least 8 characters")
    engine = engine_from(ctx)
    ensure_schema(engine)
    try:
        with engine.begin() as conn:
            accounts.add_user(conn, name.strip(), hash_password(password), role)
    except accounts.UserExistsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {name} added ({role})")


@users.command("passwd")
@click.argument("name")
@click.pass_context
def users_passwd(ctx: click.Context, name: str) -> None:
    """Set NAME's password (same sources as `users add`)."""
    from web.security import hash_password

    password = _password(prompt=sys.stdin.isatty())
    if len(password) < 8:
        raise click.ClickException("the password needs at least 8 characters")
    engine = engine_from(ctx)
    ensure_schema(engine)
    with engine.begin() as conn:
        if not accounts.set_password(conn, name, hash_password(password)):
            raise click.ClickException(f"no user {name!r}")
    click.echo(f"password of {name} changed")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List the users and their roles."""
    engine = engine_from(ctx)
    ensure_schema(engine)
    with engine.connect() as conn:
        rows = accounts.users(conn)
    grid = Table(title=f"{len(rows)} users")
    for col in ("name", "role", "active", "created (UTC)"):
        grid.add_column(col)
    for row in rows:
        grid.add_row(row.name, row.role, "yes" if row.active else "no", f"{row.created_at:%Y-%m-%d %H:%M}")
    console.print(grid)


@users.command("token")
@click.argument("name")
@click.option("--label", default="api", show_default=True, help="What the token is for.")
@click.pass_context
def users_token(ctx: click.Context, name: str, label: str) -> None:
    """Make an API token acting as NAME; printed once, stored only as a hash."""
    from web.security import digest, new_secret

    engine = engine_from(ctx)
    ensure_schema(engine)
    token = new_secret()
    with engine.begin() as conn:
        user = accounts.user_by_name(conn, name)
        if user is None:
            raise click.ClickException(f"no user {name!r}")
        accounts.add_token(conn, user.id, label, digest(token))
    click.echo(token)
    click.echo("use it as `Authorization: Bearer <token>`; it is not shown again", err=True)


web_commands: list[click.Command] = [web_cmd, users]
