"""`pricewatch alerts list|run|send|test` against a real database file, SMTP server and
webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import Engine

from monitor.cli import cli

from .support import SmtpSink, WebhookSink, World


@pytest.fixture
def hook() -> Iterator[WebhookSink]:
    sink = WebhookSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def write_config(tmp_path: Path, smtp_port: int, hook_url: str) -> Path:
    path = tmp_path / "pricewatch.yaml"
    path.write_text(yaml.safe_dump({"alerts": {
        "lookback_days": 3650,
        "channels": {
            "email": {"type": "email", "host": "127.0.0.1", "port": smtp_port, "to": ["p@test.local"],
                      "timeout": 5},
            "hook": {"type": "webhook", "url": hook_url},
        },
        "business_channels": ["email"], "operations_channels": ["hook"],
    }}), encoding="utf-8")
    return path


def invoke(engine: Engine, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", engine.url.render_as_string(hide_password=False), *args],
                                env={"COLUMNS": "400"})
    return result.exit_code, result.stdout, result.stderr


def test_run_list_send(sqlite_engine: Engine, smtp: SmtpSink, hook: WebhookSink, tmp_path: Path) -> None:
    w = World(sqlite_engine)
    comp = w.competitor("shop-a")
    listing = w.listing(comp, "kettle", title="Kettle")
    w.match(w.product("SKU-1", "100.00", name="Kettle <b>1.7l</b> [sale]"), listing)
    w.observe(listing, 0, "100.00")
    w.observe(listing, 1, "85.00")
    w.crawl_run(comp, 2, suspect=True, reason="403 on 80% of pages")
    config = str(write_config(tmp_path, smtp.port, hook.url("/ops")))

    code, out, err = invoke(sqlite_engine, "alerts", "run", "--config", config, "--no-send")
    assert code == 0, err
    assert "2 new alert(s) (1 crawl_suspect, 1 price_drop)" in out and "2 message(s) queued" in out

    code, out, _ = invoke(sqlite_engine, "alerts", "list")
    assert code == 0
    assert "Price cut: Kettle <b>1.7l</b> [sale] at shop-a: €100.00 -> €85.00" in out
    assert "email: queued" in out and "hook: queued" in out

    code, out, err = invoke(sqlite_engine, "alerts", "send", "--config", config)
    assert code == 0, err
    assert "2 message(s) sent (email 1, hook 1)" in out
    assert len(smtp.messages) == 1 and len(hook.requests) == 1
    code, out, _ = invoke(sqlite_engine, "alerts", "list", "--outbox")
    assert "Outbox: 2 sent" in out

    code, out, _ = invoke(sqlite_engine, "alerts", "run", "--config", config)
    assert "0 new alert(s)" in out and "0 message(s) sent" in out
    assert len(smtp.messages) == 1


def test_send_with_server_down_exits_1_and_keeps_the_message(
    sqlite_engine: Engine, hook: WebhookSink, tmp_path: Path
) -> None:
    smtp = SmtpSink()  # never started: nothing listens on its port
    w = World(sqlite_engine)
    comp = w.competitor("shop-a")
    listing = w.listing(comp, "kettle")
    w.match(w.product("SKU-1", "100.00"), listing)
    w.observe(listing, 0, "100.00")
    w.observe(listing, 1, "50.00")
    config = str(write_config(tmp_path, smtp.port, hook.url()))
    code, out, err = invoke(sqlite_engine, "alerts", "run", "--config", config)
    assert code == 1
    assert "0 message(s) sent; 1 still queued" in out
    assert "warning: channel email did not accept message 1" in err and "nothing is lost" in err
    code, out, _ = invoke(sqlite_engine, "alerts", "list", "--outbox")
    assert "Outbox: 1 pending" in out
    smtp.start()
    try:
        code, out, err = invoke(sqlite_engine, "alerts", "send", "--config", config, "--retry-failed")
    finally:
        smtp.stop()
    # still in backoff (the retry time is minutes away): not sent yet, but not lost either
    assert "0 failed message(s) queued again" in out
    assert code == 0 and len(smtp.messages) == 0


def test_test_command(sqlite_engine: Engine, hook: WebhookSink, smtp: SmtpSink, tmp_path: Path) -> None:
    config = str(write_config(tmp_path, smtp.port, hook.url("/t")))
    code, out, err = invoke(sqlite_engine, "alerts", "test", "hook", "--config", config)
    assert code == 0, err
    assert "channel hook accepted the test message" in out
    [request] = hook.requests
    assert request["json"]["subject"].startswith("[pricewatch test]")
    code, out, err = invoke(sqlite_engine, "alerts", "test", "email", "--config", config)
    assert code == 0, err
    [msg] = smtp.messages
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Test kettle &lt;1.7 l&gt; &amp; &#34;lid&#34;" in html
    code, _, err = invoke(sqlite_engine, "alerts", "test", "nope", "--config", config)
    assert code == 1 and "no channel 'nope'" in err and "email, hook" in err
    smtp.stop()
    code, _, err = invoke(sqlite_engine, "alerts", "test", "email", "--config", config)
    assert code == 1 and "did not accept the test message" in err and "Connection refused" in err


def test_bad_settings_file_names_section_and_field(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("alerts:\n  policies:\n    - scope: category\n      debounce: 0\n", encoding="utf-8")
    code, _, err = invoke(sqlite_engine, "alerts", "send", "--config", str(path))
    assert code == 1
    assert "section 'alerts'" in err and "policies.0" in err
