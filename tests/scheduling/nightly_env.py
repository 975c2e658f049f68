"""A small world for the nightly chain: demo shops over real HTTP, a real SMTP server, a
SQLite database, the competitors file, the mapping and the settings, all in tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import Engine

from demo.run import write_mapping
from demo.shops import ShopsHandle, competitors_yaml, start_shops
from storage.catalog_import import import_catalog
from storage.db import make_engine, upgrade
from tests.alerts.support import SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class NightlyEnv:
    root: Path
    db_url: str
    engine: Engine
    settings_file: Path
    competitors_file: Path
    report_dir: Path
    shops: ShopsHandle
    smtp: SmtpSink

    def cli_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PRICEWATCH_DATABASE_URL"] = self.db_url
        env["PRICEWATCH_CONFIG"] = str(self.settings_file)
        return env


@contextmanager
def nightly_env(
    tmp_path: Path, shops: tuple[str, ...] = ("jsonshop", "plainshop"), *, dead_competitor: bool = False
) -> Iterator[NightlyEnv]:
    """Start the shops and the SMTP server, load the demo catalog, write the config files."""
    smtp = SmtpSink().start()
    handle = start_shops(day=0, shops=shops)
    try:
        config = yaml.safe_load(competitors_yaml(handle.base_urls, enabled=shops))
        if dead_competitor:
            dead = dict(config["competitors"][0])
            dead.update(name="deadshop", display_name="Dead Shop",
                        base_url=f"http://127.0.0.1:{free_port()}/")
            config["competitors"].append(dead)
        for comp in config["competitors"]:
            comp.setdefault("politeness", {}).update(retries=0, timeout_s=5)
        competitors_file = tmp_path / "competitors.yaml"
        competitors_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                    encoding="utf-8")
        mapping = write_mapping(tmp_path / "mapping.csv", handle.base_urls)
        report_dir = tmp_path / "reports"
        settings_file = tmp_path / "pricewatch.yaml"
        settings_file.write_text(yaml.safe_dump({
            "nightly": {"competitors_file": str(competitors_file), "mapping_file": str(mapping),
                        "parallel": 2},
            "reports": {"out_dir": str(report_dir)},
            "alerts": {
                "defaults": {"debounce": 1},
                "channels": {"mail": {"type": "email", "host": "127.0.0.1", "port": smtp.port,
                                      "from_addr": "pricewatch@localhost",
                                      "to": ["manager@localhost"]}},
                "business_channels": ["mail"], "operations_channels": ["mail"],
            },
            "schedule": {"timezone": "UTC", "jitter_s": 0},
        }, sort_keys=False), encoding="utf-8")
        db_url = f"sqlite:///{tmp_path / 'pricewatch.db'}"
        engine = make_engine(db_url)
        upgrade(engine)
        import_catalog(engine, ROOT / "examples" / "catalog.csv")
        yield NightlyEnv(tmp_path, db_url, engine, settings_file, competitors_file, report_dir,
                         handle, smtp)
        engine.dispose()
    finally:
        handle.stop()
        smtp.stop()
