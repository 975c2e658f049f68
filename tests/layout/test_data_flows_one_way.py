"""Data flows one way: a page is read in `spiders/`, becomes rows through `storage/`, rows
become findings and alerts in `monitor/`, findings become reports and the web app. No
package imports one further up that chain; the CLI and the scheduler (`monitor.cli`,
`monitor.commands`, `monitor.scheduling`, `monitor.__main__`) sit on top of all of it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

UPSTREAM = {
    "storage": {"spiders", "monitor", "reports", "web"},
    "spiders": {"monitor", "reports", "web"},
    "monitor": {"spiders", "reports", "web"},
    "reports": {"spiders", "web"},
}
"""Packages each package must not import (what it may import is everything else)."""

ON_TOP = ("monitor/cli.py", "monitor/__main__.py", "monitor/commands/", "monitor/scheduling/")


def _imported(path: Path) -> set[str]:
    """Top-level packages a module imports (absolute imports, at any depth in the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(UPSTREAM))
def test_no_package_imports_one_further_up(package: str) -> None:
    wrong = []
    for path in _modules(package):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(ON_TOP):
            continue
        bad = _imported(path) & UPSTREAM[package]
        if bad:
            wrong.append(f"{relative} imports {', '.join(sorted(bad))}")
    assert _modules(package), f"no modules found under {package}/"
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_an_import_back_up(tmp_path: Path) -> None:
    """The walk finds imports inside functions too (a lazy import is still a dependency)."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from spiders.extraction import condition\n", encoding="utf-8")
    assert _imported(module) == {"spiders"}
