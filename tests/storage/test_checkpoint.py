"""`storage.db.checkpoint`: SQLite's write-ahead log folded back after a bulk write, without
ever waiting for a reader that still holds an older snapshot."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.db import BULK_CACHE_KIB, BUSY_TIMEOUT_MS, bulk_cache, checkpoint, make_engine


def test_checkpoint_empties_the_log_and_never_waits_for_a_reader(tmp_path: Path) -> None:
    db = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{db}")
    wal = Path(f"{db}-wal")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as reader:
        reader.execute(text("BEGIN"))
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 1  # a snapshot
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t SELECT x + 1 FROM t"))
        assert not checkpoint(engine)  # the reader's snapshot still needs the log: no wait
        reader.execute(text("COMMIT"))
    assert wal.stat().st_size > 0
    assert checkpoint(engine)
    assert wal.stat().st_size == 0
    with engine.connect() as conn:  # the pooled connection waits for locks as before
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == BUSY_TIMEOUT_MS
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    engine.dispose()


def test_bulk_cache_widens_the_page_cache_for_the_block_only(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    with engine.begin() as conn:
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        with bulk_cache(conn):
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -BULK_CACHE_KIB
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before != -BULK_CACHE_KIB
        conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB * 2}")
        with bulk_cache(conn):  # never made smaller
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -BULK_CACHE_KIB * 2
    engine.dispose()
