"""The public API: complete, and cheap to import."""

import subprocess
import sys

import silhouette


def test_every_public_name_resolves():
    for name in silhouette.__all__:
        assert getattr(silhouette, name) is not None, name
    assert set(dir(silhouette)) >= set(silhouette.__all__)


def test_cli_help_does_not_import_heavy_libraries():
    # `silhouette --help` and `--version` must not pay for numpy, OpenCV or
    # MediaPipe: they are imported by the command that needs them.
    code = (
        "import sys, silhouette.apps.cli; "
        "print(sorted(m for m in ('cv2', 'numpy', 'mediapipe') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_measurement_chain_does_not_import_scipy():
    # SciPy's ndimage and spatial cost about 0.3 s each to import; the
    # geometry uses NumPy and OpenCV equivalents (the same numbers).
    code = (
        "import sys, silhouette.analyzer, silhouette.core.measure; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
