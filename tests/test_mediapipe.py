"""The bundled MediaPipe backend, as a library user meets it."""

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
