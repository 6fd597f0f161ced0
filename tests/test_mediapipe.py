"""The bundled MediaPipe backend, as a library user meets it."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"

pytestmark = pytest.mark.model

LIBRARY_USE = textwrap.dedent(f"""
    import sys
    from silhouette import Analyzer, analyze, load_image

    image = load_image({str(SAMPLES / "arsalan_front.jpg")!r})
    with Analyzer() as analyzer:
        analyzer.analyze(image)
        print("python's own stderr still shows", file=sys.stderr)
        analyzer.analyze(image[::2, ::2].copy())  # another size: a new graph run
    analyze({str(SAMPLES / "render_back.jpg")!r})  # a second model in the process
""")


def test_the_library_prints_none_of_mediapipes_native_log_lines():
    # MediaPipe logs "Created TensorFlow Lite XNNPACK delegate",
    # "inference_feedback_manager" and more from C++ to file descriptor 2.
    p = subprocess.run(
        [sys.executable, "-c", LIBRARY_USE], capture_output=True, text=True, timeout=300
    )
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == ["python's own stderr still shows"]


DEFERRED_PYPLOT = textwrap.dedent(f"""
    import sys
    import numpy as np
    from PIL import Image
    from silhouette.backends.mediapipe import MediaPipePose

    pose = MediaPipePose()
    est = pose(np.asarray(Image.open({str(SAMPLES / "arsalan_front.jpg")!r}).convert("RGB")))
    print("pyplot ran:", "matplotlib.figure" in sys.modules)
    print("people seen:", est.people_seen)
    import matplotlib.pyplot as plt
    import mediapipe as mp

    print("pyplot works:", type(plt.figure()).__name__)
    print("mediapipe's plt is it:", mp.solutions.drawing_utils.plt is plt)
""")


def test_the_pose_model_loads_without_running_pyplot_which_still_works_later():
    # `import mediapipe` imports matplotlib.pyplot for its drawing utilities
    # (about 0.7 s); the backend defers it until someone uses it.
    p = subprocess.run(
        [sys.executable, "-c", DEFERRED_PYPLOT],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        "pyplot ran: False",
        "people seen: 1",
        "pyplot works: Figure",
        "mediapipe's plt is it: True",
    ]
