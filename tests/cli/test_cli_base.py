"""The CLI run as a user runs it: a real process, a real database file."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import click
import pytest

from monitor.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--db", f"sqlite:///{db}", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, f"{prefix}{name} "))
    return found


def test_every_command_has_help_and_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in all_commands(cli):
        assert command.help or command.short_help, f"'{name}' has no help text"
        top = name.split()[0]
        assert f"pricewatch {top}" in readme, f"README does not mention 'pricewatch {top}'"


def test_db_upgrade_and_catalog_import(tmp_path: Path) -> None:
    db = tmp_path / "pw.db"
    result = run("db", "upgrade", db=db)
    assert result.returncode == 0, result.stderr
    assert "at revision" in result.stdout
    catalog = tmp_path / "catalog.csv"
    with catalog.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["sku", "name", "price", "currency", "gtin"])
        for i in range(60):
            writer.writerow([f"S{i}", f"Item {i}", f"{i + 1}.50", "EUR", ""])
    ok = run("catalog", "import", str(catalog), db=db)
    assert ok.returncode == 0, ok.stderr
    assert "60 new" in ok.stdout
    lines = catalog.read_text(encoding="utf-8").splitlines()
    lines[56] = "S55,Item 55,twelve,EUR,"
    catalog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = run("catalog", "import", str(catalog), db=db)
    assert bad.returncode != 0
    assert "line 57" in bad.stderr and "Nothing was imported" in bad.stderr
    shown = run("catalog", "show", "--limit", "3", db=db)
    assert "60 products" in shown.stdout


@pytest.mark.parametrize("sample", ["examples/competitors.yaml"])
def test_competitors_check_on_shipped_example(tmp_path: Path, sample: str) -> None:
    path = ROOT / sample
    if not path.exists():
        pytest.fail(f"{sample} is missing: the README points users at it")
    result = run("competitors", "check", str(path), db=tmp_path / "x.db")
    assert result.returncode == 0, result.stderr
    assert "all valid" in result.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(path.read_text(encoding="utf-8").replace("currency: ", "currency: X", 1),
                      encoding="utf-8")
    bad = run("competitors", "check", str(broken), db=tmp_path / "x.db")
    assert bad.returncode != 0 and "ISO 4217" in bad.stderr
