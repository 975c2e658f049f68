"""Data retention: prune raw evidence and delivered messages; never observations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete

from storage.models import OutboxMessage, table
from storage.types import utcnow


def prune(engine: Engine, evidence_dir: Path, days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete saved pages older than `days` and sent outbox messages older than `days`.

    Observations, promotions, findings and alerts are history and are kept.
    """
    cutoff = (now or utcnow()) - timedelta(days=days)
    files = 0
    if evidence_dir.is_dir():
        for path in sorted(evidence_dir.rglob("*"), reverse=True):
            if path.is_file() and datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
                path.unlink()
                files += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    outbox = table(OutboxMessage)
    with engine.begin() as conn:
        gone = conn.execute(
            delete(outbox).where(outbox.c.status == "sent", outbox.c.sent_at < cutoff)
        ).rowcount or 0
    return {"evidence_files": files, "outbox_messages": gone}
