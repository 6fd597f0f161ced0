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


def test_notebooks_are_committed_executed_with_small_pictures():
    # Read on a code host, a notebook shows only what was saved in it.
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        text = nb.read_text(encoding="utf-8")
        assert len(text) < 400_000, nb.name  # small figures, not full-size photos
        cells = [c for c in json.loads(text)["cells"] if c["cell_type"] == "code"]
        # Run top to bottom, once, every cell.
        assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1)), nb.name
        pictures = 0
        for cell in cells:
            for out in cell["outputs"]:
                assert out["output_type"] != "error", nb.name
                for kind, data in out.get("data", {}).items():
                    if kind.startswith("image/"):
                        pictures += 1
                        assert len(data) < 60_000, (nb.name, kind)  # base64, about 45 KB
                # Nothing of the computer it ran on: no paths, no user.
                dump = json.dumps(out)
                assert "/tmp/" not in dump and "/home/" not in dump and "/work/" not in dump
        assert pictures >= 5, nb.name


def public_api_misuse(source: str) -> list[str]:
    """Uses of silhouette that are not its public API (``silhouette.__all__``)."""
    import ast

    import silhouette

    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "silhouette":
            if node.module != "silhouette":
                bad.append(f"from {node.module} import ...")
            bad += [a.name for a in node.names if a.name not in silhouette.__all__]
        elif isinstance(node, ast.Import):
            bad += [a.name for a in node.names if a.name.startswith("silhouette.")]
            bad += [a.name for a in node.names if a.name.split(".")[0] in ("support", "tests")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "support":
            bad.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "silhouette" and node.attr not in silhouette.__all__:
                bad.append(f"silhouette.{node.attr}")
    return bad


def test_public_api_misuse_is_seen():
    assert public_api_misuse("from silhouette.core.dip import outer_hull") == [
        "from silhouette.core.dip import ...",
        "outer_hull",
    ]
    assert public_api_misuse("import silhouette\nsilhouette.backends") == ["silhouette.backends"]
    assert public_api_misuse("from support.inject import inject_dip") == [
        "from support.inject import ..."
    ]
    assert public_api_misuse("from silhouette import Analyzer, annotate") == []


def test_notebooks_use_only_the_public_api():
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                # IPython's %-lines are not Python.
                source = "\n".join(x for x in source.splitlines() if not x.startswith("%"))
                assert public_api_misuse(source) == [], (nb.name, source[:80])


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
