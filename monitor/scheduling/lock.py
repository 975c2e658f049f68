"""The scheduler's named locks: the implementation lives in :mod:`storage.locks`, where the
crawl processes (which must not import `monitor`) use it too for their per-shop lock."""

from storage.locks import (
    LockHeld,
    current_holder,
    db_lock,
    heartbeat,
    holder_id,
    holder_is_dead,
    release,
    try_acquire,
)

__all__ = ["LockHeld", "current_holder", "db_lock", "heartbeat", "holder_id", "holder_is_dead",
           "release", "try_acquire"]
