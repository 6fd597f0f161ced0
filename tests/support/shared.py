"""Where the shared photos and renders are, and how to read their labels.

Tests that need them skip with a reason when ``../shared`` is absent.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
PHOTOS = SHARED / "photos"
SYNTH = SHARED / "synth"
SYNTH_CLOTHED = SHARED / "synth_clothed"


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def parse_xy(text: str) -> np.ndarray:
    return np.array([float(t) for t in text.split(",")])


requires_photos = pytest.mark.skipif(
    not (PHOTOS / "SOURCES.tsv").exists(), reason=f"shared photos not found at {PHOTOS}"
)
requires_renders = pytest.mark.skipif(
    not (SYNTH / "labels.tsv").exists(), reason=f"shared renders not found at {SYNTH}"
)
