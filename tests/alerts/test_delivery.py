"""Delivery against real servers on 127.0.0.1: an aiosmtpd SMTP server and an http.server
webhook receiver. Asserts on what arrived: the right alerts, once each, escaped, in digest
order; and that a mail server being down loses nothing."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import Engine, select

from monitor.alerts import AlertSettings, deliver_pending, run_alerts
from monitor.alerts.channels import redact
from storage.models import Alert, OutboxMessage

from .support import SmtpSink, WebhookSink, World, night

EVIL_NAME = '<script>alert("x")</script> Kettle & Co'
EVIL_PROMO = "<img src=x onerror=alert(1)> -30% <b>today</b>"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def hook() -> Iterator[WebhookSink]:
    sink = WebhookSink().start()
    yield sink
    sink.stop()


def email_settings(port: int, **extra: object) -> AlertSettings:
    return AlertSettings.model_validate({
        "channels": {"email": {"type": "email", "host": "127.0.0.1", "port": port,
                               "from_addr": "pricewatch@test.local", "to": ["pricing@test.local"],
                               "timeout": 5, **extra}},
        "business_channels": ["email"],
    })


def build_shop(engine: Engine) -> tuple[World, dict[str, int]]:
    """Three matched listings at one competitor; night 0 is the baseline."""
    w = World(engine)
    comp = w.competitor("shop-a")
    listings = {}
    for slug, name, price in (("kettle", EVIL_NAME, "100.00"), ("toaster", "Toaster", "80.00"),
                              ("mixer", "Mixer", "300.00")):
        listing = w.listing(comp, slug, title=name)
        w.match(w.product(f"SKU-{slug}", price, name=name), listing)
        w.observe(listing, 0, price)
        listings[slug] = listing
    return w, listings


def night_one(w: World, listings: dict[str, int]) -> None:
    """Kettle: -10 with a promotion; toaster: -40; mixer: +30."""
    w.observe(listings["kettle"], 1, "90.00", regular="100.00", promotions=[{"kind": "badge", "text": EVIL_PROMO}])
    w.observe(listings["toaster"], 1, "40.00")
    w.observe(listings["mixer"], 1, "330.00")


def parts(msg: EmailMessage) -> tuple[str, str, list[EmailMessage]]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    return text.get_content(), html.get_content(), images  # type: ignore[union-attr]


def sent_alert_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxMessage).where(OutboxMessage.status == "sent")).all()
    return sorted(i for r in rows for i in r.alert_ids)


def test_email_digest_arrives_once_escaped_and_ranked(engine: Engine, smtp: SmtpSink) -> None:
    w, listings = build_shop(engine)
    night_one(w, listings)
    settings = email_settings(smtp.port)
    created = run_alerts(engine, settings, now=night(1))
    assert created.by_kind == {"price_drop": 1, "price_rise": 1, "promotion_started": 1}
    result = deliver_pending(engine, settings, now=night(1))
    assert (result.sent, result.failed) == (1, 0)
    [msg] = smtp.messages
    assert msg["Subject"] == "[pricewatch] Price cut: Toaster at shop-a: €80.00 -> €40.00 (-50.0%) (+2 more)"
    assert msg["To"] == "pricing@test.local"
    text, html, images = parts(msg)

    # the right alerts, each once, grouped by product and ranked by impact: toaster 40,
    # mixer 30, kettle 10 (its markdown and price cut are one event)
    lines = [line.strip() for line in text.splitlines() if re.match(r"\s*\d+\. ", line)]
    assert len(lines) == 3
    assert lines[0].startswith("1. Price cut at shop-a: €80.00 -> €40.00 (-50.0%)")
    assert lines[1].startswith("2. Price rise at shop-a")
    assert lines[2].startswith("3. Promotion started at shop-a") and "also: €100.00 -> €90.00" in lines[2]
    assert EVIL_NAME in text  # plain text stays as scraped

    # scraped text is escaped in the HTML part
    assert "<script>" not in html and "<img src=x" not in html and "<b>today</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Kettle &amp; Co" in html
    assert "&lt;img src=x onerror=alert(1)&gt; -30% &lt;b&gt;today&lt;/b&gt;" in html
    assert html.index("Toaster") < html.index("Mixer") < html.index("Kettle")

    # a small chart of the top alert's price history, inline
    [png] = images
    assert png.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    cid = png["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html

    # delivered exactly once: a second pass and a second run send nothing more
    assert deliver_pending(engine, settings, now=night(1) + timedelta(hours=1)).sent == 0
    assert run_alerts(engine, settings, now=night(1)).created == 0
    assert deliver_pending(engine, settings, now=night(1) + timedelta(hours=2)).sent == 0
    assert len(smtp.messages) == 1
    with engine.connect() as conn:
        delivered = [a.delivered for a in conn.execute(select(Alert)).all()]
    assert delivered == [{"email": "sent"}] * 3


def test_smtp_down_nothing_lost_then_delivered_exactly_once(
    engine: Engine, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    w, listings = build_shop(engine)
    settings = email_settings(smtp.port)
    smtp.stop()

    night_one(w, listings)
    run_alerts(engine, settings, now=night(1))
    down = deliver_pending(engine, settings, now=night(1))
    assert (down.sent, down.failed, down.gave_up) == (0, 1, 0)
    assert smtp.messages == []
    [warning] = down.warnings
    assert "channel email did not accept message" in warning
    assert "ConnectionRefusedError" in warning
    assert "stays queued" in warning and "nothing is lost" in warning
    assert "will be retried from 2026-11-03 02:05 UTC" in warning
    assert any(r.levelno == logging.WARNING and "nothing is lost" in r.getMessage() for r in caplog.records)
    with engine.connect() as conn:
        [queued] = conn.execute(select(OutboxMessage)).all()
    assert (queued.status, queued.attempts) == ("pending", 1)
    assert queued.next_attempt_at == night(1) + timedelta(minutes=5)
    assert "Connection refused" in (queued.last_error or "")

    # the next night adds alerts of its own while the server is still down
    w.observe(listings["toaster"], 2, "60.00")
    second = run_alerts(engine, settings, now=night(2))
    assert second.by_kind == {"price_rise": 1}
    still_down = deliver_pending(engine, settings, now=night(2))
    assert (still_down.sent, still_down.failed, still_down.deferred) == (0, 1, 1)

    smtp.start()  # the server is back, on the same port
    early = deliver_pending(engine, settings, now=night(2) + timedelta(minutes=1))
    assert early.sent == 0  # backoff: not due yet
    back = deliver_pending(engine, settings, now=night(3))
    assert (back.sent, back.failed) == (2, 0)
    assert deliver_pending(engine, settings, now=night(4)).sent == 0
    assert len(smtp.messages) == 2
    keys = [m["X-Pricewatch-Message"] for m in smtp.messages]
    assert len(set(keys)) == 2
    with engine.connect() as conn:
        all_ids = sorted(a.id for a in conn.execute(select(Alert)).all())
    assert sent_alert_ids(engine) == all_ids  # every alert delivered, none twice
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert subjects[0].startswith("[pricewatch] Price cut: Toaster at shop-a: €80.00 -> €40.00")
    assert subjects[1].startswith("[pricewatch] Price rise: Toaster at shop-a")


def test_gives_up_after_max_attempts_and_requeues_on_request(engine: Engine, smtp: SmtpSink) -> None:
    from storage.repos.alerts import requeue_failed

    w, listings = build_shop(engine)
    settings = email_settings(smtp.port)
    settings.delivery.max_attempts = 2
    smtp.stop()
    night_one(w, listings)
    run_alerts(engine, settings, now=night(1))
    assert deliver_pending(engine, settings, now=night(1)).failed == 1
    final = deliver_pending(engine, settings, now=night(2))
    assert final.gave_up == 1 and "gave up" in final.warnings[0]
    smtp.start()
    assert deliver_pending(engine, settings, now=night(3)).sent == 0  # given up: not retried by itself
    with engine.begin() as conn:
        assert requeue_failed(conn, night(3)) == 1
    assert deliver_pending(engine, settings, now=night(3)).sent == 1
    assert len(smtp.messages) == 1


def test_smtp_login_password_from_env_never_logged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "pw-Zq81-very-secret"
    sink = SmtpSink(password=secret).start()
    try:
        w, listings = build_shop(engine)
        night_one(w, listings)
        settings = email_settings(sink.port, username="alerts", password_env="PW_TEST_SMTP")
        run_alerts(engine, settings, now=night(1))
        monkeypatch.setenv("PW_TEST_SMTP", "wrong-" + secret)
        failed = deliver_pending(engine, settings, now=night(1))
        assert failed.failed == 1 and "SMTPAuthenticationError" in failed.warnings[0]
        monkeypatch.setenv("PW_TEST_SMTP", secret)
        assert deliver_pending(engine, settings, now=night(2)).sent == 1
        # smtplib tries each mechanism the server offers before giving up
        assert sink.logins[-1] == ("alerts", secret)
        assert set(sink.logins[:-1]) == {("alerts", "wrong-" + secret)}
        assert len(sink.messages) == 1
    finally:
        sink.stop()
    with engine.connect() as conn:
        stored = " ".join(str(r) for r in conn.execute(select(OutboxMessage)).all())
    assert secret not in caplog.text and secret not in stored


def test_webhook_json_for_business_and_slack_for_operations(engine: Engine, hook: WebhookSink) -> None:
    w, listings = build_shop(engine)
    night_one(w, listings)
    w.crawl_run(w.competitor("shop-b"), 1, suspect=True, reason="fill rate of price fell to 3% <& blocks>")
    settings = AlertSettings.model_validate({
        "channels": {"biz": {"type": "webhook", "url": hook.url("/business")},
                     "ops": {"type": "webhook", "url": hook.url("/ops"), "format": "slack"}},
        "business_channels": ["biz"], "operations_channels": ["ops"],
    })
    run_alerts(engine, settings, now=night(1))
    result = deliver_pending(engine, settings, now=night(1))
    assert result.sent_by_channel == {"biz": 1, "ops": 1}
    by_path = {r["path"]: r for r in hook.requests}
    assert set(by_path) == {"/business", "/ops"} and len(hook.requests) == 2

    business = by_path["/business"]["json"]
    assert business["source"] == "pricewatch" and business["audience"] == "business"
    assert [i["kind"] for i in business["items"]] == ["price_drop", "price_rise", "promotion_started"]
    assert [i["impact"] for i in business["items"]] == ["40.00", "30.00", "10.00"]
    assert len({i["alert_id"] for i in business["items"]}) == 3
    assert by_path["/business"]["headers"]["Idempotency-Key"].startswith("digest:biz:business:")

    ops = by_path["/ops"]["json"]
    assert ops["text"].startswith("[pricewatch operations] Crawl health: shop-b: fill rate of price fell to 3% &lt;&amp; blocks&gt;")
    [section] = [b for b in ops["blocks"] if b["type"] == "section"]
    assert "shop-b" in section["text"]["text"]
    assert "3% &lt;&amp; blocks&gt;" in section["text"]["text"]  # Slack's escaping
    assert "<&" not in section["text"]["text"]


def test_webhook_http_error_stays_pending(engine: Engine) -> None:
    failing = WebhookSink(status=503).start()
    try:
        w, listings = build_shop(engine)
        night_one(w, listings)
        settings = AlertSettings.model_validate({
            "channels": {"biz": {"type": "webhook", "url": failing.url()}}, "business_channels": ["biz"]})
        run_alerts(engine, settings, now=night(1))
        result = deliver_pending(engine, settings, now=night(1))
        assert (result.sent, result.failed) == (0, 1)
        assert "HTTP 503" in result.warnings[0]
        failing.status = 200
        assert deliver_pending(engine, settings, now=night(2)).sent == 1
        assert len(failing.requests) == 2  # one refused, one accepted
    finally:
        failing.stop()


def test_apprise_url_from_env_delivers_and_stays_secret(
    sqlite_engine: Engine, hook: WebhookSink, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = "tok3n-8c1f2a-secret"
    monkeypatch.setenv("PW_TEST_APPRISE", f"json://127.0.0.1:{hook.port}/apprise/{token}")
    w, listings = build_shop(sqlite_engine)
    night_one(w, listings)
    settings = AlertSettings.model_validate({
        "channels": {"chat": {"type": "apprise", "urls_env": "PW_TEST_APPRISE"}},
        "business_channels": ["chat"]})
    run_alerts(sqlite_engine, settings, now=night(1))
    assert deliver_pending(sqlite_engine, settings, now=night(1)).sent == 1
    [request] = hook.requests
    assert request["path"] == f"/apprise/{token}"
    assert request["json"]["title"].startswith("[pricewatch] Price cut: Toaster")
    assert "1. Price cut at shop-a: €80.00 -> €40.00" in request["json"]["message"]
    assert token not in caplog.text


def test_secret_webhook_url_is_masked_in_errors(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from .support import free_port

    secret_path = "/services/T000/B000/XXXXsecretXXXX"
    monkeypatch.setenv("PW_TEST_HOOK", f"http://127.0.0.1:{free_port()}{secret_path}")
    w, listings = build_shop(sqlite_engine)
    night_one(w, listings)
    settings = AlertSettings.model_validate({
        "channels": {"slack": {"type": "webhook", "url_env": "PW_TEST_HOOK", "format": "slack"}},
        "business_channels": ["slack"]})
    run_alerts(sqlite_engine, settings, now=night(1))
    result = deliver_pending(sqlite_engine, settings, now=night(1))
    assert result.failed == 1 and "Connection refused" in result.warnings[0]
    with sqlite_engine.connect() as conn:
        [row] = conn.execute(select(OutboxMessage)).all()
    assert "XXXXsecretXXXX" not in caplog.text + (row.last_error or "")


def test_missing_secret_env_is_a_clear_error(sqlite_engine: Engine, smtp: SmtpSink) -> None:
    w, listings = build_shop(sqlite_engine)
    night_one(w, listings)
    settings = email_settings(smtp.port, username="alerts", password_env="PW_TEST_UNSET_VAR")
    run_alerts(sqlite_engine, settings, now=night(1))
    result = deliver_pending(sqlite_engine, settings, now=night(1))
    assert result.failed == 1
    assert "environment variable PW_TEST_UNSET_VAR is not set" in result.warnings[0]


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("POST https://hooks.slack.com/services/T1/B2/abcdEF failed",
         ["https://hooks.slack.com/services/T1/B2/abcdEF"], "POST *** failed"),
        ("error at /services/T1/B2/abcdEF", ["/services/T1/B2/abcdEF"], "error at ***"),
        ("login pw=hunter22 refused", ["hunter22"], "login pw=*** refused"),
        ("nothing secret here", ["hunter22"], "nothing secret here"),
        ("short secrets are not masked: ab", ["ab"], "short secrets are not masked: ab"),
    ],
)
def test_redact(text: str, secrets: list[str], expected: str) -> None:
    assert redact(text, secrets) == expected
