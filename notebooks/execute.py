"""Run the walkthrough and save it with its outputs (small JPEG figures).

    .venv/bin/python notebooks/execute.py

The notebook is committed executed, so that it shows its pictures where it is
read (a code host renders them); CI runs it again (pytest --nbmake) so that
it cannot go stale. Cell timings are dropped: they would change every run.
"""

from pathlib import Path

import nbclient
import nbformat

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    path = HERE / "walkthrough.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    )
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print(f"{path.name}: {path.stat().st_size // 1024} KB")
