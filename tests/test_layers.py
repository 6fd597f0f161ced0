"""The package's layers hold: the core imports no backend and no application."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept(monkeypatch):
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is not installed")
    monkeypatch.chdir(ROOT)  # the contracts live in pyproject.toml
    assert cli.lint_imports(no_cache=True) == 0


def test_a_core_module_importing_the_cli_breaks_the_contract(tmp_path, monkeypatch):
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is not installed")
    pkg = tmp_path / "src" / "silhouette"
    for sub in ("core", "apps", "backends"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    for name in ("analyzer", "results", "io", "draw", "errors", "files"):
        (pkg / f"{name}.py").write_text("")
    (pkg / "apps" / "cli.py").write_text("")
    (pkg / "core" / "dip.py").write_text("from ..apps import cli\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    for mod in [m for m in sys.modules if m == "silhouette" or m.startswith("silhouette.")]:
        monkeypatch.delitem(sys.modules, mod)
    assert cli.lint_imports(no_cache=True) != 0
