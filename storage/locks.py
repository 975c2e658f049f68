"""A named lock kept in the database, so that two processes (two `serve`s, or `serve` and
a `run-now`; two crawls of one shop) never run the same job at once.

The holder refreshes the lock while it works (`heartbeat`); a lock whose holder died
expires after `ttl` and can then be taken over. Works the same on SQLite and PostgreSQL:
taking the lock is one INSERT (the primary key refuses a second holder) or one UPDATE of
an expired row.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from storage.models import Lock, table
from storage.types import utcnow


class LockHeld(RuntimeError):
    """Somebody else holds the lock."""

    def __init__(self, name: str, holder: str, expires_at: datetime) -> None:
        self.name, self.holder, self.expires_at = name, holder, expires_at
        super().__init__(f"'{name}' is held by {holder} until {expires_at:%Y-%m-%d %H:%M:%S} UTC")


def holder_id() -> str:
    """host:pid:random, so a log line says which process holds the lock."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def holder_is_dead(holder: str) -> bool:
    """True when `holder` names a process on this host that no longer exists.

    Lets a restarted service take over at once after a crash instead of waiting for the
    lock to expire. Holders on other hosts are left to expire.
    """
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def try_acquire(engine: Engine, name: str, holder: str, ttl: timedelta) -> bool:
    """Take the lock if free, expired, or held by a dead process on this host."""
    tbl = table(Lock)
    now = utcnow()
    try:
        with engine.begin() as conn:
            conn.execute(insert(tbl).values(name=name, holder=holder, acquired_at=now,
                                            expires_at=now + ttl))
        return True
    except IntegrityError:
        pass
    with engine.begin() as conn:
        taken = conn.execute(
            update(tbl)
            .where(tbl.c.name == name, tbl.c.expires_at < now)
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        )
        if taken.rowcount == 1:
            return True
        current = conn.execute(select(tbl.c.holder).where(tbl.c.name == name)).scalar()
        if current is None or not holder_is_dead(current):
            return False
        stolen = conn.execute(
            update(tbl)
            .where(tbl.c.name == name, tbl.c.holder == current)
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        )
        return stolen.rowcount == 1


def current_holder(engine: Engine, name: str) -> tuple[str, datetime] | None:
    tbl = table(Lock)
    with engine.connect() as conn:
        row = conn.execute(select(tbl.c.holder, tbl.c.expires_at).where(tbl.c.name == name)).first()
    return None if row is None else (row.holder, row.expires_at)


def heartbeat(engine: Engine, name: str, holder: str, ttl: timedelta) -> bool:
    """Extend our lock; False if we lost it (it expired and somebody took it)."""
    tbl = table(Lock)
    with engine.begin() as conn:
        done = conn.execute(
            update(tbl).where(tbl.c.name == name, tbl.c.holder == holder)
            .values(expires_at=utcnow() + ttl)
        )
        return done.rowcount == 1


def release(engine: Engine, name: str, holder: str) -> None:
    tbl = table(Lock)
    with engine.begin() as conn:
        conn.execute(delete(tbl).where(tbl.c.name == name, tbl.c.holder == holder))


@contextmanager
def db_lock(
    engine: Engine, name: str, *, ttl: timedelta = timedelta(minutes=2), holder: str | None = None
) -> Iterator[str]:
    """Hold `name` for the block, refreshing it in the background; raise LockHeld if taken."""
    me = holder or holder_id()
    if not try_acquire(engine, name, me, ttl):
        found = current_holder(engine, name)
        who, until = found if found else ("another process", utcnow())
        raise LockHeld(name, who, until)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(ttl.total_seconds() / 3):
            heartbeat(engine, name, me, ttl)

    thread = threading.Thread(target=beat, name=f"lock-{name}", daemon=True)
    thread.start()
    try:
        yield me
    finally:
        stop.set()
        thread.join(timeout=5)
        release(engine, name, me)


def held_by_someone_alive(engine: Engine, name: str) -> bool:
    """True while `name` is held by a holder that is neither expired nor a dead process here."""
    found = current_holder(engine, name)
    if found is None:
        return False
    holder, expires_at = found
    return expires_at >= utcnow() and not holder_is_dead(holder)


def acquire_waiting(engine: Engine, name: str, holder: str, ttl: timedelta,
                    wait_s: float, poll_s: float = 0.5) -> bool:
    """`try_acquire`, retried for up to `wait_s` seconds (a stopping holder finishing)."""
    deadline = time.monotonic() + wait_s
    while True:
        if try_acquire(engine, name, holder, ttl):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_s)


class Heartbeat:
    """Keeps a held lock fresh from a daemon thread until `stop()` (which releases it)."""

    def __init__(self, engine: Engine, name: str, holder: str, ttl: timedelta) -> None:
        self.engine, self.name, self.holder, self.ttl = engine, name, holder, ttl
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lock-{name}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl.total_seconds() / 3):
            try:
                heartbeat(self.engine, self.name, self.holder, self.ttl)
            except Exception:  # database away for a moment: the next beat tries again
                continue

    def stop(self, release_lock: bool = True) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if release_lock:
            release(self.engine, self.name, self.holder)


def crawl_lock_name(competitor_id: int) -> str:
    """The lock a crawl process holds while it crawls a competitor: never two at once."""
    return f"crawl:{competitor_id}"
