"""The database lock keeps two runs apart, across processes, on both databases."""

from __future__ import annotations

import multiprocessing
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from monitor.scheduling.lock import (
    LockHeld,
    current_holder,
    db_lock,
    heartbeat,
    release,
    try_acquire,
)
from storage.db import make_engine


def test_second_holder_is_refused_until_release(engine: Engine) -> None:
    ttl = timedelta(minutes=1)
    assert try_acquire(engine, "nightly", "a", ttl)
    assert not try_acquire(engine, "nightly", "b", ttl)
    found = current_holder(engine, "nightly")
    assert found is not None and found[0] == "a"
    assert heartbeat(engine, "nightly", "a", ttl)
    assert not heartbeat(engine, "nightly", "b", ttl)
    release(engine, "nightly", "b")  # not b's to release: nothing happens
    assert not try_acquire(engine, "nightly", "b", ttl)
    release(engine, "nightly", "a")
    assert try_acquire(engine, "nightly", "b", ttl)


def test_expired_lock_of_a_dead_holder_is_taken_over(engine: Engine) -> None:
    assert try_acquire(engine, "nightly", "dead", timedelta(seconds=-1))
    assert try_acquire(engine, "nightly", "alive", timedelta(minutes=1))
    assert not heartbeat(engine, "nightly", "dead", timedelta(minutes=1))


def test_context_manager_raises_lockheld_naming_holder(engine: Engine) -> None:
    with (
        db_lock(engine, "nightly", holder="first"),
        pytest.raises(LockHeld, match="held by first"),
        db_lock(engine, "nightly"),
    ):
        pass
    with db_lock(engine, "nightly", holder="second") as me:
        assert me == "second"
    assert current_holder(engine, "nightly") is None


def _hold(url: str, started: multiprocessing.synchronize.Event, seconds: float) -> None:
    engine = make_engine(url)
    with db_lock(engine, "nightly", ttl=timedelta(seconds=2)):
        started.set()
        time.sleep(seconds)


def test_lock_is_held_across_processes_and_heartbeats(sqlite_engine: Engine) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    started = ctx.Event()
    proc = ctx.Process(target=_hold, args=(url, started, 3.0))
    proc.start()
    try:
        assert started.wait(30)
        # the holder's ttl is 2 s but it heartbeats, so 2.5 s later it still holds
        time.sleep(2.5)
        assert not try_acquire(sqlite_engine, "nightly", "other", timedelta(seconds=5))
    finally:
        proc.join(30)
    assert proc.exitcode == 0
    assert try_acquire(sqlite_engine, "nightly", "other", timedelta(seconds=5))


def test_lock_of_a_killed_process_is_taken_over_at_once(sqlite_engine: Engine) -> None:
    import os
    import signal
    import subprocess
    import sys

    from monitor.scheduling.lock import holder_id

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    host = holder_id().split(":")[0]
    dead_holder = f"{host}:{sleeper.pid}:abc123"
    assert try_acquire(sqlite_engine, "nightly", dead_holder, timedelta(hours=1))
    assert not try_acquire(sqlite_engine, "nightly", "me", timedelta(hours=1))  # still alive
    os.kill(sleeper.pid, signal.SIGKILL)
    sleeper.wait()
    assert try_acquire(sqlite_engine, "nightly", "me", timedelta(hours=1))
    found = current_holder(sqlite_engine, "nightly")
    assert found is not None and found[0] == "me"
    # a holder on another host is never presumed dead: it must expire
    assert try_acquire(sqlite_engine, "other", "elsewhere:1:x", timedelta(hours=1))
    assert not try_acquire(sqlite_engine, "other", "me", timedelta(hours=1))
