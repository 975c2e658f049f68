"""Who is asking, and may they: one dependency applied to every route.

A browser is known by its session cookie (HttpOnly, SameSite=Lax, the random token's
SHA-256 stored); a program by `Authorization: Bearer <token>` (SHA-256 stored).
Every state-changing request of a browser session must carry the session's CSRF token
(form field `csrf_token` or header `X-CSRF-Token`); API tokens are not sent by browsers
on their own, so token requests need none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine

from storage.models import UserRole
from storage.repos import web as accounts
from storage.types import utcnow
from web.security import digest, same

SESSION_COOKIE = "pw_session"
RANKS = {UserRole.viewer.value: 0, UserRole.manager.value: 1, UserRole.admin.value: 2}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: str
    csrf_token: str | None
    """None when authenticated by an API token."""

    def can(self, role: UserRole) -> bool:
        return RANKS.get(self.role, -1) >= RANKS[role.value]

    @property
    def can_manage(self) -> bool:
        """Managers and admins decide (review, acknowledge, crawl now, upload)."""
        return self.can(UserRole.manager)


class NotLoggedIn(Exception):
    """No valid session or token: HTML pages redirect to the login form, the API says 401."""


class Forbidden(Exception):
    """Logged in, but the role does not allow it (or the CSRF token is missing): 403."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _identify(request: Request) -> User | None:
    engine = _engine(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        with engine.connect() as conn:
            row = accounts.token_user(conn, digest(header[7:].strip()))
        return User(row.id, row.name, row.role, None) if row else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    with engine.connect() as conn:
        row = accounts.session_user(conn, digest(cookie), utcnow())
    return User(row.id, row.name, row.role, row.csrf_token) if row else None


async def _sent_csrf(request: Request) -> str | None:
    sent = request.headers.get("x-csrf-token")
    if sent:
        return sent
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def authenticated(request: Request) -> User:
    """The logged-in user; a state-changing request from a session must carry its CSRF token."""
    user = _identify(request)
    if user is None:
        raise NotLoggedIn()
    if request.method not in SAFE_METHODS and user.csrf_token is not None \
            and not same(await _sent_csrf(request), user.csrf_token):
        raise Forbidden("missing or wrong CSRF token: reload the page and try again")
    request.state.user = user
    return user


def require(role: UserRole) -> Callable[[Request], Awaitable[User]]:
    """A dependency that lets only `role` and above through."""

    async def check(request: Request) -> User:
        known = getattr(request.state, "user", None)
        user = known if isinstance(known, User) else await authenticated(request)
        if not user.can(role):
            raise Forbidden(f"this needs the {role.value} role (you are {user.role})")
        return user

    return check


viewer = require(UserRole.viewer)
manager = require(UserRole.manager)
admin = require(UserRole.admin)
