#!/usr/bin/env bash
# Build the API reference from the docstrings, offline: docs/build-api.sh [OUT_DIR]
# (default docs/api, which git ignores). Needs pdoc in the Python that runs it:
# $PYTHON if set, else the project's .venv, else python3 (pip install -e '.[dev]').
# pdoc documents the package and every submodule below it.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/api}"
python="${PYTHON:-python3}"
[ -z "${PYTHON:-}" ] && [ -x .venv/bin/python ] && python=.venv/bin/python
exec "$python" -m pdoc -d numpy -o "$out" silhouette silhouette.core silhouette.backends \
    silhouette.apps silhouette.analyzer silhouette.results silhouette.io silhouette.draw \
    silhouette.errors silhouette.files
