"""Web app accounts: users, API tokens, browser sessions and the audit trail.

Only hashes are stored: passwords as argon2 hashes (made by the caller), tokens and
session cookies as SHA-256 of a random 256-bit value (a fast hash is right for random
secrets; argon2 is for guessable ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from storage.models import ApiToken, AuditEvent, WebSession, WebUser, table
from storage.types import utcnow

user_t = table(WebUser)
token_t = table(ApiToken)
session_t = table(WebSession)
audit_t = table(AuditEvent)


class UserExistsError(ValueError):
    """A user of that name exists already; nothing was changed."""


def add_user(conn: Connection, name: str, password_hash: str, role: str) -> int:
    if conn.execute(select(user_t.c.id).where(user_t.c.name == name)).first():
        raise UserExistsError(f"user {name!r} exists already")
    result = conn.execute(user_t.insert().values(
        name=name, password_hash=password_hash, role=role, active=True, failed_logins=0,
        created_at=utcnow()))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def set_password(conn: Connection, name: str, password_hash: str) -> bool:
    done = conn.execute(update(user_t).where(user_t.c.name == name)
                        .values(password_hash=password_hash, failed_logins=0))
    return done.rowcount > 0


def users(conn: Connection) -> Sequence[Any]:
    return conn.execute(select(user_t).order_by(user_t.c.name)).all()


def user_by_name(conn: Connection, name: str) -> Any | None:
    return conn.execute(select(user_t).where(user_t.c.name == name)).first()


def note_failed_login(conn: Connection, user_id: int, at: datetime) -> None:
    conn.execute(update(user_t).where(user_t.c.id == user_id).values(
        failed_logins=user_t.c.failed_logins + 1, last_failed_at=at))


def note_good_login(conn: Connection, user_id: int) -> None:
    conn.execute(update(user_t).where(user_t.c.id == user_id).values(failed_logins=0))


# --- sessions -----------------------------------------------------------------------------


def add_session(conn: Connection, user_id: int, token_hash: str, csrf_token: str,
                expires_at: datetime) -> None:
    now = utcnow()
    conn.execute(delete(session_t).where(session_t.c.expires_at < now))
    conn.execute(session_t.insert().values(
        user_id=user_id, token_hash=token_hash, csrf_token=csrf_token, created_at=now,
        expires_at=expires_at))


def session_user(conn: Connection, token_hash: str, now: datetime) -> Any | None:
    """The active user of a live session: (id, name, role, csrf_token), or None."""
    return conn.execute(
        select(user_t.c.id, user_t.c.name, user_t.c.role, session_t.c.csrf_token)
        .join(session_t, session_t.c.user_id == user_t.c.id)
        .where(session_t.c.token_hash == token_hash, session_t.c.expires_at > now,
               user_t.c.active.is_(True))
    ).first()


def end_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(session_t).where(session_t.c.token_hash == token_hash))


# --- API tokens ---------------------------------------------------------------------------


def add_token(conn: Connection, user_id: int, name: str, token_hash: str) -> None:
    conn.execute(token_t.insert().values(user_id=user_id, name=name, token_hash=token_hash,
                                         created_at=utcnow(), revoked=False))


def token_user(conn: Connection, token_hash: str) -> Any | None:
    """The active user owning a live API token: (id, name, role), or None."""
    return conn.execute(
        select(user_t.c.id, user_t.c.name, user_t.c.role)
        .join(token_t, token_t.c.user_id == user_t.c.id)
        .where(token_t.c.token_hash == token_hash, token_t.c.revoked.is_(False),
               user_t.c.active.is_(True))
    ).first()


# --- audit trail --------------------------------------------------------------------------


def record(conn: Connection, user_name: str, action: str, targets: Sequence[str | int | None],
           detail: dict[str, Any] | None = None) -> None:
    """One audit event per target, all at the same time."""
    now = utcnow()
    conn.execute(audit_t.insert(), [
        {"user_name": user_name, "action": action,
         "target": None if t is None else str(t), "detail": detail or {}, "at": now}
        for t in targets
    ])


def events(conn: Connection, actions: Sequence[str], targets: Sequence[str] | None = None,
           limit: int = 50) -> Sequence[Any]:
    """The newest audit events of these actions (on these targets), newest first."""
    query = select(audit_t).where(audit_t.c.action.in_(list(actions)))
    if targets is not None:
        if not targets:
            return []
        query = query.where(audit_t.c.target.in_(list(targets)))
    return conn.execute(query.order_by(audit_t.c.at.desc(), audit_t.c.id.desc())
                        .limit(limit)).all()
