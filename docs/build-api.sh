#!/usr/bin/env bash
# Build the API reference from the docstrings, offline: docs/build-api.sh [OUT_DIR]
# (default docs/api, which git ignores). Needs pdoc: pip install -e '.[dev]'.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/api}"
pdoc="$(dirname "$(command -v python3)")/pdoc"
[ -x .venv/bin/pdoc ] && pdoc=.venv/bin/pdoc
exec "$pdoc" -d numpy -o "$out" silhouette \
    silhouette.analyzer silhouette.io silhouette.pose silhouette.landmarks silhouette.people \
    silhouette.mask silhouette.anatomy silhouette.outline silhouette.curvature \
    silhouette.posture silhouette.view silhouette.measure silhouette.draw \
    silhouette.batch silhouette.dates silhouette.store silhouette.trend silhouette.report \
    silhouette.cli silhouette.errors
