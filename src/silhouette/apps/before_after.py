"""The before/after picture of a progress series, for its report.

The first and the latest comparable photos of the series' main view
(:func:`silhouette.apps.series.before_after_pair`) are analysed again and the
earlier hip outline is drawn, aligned by the joints, over the later photo
(:func:`silhouette.annotate_comparison`). A small stamp beside the picture
names the two photos it shows, so a report never shows a stale picture.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from ..analyzer import Analyzer
from ..files import atomic_write_bytes, atomic_write_text, printable
from .records import BatchRecord
from .series import BEFORE_AFTER_IMAGE, before_after_pair

__all__ = ["PICTURE_MAX_SIDE", "write_before_after"]

#: Long side of the before/after picture, pixels: the report shows it at
#: about 600 px, and a click shows it whole.
PICTURE_MAX_SIDE = 1600


def write_before_after(
    records: Sequence[BatchRecord],
    folder: str | Path,
    out_dir: str | Path,
    *,
    analyzer_factory: Callable[[], Analyzer] = Analyzer,
    height_cm: float | None = None,
) -> Path | None:
    """Draw the series' before/after picture into ``out_dir``; its path, or None.

    None (and any earlier picture removed) when the series has no two
    comparable photos, or one of them can no longer be read.
    """
    from PIL import Image

    from ..core.compare import compare
    from ..draw import annotate_comparison
    from ..errors import SilhouetteError
    from ..io import load_image

    out_dir = Path(out_dir)
    image_path = out_dir / BEFORE_AFTER_IMAGE
    stamp = out_dir / (BEFORE_AFTER_IMAGE + ".json")
    pair = before_after_pair(records)
    if pair is None:
        image_path.unlink(missing_ok=True)
        stamp.unlink(missing_ok=True)
        return None
    first, last = pair
    before_path, after_path = _photo_path(folder, first.file), _photo_path(folder, last.file)
    try:
        with analyzer_factory() as analyzer:
            before = analyzer.analyze(before_path, height_cm=height_cm)
            after = analyzer.analyze(after_path, height_cm=height_cm)
        photo = load_image(after_path, max_side=PICTURE_MAX_SIDE)
    except (SilhouetteError, OSError):
        image_path.unlink(missing_ok=True)
        stamp.unlink(missing_ok=True)
        return None
    drawn = annotate_comparison(photo, before, after, compare(before, after), hips_only=True)
    buf = io.BytesIO()
    # Pixels only: no EXIF, no location, no other metadata of the photos.
    Image.fromarray(drawn).save(buf, format="PNG")
    atomic_write_bytes(image_path, buf.getvalue())
    atomic_write_text(stamp, json.dumps([first.file, last.file]) + "\n")
    return image_path


def _photo_path(folder: str | Path, name: str) -> Path:
    """The photo a record names: records keep names printable (a tab or a byte
    that is not UTF-8 escaped), so such a name is looked up in the folder."""
    folder = Path(folder)
    direct = folder / name
    if direct.is_file() or "\\" not in name:  # an escaped name has a backslash
        return direct
    for path in folder.rglob("*"):
        if printable(path.relative_to(folder).as_posix()) == name and path.is_file():
            return path
    return direct
