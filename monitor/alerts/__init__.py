"""Alerts: tell the manager when a competitor starts a promotion or undercuts us, once,
on the channel they use; tell operations when a crawl looks unhealthy.

The nightly job calls `run_alerts` (derive events, apply the policies, store new alerts,
queue digests in the outbox) and then `deliver_pending` (send what is due, retry later
what fails). Rules are pure (`monitor.alerts.rules`), policies typed
(`monitor.alerts.policy`), SQL lives in `storage.repos.alerts`.
"""

from monitor.alerts.channels import DeliveryError
from monitor.alerts.outbox import DeliveryResult, deliver_pending, send_test_message
from monitor.alerts.pipeline import AlertRunResult, run_alerts
from monitor.alerts.settings import AlertSettings, EventKind, load_alert_settings

__all__ = [
    "AlertRunResult",
    "AlertSettings",
    "DeliveryError",
    "DeliveryResult",
    "EventKind",
    "deliver_pending",
    "load_alert_settings",
    "run_alerts",
    "send_test_message",
]
