"""Command line: ``silhouette PHOTO [--height-cm N] [--json] [--overlay OUT.png]``.

Exit codes: 0 measured (a person was found), 2 usage error, 3 no person found,
4 the photo cannot be read, 1 unexpected internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_NO_PERSON = 3
EXIT_BAD_INPUT = 4


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(
        prog="silhouette",
        description=(
            "Measure the hip dips (the inward curve of the body's outline between hip bone "
            "and thigh) of the standing person in a photo. Runs offline; the photo never "
            "leaves this computer. 'left' and 'right' are the person's own sides."
        ),
        epilog=(
            "Exit codes: 0 measured, 2 usage, 3 no person found, 4 unreadable photo, "
            "1 internal error."
        ),
    )
    p.add_argument("photo", type=Path, help="photo to analyse (JPEG, PNG, WebP, TIFF, HEIC)")
    p.add_argument(
        "--height-cm",
        type=float,
        metavar="N",
        help="the person's height in cm, to report depths in cm",
    )
    p.add_argument("--json", action="store_true", help="print the JSON result only")
    p.add_argument(
        "--overlay",
        type=Path,
        metavar="OUT.png",
        help="write the photo with the measurement drawn on it",
    )
    p.add_argument("--version", action="version", version=f"silhouette {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.height_cm is not None and not 50 <= args.height_cm <= 272:
        print(
            f"silhouette: error: --height-cm must be between 50 and 272, got {args.height_cm:g}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        with _quiet_native_logs():
            from . import Analyzer, ImageDecodeError, annotate, load_image

            try:
                image = load_image(args.photo)
            except ImageDecodeError as exc:
                print(f"silhouette: error: {exc}", file=sys.stderr)
                return EXIT_BAD_INPUT
            with Analyzer() as analyzer:
                result = analyzer.analyze(image, height_cm=args.height_cm)
        if args.overlay is not None:
            _write_png(args.overlay, annotate(image, result))
        if args.json:
            print(json.dumps(result.to_dict(), indent=2))
        else:
            print(format_summary(result, str(args.photo)))
        return EXIT_OK if result.person_found else EXIT_NO_PERSON
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(
            f"silhouette: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except Exception as exc:
        if os.environ.get("SILHOUETTE_DEBUG"):
            raise
        print(
            f"silhouette: internal error: {type(exc).__name__}: {exc} "
            "(set SILHOUETTE_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _write_png(path: Path, rgb) -> None:
    from PIL import Image

    # A fresh image from pixels only: no EXIF, GPS or other metadata.
    Image.fromarray(rgb).save(path, format="PNG")


def format_summary(result, name: str) -> str:
    """Plain-text summary of an analysis, a few lines."""
    if not result.person_found:
        return f"{name}: no person found"
    lines = [f"{name}: {result.view} view (left/right = the person's own sides)"]
    for side in (result.left, result.right):
        if not side.measured:
            lines.append(f"  {side.side:5s}  not measured")
            continue
        cm = f", {side.dip_depth_cm:.1f} cm" if side.dip_depth_cm is not None else ""
        state = "dip present" if side.dip_present else "no dip"
        lines.append(
            f"  {side.side:5s}  depth {100 * side.dip_depth_ratio:4.1f}% of hip width "
            f"({side.dip_depth_px:.1f} px{cm})  {state} (confidence {side.confidence:.2f})"
        )
    st = result.stance
    if st.hip_popped:
        lines.append(
            f"  stance hip-popped: pelvis tilted {abs(st.pelvic_tilt_deg):.0f} deg, weight on "
            f"the {st.weight_side} leg (a posing effect, not the body)"
        )
    elif st.hip_popped is False:
        lines.append(f"  stance straight (pelvic tilt {st.pelvic_tilt_deg:+.1f} deg)")
    extras = []
    if result.symmetry is not None:
        extras.append(f"symmetry {result.symmetry:.2f}")
    if result.waist_to_hip_ratio is not None:
        extras.append(f"waist/hip {result.waist_to_hip_ratio:.2f}")
    if result.pelvic_height_index is not None:
        extras.append(f"pelvic height {result.pelvic_height_index:.2f}")
    if extras:
        lines.append("  " + "   ".join(extras))
    for w in result.warnings:
        lines.append(f"  ! {w.message}")
    return "\n".join(lines)


@contextmanager
def _quiet_native_logs():
    """Send native (C++) log lines on fd 2 to /dev/null, keep Python's stderr.

    MediaPipe and TensorFlow Lite print start-up chatter from C++ straight to
    file descriptor 2; our own messages go to a duplicate of it.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded, some IDEs)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    old_stderr = sys.stderr
    try:
        os.dup2(devnull, 2)
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1)
        yield
    finally:
        sys.stderr.flush()
        if sys.stderr is not old_stderr:
            sys.stderr.close()
        sys.stderr = old_stderr
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
