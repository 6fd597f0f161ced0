"""Command line.

``silhouette PHOTO [--height-cm N] [--json] [--overlay OUT.png]``
    Exit codes: 0 measured (a person was found), 2 usage error, 3 no person
    found, 4 the photo cannot be read, 1 unexpected internal error.

``silhouette batch FOLDER [--out DIR] [--workers N] [--recursive] [--height-cm N] [--overlays]``
    Exit codes: 0 every photo analysed, 5 some photos could not be read (see
    the report), 4 the folder cannot be read, 2 usage error, 130 interrupted
    (everything finished so far is saved).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from ..files import printable

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_NO_PERSON = 3
EXIT_BAD_INPUT = 4
EXIT_SOME_FAILED = 5
EXIT_INTERRUPTED = 130


def _height_cm(text: str) -> float:
    value = float(text)
    if not 50 <= value <= 272:
        raise argparse.ArgumentTypeError(f"must be between 50 and 272, got {value:g}")
    return value


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--height-cm",
        type=_height_cm,
        metavar="N",
        help="the person's height in cm, to report depths in cm",
    )


def _parser() -> argparse.ArgumentParser:
    from .. import __version__

    p = argparse.ArgumentParser(
        prog="silhouette",
        description=(
            "Measure the hip dips (the inward curve of the body's outline between hip bone "
            "and thigh) of the standing person in a photo. Runs offline; the photo never "
            "leaves this computer. 'left' and 'right' are the person's own sides."
        ),
        epilog=(
            "Exit codes: 0 measured, 2 usage, 3 no person found, 4 unreadable photo, "
            "1 internal error. For a folder of photos: silhouette batch FOLDER --help"
        ),
    )
    p.add_argument("photo", type=Path, help="photo to analyse (JPEG, PNG, WebP, TIFF, HEIC)")
    _add_common(p)
    p.add_argument("--json", action="store_true", help="print the JSON result only")
    p.add_argument(
        "--overlay",
        type=Path,
        metavar="OUT.png",
        help="write the photo with the measurement drawn on it",
    )
    p.add_argument("--version", action="version", version=f"silhouette {__version__}")
    return p


def _batch_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="silhouette batch",
        description=(
            "Analyse every photo in a folder of progress photos and write results.csv, "
            "results.jsonl and report.html (a timeline with a trend of the dip depth per "
            "side). Re-running adds only new photos; an interrupted run resumes."
        ),
        epilog=(
            "Exit codes: 0 all photos analysed, 5 some photos could not be read, "
            "4 folder unreadable, 2 usage, 130 interrupted (finished photos are saved)."
        ),
    )
    p.add_argument("folder", type=Path, help="folder of photos (JPEG, PNG, WebP, TIFF, HEIC)")
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default: FOLDER/silhouette-results)"
    )
    p.add_argument(
        "--workers",
        type=_at_least_one,
        metavar="N",
        default=os.cpu_count() or 1,
        help="photos analysed in parallel, one model per process (default: all cores)",
    )
    p.add_argument("--recursive", action="store_true", help="include sub-folders")
    _add_common(p)
    p.add_argument(
        "--overlays",
        action="store_true",
        help="also write a full-size annotated PNG of every photo",
    )
    p.add_argument(
        "--include-posed",
        action="store_true",
        help="keep hip-popped photos in the trend (left out by default)",
    )
    p.add_argument(
        "--retry-errors",
        action="store_true",
        help="try again the photos an earlier run could not read",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["batch"]:
        prog, run = "silhouette batch", lambda: _batch(_batch_parser().parse_args(argv[1:]))
    else:
        prog, run = "silhouette", lambda: _single(_parser().parse_args(argv))
    try:
        return run()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # one line for the user, never a traceback
        if os.environ.get("SILHOUETTE_DEBUG"):
            raise
        print(
            f"{prog}: internal error: {type(exc).__name__}: {exc} "
            "(set SILHOUETTE_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _single(args: argparse.Namespace) -> int:
    try:
        with _quiet_native_logs():
            from .. import Analyzer, ImageDecodeError, annotate
            from ..draw import OVERLAY_MAX_SIDE
            from ..io import read_image

            try:
                with Analyzer() as analyzer:
                    result = analyzer.analyze(args.photo, height_cm=args.height_cm)
                if args.overlay is not None:
                    image = read_image(args.photo, max_side=OVERLAY_MAX_SIDE).rgb
            except ImageDecodeError as exc:
                print(f"silhouette: error: {printable(str(exc))}", file=sys.stderr)
                return EXIT_BAD_INPUT
        if args.overlay is not None:
            _write_png(args.overlay, annotate(image, result))
    except OSError as exc:  # writing the overlay
        print(
            f"silhouette: error: {exc.strerror or exc}: {printable(str(exc.filename or ''))}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_summary(result, printable(str(args.photo))))
    return EXIT_OK if result.person_found else EXIT_NO_PERSON


def _batch(args: argparse.Namespace) -> int:
    if not args.folder.is_dir():
        print(
            f"silhouette batch: error: {printable(str(args.folder))}: not a folder",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    out = args.out if args.out is not None else args.folder / "silhouette-results"
    from tqdm import tqdm

    with tqdm(total=0, unit="photo", file=sys.stderr, disable=None, dynamic_ncols=True) as bar:
        try:
            with _quiet_native_logs():
                from .batch import run_batch
                from .report import write_report

                summary = run_batch(
                    args.folder,
                    out,
                    workers=args.workers,
                    recursive=args.recursive,
                    height_cm=args.height_cm,
                    overlays=args.overlays,
                    retry_errors=args.retry_errors,
                    progress=bar.update,
                    on_total=lambda n: bar.reset(total=n),
                )
                report = write_report(
                    summary.records,
                    out,
                    folder=args.folder.resolve().name,
                    include_posed=args.include_posed,
                )
        except KeyboardInterrupt:
            print(
                f"silhouette batch: interrupted; finished photos are saved in {out}",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        except OSError as exc:
            print(
                f"silhouette batch: error: {exc.strerror or exc}: {exc.filename or out}",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    print(
        f"{summary.found} photo(s) found: {summary.new} analysed now "
        f"({summary.measured} measured, {summary.no_person} with no person, "
        f"{summary.failed} could not be read), {summary.skipped} already done"
        + (f", {summary.duplicates} duplicate(s) skipped" if summary.duplicates else "")
        + "."
    )
    for name, message in summary.errors:
        print(f"  ! {printable(name)}: {printable(message)}")
    print(f"Report: {printable(str(report))}")
    return EXIT_SOME_FAILED if summary.failed_total else EXIT_OK


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
        state = {True: "dip present", False: "no dip"}.get(
            side.dip_present,
            "not judged: the outline is clothing"
            if side.outline_source == "clothing"
            else "not judged: edge unclear"
            if side.outline_source == "uncertain"
            else "borderline",
        )
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
