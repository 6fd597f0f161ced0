"""The notebook and the API reference: committed clean, buildable offline."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        cells = json.loads(nb.read_text())["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, nb.name


def test_api_reference_builds_offline(tmp_path):
    # The script runs `$PYTHON -m pdoc`: skip exactly when that cannot work.
    if importlib.util.find_spec("pdoc") is None:
        pytest.skip("pdoc is not installed (pip install -e '.[dev]')")
    subprocess.run(
        ["bash", str(ROOT / "docs" / "build-api.sh"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "PYTHON": sys.executable},
    )
    for page in ("silhouette.html", "silhouette/core/dip.html", "silhouette/apps/batch.html"):
        assert (tmp_path / page).exists(), page
    assert "measure_dip" in (tmp_path / "silhouette" / "core" / "dip.html").read_text()


def test_links_between_the_docs_resolve():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    pages += [ROOT / "models" / "README.md", ROOT / "sample_images" / "CREDITS.md"]
    broken = []
    for page in pages:
        # Markdown links and images: [text](target) / ![alt](target).
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a web address or an anchor on the same page
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_every_warning_code_is_documented_in_the_schema():
    from silhouette.core.notices import _CODE, _PER_SIDE, MESSAGES

    codes = set()
    for kind in MESSAGES:
        code = _CODE.get(kind, kind)
        codes |= {f"{code}_left", f"{code}_right"} if kind in _PER_SIDE else {code}
    table = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8").split("## Warning codes")[1]
    rows = [line.split("|")[1] for line in table.split("\n## ")[0].splitlines() if line[:1] == "|"]
    documented = {code for first in rows for code in re.findall(r"`([a-z_]+)`", first)}
    assert codes == documented
