"""Alerts: tell the manager when a competitor starts a promotion or undercuts us, once,
on the channel they use; tell operations when a crawl looks unhealthy.

The nightly job calls `run_alerts` (derive events, apply the policies, store new alerts,
queue digests in the outbox) and then `deliver_pending` (send what is due, retry later
what fails). Rules are pure (`monitor.alerts.rules`), policies typed
(`monitor.alerts.policy`), SQL lives in `storage.repos.alerts`.
"""

from monitor.alerts.outbox import DeliveryResult, deliver_pending
from monitor.alerts.pipeline import AlertRunResult, run_alerts
from monitor.alerts.settings import AlertSettings, EventKind

__all__ = [
    "AlertRunResult",
    "AlertSettings",
    "DeliveryResult",
    "EventKind",
    "deliver_pending",
    "run_alerts",
]
