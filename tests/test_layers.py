"""The package's layers hold: the core imports no backend and no application."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept(monkeypatch):
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is not installed")
    monkeypatch.chdir(ROOT)  # the contracts live in pyproject.toml
    assert cli.lint_imports(no_cache=True) == 0


def _fake_package(tmp_path, monkeypatch):
    """An empty copy of the package: every module the contracts name, importing nothing."""
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    names = {"silhouette.core.dip", "silhouette.apps.cli"}
    for contract in config["contracts"]:
        names |= set(contract.get("source_modules", [])) | set(contract["forbidden_modules"])
    pkg = tmp_path / "src" / "silhouette"
    for sub in ("core", "apps", "backends"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    for name in names:
        parts = name.split(".")
        if parts[0] == "silhouette" and not pkg.joinpath(*parts[1:]).is_dir():
            pkg.joinpath(*parts[1:-1], parts[-1] + ".py").write_text("")  # a module
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    for mod in [m for m in sys.modules if m == "silhouette" or m.startswith("silhouette.")]:
        monkeypatch.delitem(sys.modules, mod)
    return pkg


def test_a_core_module_importing_the_cli_breaks_the_contract(tmp_path, monkeypatch):
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is not installed")
    pkg = _fake_package(tmp_path, monkeypatch)
    assert cli.lint_imports(no_cache=True) == 0  # the empty package keeps every contract
    (pkg / "core" / "dip.py").write_text("from ..apps import cli\n")
    assert cli.lint_imports(no_cache=True) != 0


@pytest.mark.parametrize(
    "module, line",
    [
        ("apps/batch.py", "import distributed\n"),  # only the Dask runner imports dask
        ("apps/cli.py", "import fastapi\n"),  # only the service imports FastAPI
        ("analyzer.py", "import uvicorn\n"),
    ],
)
def test_dask_and_fastapi_stay_in_their_own_modules(tmp_path, monkeypatch, module, line):
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is not installed")
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    pytest.importorskip("fastapi", reason="the serve extra is not installed")
    pkg = _fake_package(tmp_path, monkeypatch)
    (pkg / module).write_text(line)
    assert cli.lint_imports(no_cache=True) != 0
