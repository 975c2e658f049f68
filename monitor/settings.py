"""`pricewatch.yaml`: the service's settings, one section per capability.

Each capability owns its section's typed model (e.g. the comparison's settings live with
the comparison code) and reads it with `load_section`. A missing file or section means
defaults; a malformed one is a `SettingsError` naming the file, section and field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError

from storage.money import MoneySettings

DEFAULT_FILE = Path("pricewatch.yaml")
ENV_FILE = "PRICEWATCH_CONFIG"

M = TypeVar("M", bound=BaseModel)


class SettingsError(ValueError):
    """Settings that cannot be used; the message says where and how to fix them."""


def known_timezone(value: str) -> str:
    """Validator for IANA time-zone names (shared by every section that has one)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{value}' (use an IANA name like Europe/Sofia)") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(known_timezone)]
"""A settings field holding an IANA time-zone name, checked when the file is read."""


def settings_path(path: Path | str | None = None) -> Path | None:
    """The settings file in use: the one given, $PRICEWATCH_CONFIG, or ./pricewatch.yaml if present."""
    if path:
        return Path(path)
    if os.environ.get(ENV_FILE):
        return Path(os.environ[ENV_FILE])
    return DEFAULT_FILE if DEFAULT_FILE.exists() else None


def read_settings(path: Path | str | None = None) -> dict[str, Any]:
    """The whole settings file as a mapping ({} when there is none)."""
    found = settings_path(path)
    if found is None:
        return {}
    try:
        data = yaml.safe_load(found.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{found}: cannot read the settings file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"{found}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(f"{found}: expected a mapping of sections at the top")
    return data


def load_section(path: Path | str | None, section: str, model: type[M]) -> M:
    """Validate one section of the settings file into `model` (defaults when absent)."""
    data = read_settings(path)
    raw = data.get(section) or {}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        where = settings_path(path) or DEFAULT_FILE
        lines = [
            f"{where}: section '{section}', field {'.'.join(str(p) for p in err['loc'])}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        ]
        raise SettingsError("\n".join(lines)) from None


def load_money_settings(path: Path | str | None = None) -> MoneySettings:
    """The `money` section: configured exchange rates and the dual display (defaults when
    absent; the fixed euro pegs need no settings)."""
    return load_section(path, "money", MoneySettings)
