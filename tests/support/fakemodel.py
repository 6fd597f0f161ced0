"""A stand-in for the pose model that reads a synthetic body out of its own photo.

Photos made by :func:`body_photo` are the synthetic body of ``support.bodies``
drawn in grey; :class:`SceneModel` recovers the body's soft mask from the
pixels and gives the landmarks of that body, so a folder of such photos
(each with its own dips) runs through the real batch, report and command
line in milliseconds, without MediaPipe. Anything else is "no person".

Environment (read in each worker process too):

``SILHOUETTE_FAKE_DELAY``
    Seconds each analysis takes (for interrupting a batch midway).
``SILHOUETTE_FAKE_CRASH``
    A mark (see :func:`body_photo`) whose photo kills the process analysing
    it, as a crash in native code would.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from PIL import Image

from silhouette import Analyzer, AnalyzerOptions, PoseEstimate
from support.bodies import Body, front_landmarks, image_for, make_body

#: (height, width) of every synthetic photo.
SIZE = (1400, 600)  # head and feet in the picture: a height gives a scale


def body_photo(body: Body | None = None, mark: int = 0) -> np.ndarray:
    """The body's photo, RGB; ``mark`` (0-255) changes its bytes, not the body."""
    mask, _ = make_body(body or Body(), size=SIZE)
    rgb = image_for(mask)
    rgb[0, 0, 2] = mark  # the blue channel of one background pixel
    return rgb


def save_photo(path: Path, body: Body | None = None, mark: int = 0) -> Path:
    """A synthetic photo as a PNG file (lossless: the model reads its pixels)."""
    Image.fromarray(body_photo(body, mark)).save(path, format="PNG")
    return path


class SceneModel:
    """A pose backend for :func:`body_photo` pictures."""

    def __call__(self, rgb: np.ndarray) -> PoseEstimate | None:
        time.sleep(float(os.environ.get("SILHOUETTE_FAKE_DELAY", "0")))
        if rgb.shape[:2] != SIZE:
            return None
        crash = os.environ.get("SILHOUETTE_FAKE_CRASH")
        if crash is not None and int(rgb[0, 0, 2]) == int(crash):
            os.abort()
        mask = np.clip((rgb[:, :, 0].astype(np.float32) - 40.0) / 160.0, 0.0, 1.0)
        if mask.max() < 0.5:
            return None
        h, w = SIZE
        return PoseEstimate(front_landmarks(w / 2.0, 0.45 * h, Body().torso_px), mask)

    def close(self) -> None:
        pass


def make_analyzer(options: AnalyzerOptions | None = None) -> Analyzer:
    """An analyzer with the fake model (what the batch's workers call)."""
    return Analyzer(options, pose_backend=SceneModel())
