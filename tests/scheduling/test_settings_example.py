"""The shipped settings example is valid for every section, and bad settings are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from monitor.alerts.settings import AlertSettings
from monitor.compare.settings import CompareSettings
from monitor.matching.settings import MatchSettings
from monitor.scheduling.settings import NightlySettings, ScheduleSettings
from monitor.settings import SettingsError, load_section, read_settings
from reports.config import ReportSettings
from storage.money import MoneySettings
from web.config import WebSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pricewatch.yaml"
SECTIONS: dict[str, type[BaseModel]] = {
    "nightly": NightlySettings, "schedule": ScheduleSettings, "matching": MatchSettings,
    "compare": CompareSettings, "reports": ReportSettings, "alerts": AlertSettings,
    "money": MoneySettings, "web": WebSettings,
}


def test_example_has_every_section_and_each_validates() -> None:
    assert set(read_settings(EXAMPLE)) == set(SECTIONS)
    for name, model in SECTIONS.items():
        assert isinstance(load_section(EXAMPLE, name, model), model)
    schedule = load_section(EXAMPLE, "schedule", ScheduleSettings)
    assert schedule.nightly_cron == "30 2 * * *" and schedule.timezone == "Europe/Sofia"


@pytest.mark.parametrize(
    ("text", "section", "model", "message"),
    [
        ("schedule: {timezone: Mars/Base}", "schedule", ScheduleSettings, "unknown time zone"),
        ("schedule: {nightly_cron: 'every night'}", "schedule", ScheduleSettings, "crontab"),
        ("nightly: {parallel: 0}", "nightly", NightlySettings, "field parallel"),
        ("nightly: {paralel: 2}", "nightly", NightlySettings, "field paralel"),
    ],
)
def test_bad_settings_name_file_section_field(
    tmp_path: Path, text: str, section: str, model: type[BaseModel], message: str
) -> None:
    path = tmp_path / "pricewatch.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_section(path, section, model)
    assert str(path) in str(info.value) and f"section '{section}'" in str(info.value)
    assert message in str(info.value)


def test_missing_file_means_defaults_and_broken_yaml_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRICEWATCH_CONFIG", raising=False)
    assert load_section(None, "nightly", NightlySettings).parallel == 2
    bad = tmp_path / "pricewatch.yaml"
    bad.write_text("nightly: [unclosed\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_section(None, "nightly", NightlySettings)
