"""Command line.

``silhouette PHOTO [--height-cm N] [--json] [--overlay OUT.png]``
    Exit codes: 0 measured (a person was found), 2 usage error, 3 no person
    found, 4 the photo cannot be read, 1 unexpected internal error.

``silhouette batch FOLDER [--out DIR] [--workers N] [--recursive] [--height-cm N] [--overlays]``
    Exit codes: 0 every photo analysed, 5 some photos could not be read (see
    the report), 4 the folder cannot be read or the output folder written,
    6 another batch is writing to the output folder, 2 usage error, 130
    interrupted by Ctrl-C or SIGTERM (everything finished so far is saved,
    and the report shows it). With ``--scheduler tcp://HOST:8786`` the photos
    are analysed on a Dask cluster (:mod:`silhouette.apps.dask_batch`): 7 the
    ``[dask]`` extra is not installed, 8 the scheduler cannot be reached, has
    no workers or was lost (finished photos are saved).

``silhouette compare BEFORE AFTER [--height-cm N] [--json] [--out COMPARE.png]``
    How each hip's dip changed from the earlier photo to the later one, and
    whether the two were taken alike enough to compare. Exit codes as for one
    photo: 0 compared, 2 usage error, 3 no person in one of them, 4 a photo
    cannot be read, 1 unexpected internal error.

``silhouette serve [--host 127.0.0.1] [--port 8000] [--workers N]``
    The HTTP service; see :mod:`silhouette.apps.serve` for its options and
    exit codes.

Every name and message printed is escaped (:func:`silhouette.files.printable`):
a file name cannot break a one-line message or send escape sequences to the
terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

from ..files import native_stderr_silenced, printable

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_NO_PERSON = 3
EXIT_BAD_INPUT = 4
EXIT_SOME_FAILED = 5
EXIT_OUT_IN_USE = 6
EXIT_NO_EXTRA = 7  # an optional extra the command needs is not installed
EXIT_CLUSTER = 8  # the Dask scheduler cannot be reached, has no workers, or was lost
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a pipe closed early

#: What --overlay writes, by the ending of its name.
OVERLAY_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}


def _height_cm(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of centimetres, got {text!r}") from None
    if not 50 <= value <= 272:
        raise argparse.ArgumentTypeError(f"must be between 50 and 272, got {value:g}")
    return value


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
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


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, with where to read more."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(_usage_error(self.prog, message))


def _parser() -> argparse.ArgumentParser:
    from .. import __version__

    p = _Parser(
        prog="silhouette",
        usage=(
            "silhouette PHOTO [--height-cm N] [--json] [--overlay OUT.png]\n"
            "       silhouette compare BEFORE AFTER [...]\n"
            "       silhouette batch FOLDER [...]\n"
            "       silhouette serve [...]"
        ),
        description=(
            "Measure the hip dips (the inward curve of the body's outline between hip bone "
            "and thigh) of the standing person in a photo. Runs offline; the photo never "
            "leaves this computer. 'left' and 'right' are the person's own sides."
        ),
        epilog=(
            "Besides the depths: symmetry is 1 when both sides' dips are alike and 0 when only "
            "one side has one; waist/hip is the narrowest waist width over the widest hip width "
            "as seen in the photo (not a tape measure); pelvic height is the hip bone to thigh "
            "bone span in torso lengths (a high pelvis tends to show more prominent dips). "
            "Exit codes: 0 measured, 2 usage, 3 no person found, 4 unreadable photo, "
            "1 internal error. For a folder of photos: silhouette batch FOLDER --help; "
            "for two photos before and after: silhouette compare --help; "
            "for an HTTP service: silhouette serve --help"
        ),
    )
    p.add_argument("photo", type=Path, help="photo to analyse (JPEG, PNG, WebP, TIFF, HEIC)")
    _add_common(p)
    p.add_argument("--json", action="store_true", help="print the JSON result only")
    p.add_argument(
        "--overlay",
        type=Path,
        metavar="OUT.png",
        help="write the photo with the measurement drawn on it, in the format its name "
        "says (.png, .jpg, .webp or .tif)",
    )
    p.add_argument("--version", action="version", version=f"silhouette {__version__}")
    return p


def _compare_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="silhouette compare",
        description=(
            "How each hip's dip changed from an earlier photo to a later one of the same "
            "person, and whether the two photos were taken alike enough (view, body turn, "
            "camera height and tilt, stance, clothing at the hips) for the change to be the "
            "body's. 'left' and 'right' are the person's own sides."
        ),
        epilog=(
            "A change under 0.7 points of hip width is within what two photos of an unchanged "
            "body differ by. Exit codes: 0 compared, 2 usage, 3 no person in one of the photos, "
            "4 unreadable photo, 1 internal error."
        ),
    )
    p.add_argument("before", type=Path, help="the earlier photo")
    p.add_argument("after", type=Path, help="the later photo")
    _add_common(p)
    p.add_argument("--json", action="store_true", help="print the JSON result only")
    p.add_argument(
        "--out",
        type=Path,
        metavar="COMPARE.png",
        help="write the later photo with both outlines drawn (the earlier one dashed), in "
        "the format its name says (.png, .jpg, .webp or .tif)",
    )
    return p


def _batch_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="silhouette batch",
        description=(
            "Analyse every photo in a folder of progress photos and write results.csv, "
            "results.jsonl and report.html (a timeline with a trend of the dip depth per "
            "side). Re-running adds only new photos; an interrupted run resumes."
        ),
        epilog=(
            "Each result records the options that shaped it: a later run with another "
            "--height-cm, or with --overlays, analyses those photos again. "
            "Exit codes: 0 all photos analysed, 5 some photos could not be read, "
            "4 folder unreadable or output folder not writable, 6 output folder in use by "
            "another batch, 2 usage, 130 interrupted (finished photos are saved); with "
            "--scheduler: 7 the dask extra is not installed, 8 the Dask scheduler cannot be "
            "reached or was lost (finished photos are saved)."
        ),
    )
    p.add_argument("folder", type=Path, help="folder of photos (JPEG, PNG, WebP, TIFF, HEIC)")
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: FOLDER/silhouette-results; it is never read as photos)",
    )
    p.add_argument(
        "--workers",
        type=_at_least_one,
        metavar="N",
        help="photos analysed in parallel, one model per process (default: all cores)",
    )
    p.add_argument("--recursive", action="store_true", help="include sub-folders")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="analyse on a Dask cluster, e.g. tcp://HOST:8786, instead of local processes "
        "(--workers is then ignored; needs pip install 'silhouette[dask]'; see docs/cluster.md)",
    )
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
        "--reference",
        metavar="PHOTO",
        help="the photo (its name inside FOLDER, or a path to it) the others of its view are "
        "compared with; "
        "default the earliest taken with a straight stance and the body's own outline. "
        "Kept for later runs of the same output folder",
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
    elif argv[:1] == ["compare"]:
        prog, run = "silhouette compare", lambda: _compare(_compare_parser().parse_args(argv[1:]))
    elif argv[:1] == ["serve"]:
        from .serve import main as serve

        prog, run = "silhouette serve", lambda: serve(argv[1:])
    else:
        prog, run = "silhouette", lambda: _single(_parser().parse_args(argv))
    try:
        with _terminate_as_interrupt():
            return run()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`silhouette photo.jpg --json | head -1`):
        # nothing more can be said to it.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # one line for the user, never a traceback
        if os.environ.get("SILHOUETTE_DEBUG"):
            raise
        print(
            f"{prog}: internal error: {type(exc).__name__}: {printable(str(exc))} "
            "(set SILHOUETTE_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


@contextmanager
def _terminate_as_interrupt():
    """SIGTERM ends the command as Ctrl-C does: finished work is kept."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (embedded): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _error(prog: str, message: str) -> None:
    print(f"{prog}: error: {message}", file=sys.stderr)


def _usage_error(prog: str, message: str) -> int:
    """A usage error in argparse's form (one line), as :class:`_Parser` prints them."""
    _error(prog, f"{message} (see {prog} --help)")
    return EXIT_USAGE


def _single(args: argparse.Namespace) -> int:
    if args.overlay is not None:
        problem = _overlay_problem(args.overlay, args.photo)
        if problem:
            return _usage_error("silhouette", problem)
    from .. import Analyzer, SilhouetteError, annotate
    from ..draw import OVERLAY_MAX_SIDE
    from ..io import load_image

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with _quiet_native_logs():
                with Analyzer() as analyzer:
                    result = analyzer.analyze(args.photo, height_cm=args.height_cm)
                if args.overlay is not None:
                    image = load_image(args.photo, max_side=OVERLAY_MAX_SIDE)
        except SilhouetteError as exc:
            _error("silhouette", printable(str(exc)))
            return EXIT_BAD_INPUT
    _print_warnings("silhouette", caught)
    if args.overlay is not None:
        try:
            _write_image(args.overlay, annotate(image, result))
        except OSError as exc:
            why = exc.strerror or str(exc)
            _error("silhouette", f"cannot write the overlay {printable(str(args.overlay))}: {why}")
            return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_summary(result, printable(str(args.photo))))
    sys.stdout.flush()  # a closed pipe shows here, not at exit
    return EXIT_OK if result.person_found else EXIT_NO_PERSON


def _compare(args: argparse.Namespace) -> int:
    prog = "silhouette compare"
    if args.out is not None:
        problem = _overlay_problem(args.out, args.before) or _overlay_problem(args.out, args.after)
        if problem:
            return _usage_error(prog, problem.replace("--overlay", "--out"))
    from .. import Analyzer, SilhouetteError, annotate_comparison, compare
    from ..draw import OVERLAY_MAX_SIDE
    from ..io import load_image

    results = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _quiet_native_logs(), Analyzer() as analyzer:
            for photo in (args.before, args.after):
                try:
                    results.append(analyzer.analyze(photo, height_cm=args.height_cm))
                    if args.out is not None and photo is args.after:
                        image = load_image(photo, max_side=OVERLAY_MAX_SIDE)
                except SilhouetteError as exc:
                    _error(prog, printable(str(exc)))
                    return EXIT_BAD_INPUT
    _print_warnings(prog, caught)
    before, after = results
    comparison = compare(before, after)
    if args.out is not None:
        try:
            _write_image(args.out, annotate_comparison(image, before, after, comparison))
        except OSError as exc:
            why = exc.strerror or str(exc)
            _error(prog, f"cannot write {printable(str(args.out))}: {why}")
            return EXIT_BAD_INPUT
    if args.json:
        print(
            json.dumps(
                {
                    "before": before.to_dict(),
                    "after": after.to_dict(),
                    "comparison": comparison.to_dict(),
                },
                indent=2,
            )
        )
    else:
        names = (printable(str(args.before)), printable(str(args.after)))
        print(format_comparison(comparison, *names))
        for when, result in (("earlier", before), ("later", after)):
            for why in _unmeasured_why(result):
                print(f"  ! {when} photo: {printable(why)}")
    sys.stdout.flush()
    return EXIT_OK if before.person_found and after.person_found else EXIT_NO_PERSON


def format_comparison(comparison, before: str, after: str) -> str:
    """Plain-text summary of a comparison, a few lines."""
    from ..draw import change_verdict, format_change, format_percent, missing_from

    lines = [f"{before} -> {after} (left/right = the person's own sides)"]
    for change in (comparison.left, comparison.right):
        if change.change_ratio is None:
            lines.append(f"  {change.side:5s}  not measured in {missing_from(change)}")
            continue
        verdict = change_verdict(change.change_ratio)
        if not change.beyond_noise:
            verdict += " (within the measurement's noise)"
        cm = "" if change.change_cm is None else f", {format_change(change.change_cm)} cm"
        lines.append(
            f"  {change.side:5s}  {format_percent(change.before_ratio):>5s} -> "
            f"{format_percent(change.after_ratio):>5s} of hip width "
            f"({format_change(100 * change.change_ratio)} points{cm}): {verdict}"
        )
    if comparison.comparable:
        lines.append("  the photos were taken alike: the change is the body's")
    else:
        lines.append("  ! not comparable: " + "; ".join(comparison.reasons))
        lines.append("  ! so the change may be the photo's (pose, camera, clothes), not the body's")
    return "\n".join(lines)


def _unmeasured_why(result) -> list[str]:
    """The warnings that say why a side of ``result`` was not measured."""
    if not result.person_found:
        return []
    gone = {s.side for s in (result.left, result.right) if not s.measured}
    return [w.message for w in result.warnings if w.code.rpartition("_")[2] in gone]


def _overlay_problem(overlay: Path, photo: Path) -> str | None:
    """Why ``--overlay`` cannot be written as asked, or None."""
    if overlay.suffix.lower() not in OVERLAY_FORMATS:
        return (
            f"--overlay: cannot tell the format from the name {printable(str(overlay))!r}; "
            "end it in .png, .jpg, .webp or .tif"
        )
    try:
        same = overlay.exists() and photo.exists() and os.path.samefile(overlay, photo)
    except (OSError, ValueError):
        same = False
    if same or overlay.absolute() == photo.absolute():
        return f"--overlay {printable(str(overlay))} is the photo itself; choose another name"
    return None


def _batch(args: argparse.Namespace) -> int:
    prog = "silhouette batch"
    if not args.folder.is_dir():
        _error(prog, f"{printable(str(args.folder))}: not a folder")
        return EXIT_BAD_INPUT
    out = args.out if args.out is not None else args.folder / "silhouette-results"
    if args.reference is not None:
        name = _name_inside(args.folder, Path(args.reference))
        if name is None:
            return _usage_error(
                prog,
                f"--reference {printable(args.reference)}: no such photo in "
                f"{printable(str(args.folder))} (give its name inside the folder)",
            )
        if "/" in name and not args.recursive:
            return _usage_error(
                prog,
                f"--reference {printable(args.reference)} is in a sub-folder; add --recursive "
                "to analyse the sub-folders",
            )
        args.reference = name
    from tqdm import tqdm

    from ..errors import InvalidInputError
    from ..files import LockHeldError

    name = printable(args.folder.resolve().name) or printable(str(args.folder))
    bars = []

    def start_bar(total: int) -> None:
        # Made inside _quiet_native_logs, on its sys.stderr: the real terminal
        # (file descriptor 2 itself then leads to the null device), and only
        # once the number of photos is known.
        bars.append(
            tqdm(total=total, unit="photo", file=sys.stderr, disable=None, dynamic_ncols=True)
        )

    def advance(n: int) -> None:
        if bars:
            bars[0].update(n)

    def close_bar() -> None:
        for b in bars:
            b.close()

    with _quiet_native_logs():
        from .batch import BatchInterrupted, run_batch
        from .dask_batch import ClusterError, DaskMissingError
        from .report import write_report

        try:
            summary = run_batch(
                args.folder,
                out,
                workers=args.workers,
                recursive=args.recursive,
                height_cm=args.height_cm,
                overlays=args.overlays,
                retry_errors=args.retry_errors,
                scheduler=args.scheduler,
                progress=advance,
                on_total=start_bar,
                reference=args.reference,
                include_posed=args.include_posed,
            )
        except BatchInterrupted as stop:
            close_bar()
            done = stop.summary
            try:
                report = write_report(
                    done.records, out, folder=name, include_posed=args.include_posed
                )
            except (OSError, KeyboardInterrupt):
                report = None
            print(
                f"{prog}: interrupted; the {done.new} photo(s) finished in this run are saved "
                f"in {printable(str(out))}"
                + (f" and shown in {printable(str(report))}" if report else "")
                + ". Run the same command again to go on.",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        except DaskMissingError as exc:
            close_bar()
            _error(prog, printable(str(exc)))
            return EXIT_NO_EXTRA
        except ClusterError as exc:
            close_bar()
            _error(prog, printable(str(exc)))
            return EXIT_CLUSTER
        except InvalidInputError as exc:  # a --reference with no person measured
            close_bar()
            _error(prog, f"{printable(str(exc))}; every photo is saved in {printable(str(out))}")
            return EXIT_USAGE
        except LockHeldError:
            close_bar()
            _error(
                prog,
                f"{printable(str(out))} is in use by another silhouette batch; wait for it to "
                "finish, or choose another --out",
            )
            return EXIT_OUT_IN_USE
        except OSError as exc:
            close_bar()
            where = printable(str(exc.filename or out))
            _error(prog, f"{where}: {exc.strerror or exc}")
            return EXIT_BAD_INPUT
        close_bar()
        from functools import partial

        from ..analyzer import AnalyzerOptions
        from . import batch
        from .before_after import write_before_after

        try:
            write_before_after(
                summary.records,
                args.folder,
                out,
                analyzer_factory=partial(batch._default_analyzer, AnalyzerOptions()),
                height_cm=args.height_cm,
            )
        except KeyboardInterrupt:
            # Every photo is saved: the report is still written, without the picture.
            report = write_report(
                summary.records, out, folder=name, include_posed=args.include_posed
            )
            print(
                f"{prog}: interrupted while drawing the before/after picture; every photo is "
                f"saved in {printable(str(out))} and shown in {printable(str(report))}",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        report = write_report(summary.records, out, folder=name, include_posed=args.include_posed)
    if summary.found == 0:
        print(
            f"{prog}: warning: no photos found in {printable(str(args.folder))} (JPEG, PNG, "
            "WebP, TIFF, BMP, HEIC)"
            + ("" if args.recursive else "; add --recursive to search its sub-folders"),
            file=sys.stderr,
        )
    print(_batch_summary(summary))
    for name_, message in summary.errors:
        print(f"  ! {printable(name_)}: {printable(message)}")
    for note in [*summary.notes, *_reference_notes(summary.records, args.include_posed)]:
        print(f"  note: {printable(note)}")
    print(f"Report: {printable(str(report))}")
    return EXIT_SOME_FAILED if summary.failed_total else EXIT_OK


def _name_inside(folder: Path, photo: Path) -> str | None:
    """``photo``'s name inside ``folder``: as given, or a path to it (``FOLDER/a.jpg``,
    as the shell completes it) made relative to the folder; None when it is no
    file inside the folder."""
    if not photo.is_absolute() and (folder / photo).is_file():
        return photo.as_posix()
    if photo.is_file():
        for inside, outer in (
            (Path(os.path.abspath(photo)), Path(os.path.abspath(folder))),
            (photo.resolve(), folder.resolve()),
        ):
            if inside.is_relative_to(outer):
                return inside.relative_to(outer).as_posix()
    return None


def _reference_notes(records, include_posed: bool) -> list[str]:
    """What the user should know about the series' reference photos."""
    notes = []
    for r in records:
        posed = ((r.result or {}).get("stance") or {}).get("hip_popped")
        if r.comparison and r.comparison["reference"] == r.file and posed and not include_posed:
            notes.append(
                f"the reference photo {r.file} has a hip-popped stance, so no straight photo of "
                "its view compares with it and its trend is empty; name a straight one with "
                "--reference, or add --include-posed"
            )
        elif r.comparison and r.comparison["reference"] == r.file:
            # The reference may be the odd one out: most others then fall out of the trend.
            others = [
                o.comparison["comparable"]
                for o in records
                if o.comparison and o.comparison["reference"] == r.file and o is not r
            ]
            if len(others) >= 2 and sum(others) < len(others) / 2:
                notes.append(
                    f"{len(others) - sum(others)} of the {len(others)} other photos do not "
                    f"compare with the reference photo {r.file} (each card in the report says "
                    "why); if that photo is the odd one out, name another with --reference"
                )
    return notes


def _batch_summary(summary) -> str:
    parts = [
        f"{summary.found} photo(s) found: {summary.new} analysed now "
        f"({summary.measured} measured, {summary.no_person} with no person, "
        f"{summary.failed} could not be read)"
    ]
    if summary.redone:
        parts.append(f"{summary.redone} of them again, for the options of this run")
    parts.append(f"{summary.skipped} already done")
    if summary.duplicates:
        parts.append(f"{summary.duplicates} duplicate(s) of other photos")
    if summary.renamed:
        parts.append(f"{summary.renamed} renamed")
    if summary.removed:
        parts.append(f"{summary.removed} record(s) of photos no longer there removed")
    return ", ".join(parts) + "."


def _print_warnings(prog: str, caught: list[warnings.WarningMessage]) -> None:
    """Our warnings, one line each, once each (a photo read twice warns twice)."""
    from ..errors import SilhouetteWarning

    ours = [str(w.message) for w in caught if issubclass(w.category, SilhouetteWarning)]
    for message in dict.fromkeys(ours):
        print(f"{prog}: warning: {printable(message)}", file=sys.stderr)


def _write_image(path: Path, rgb) -> None:
    """Write ``rgb`` in the format ``path``'s ending names; pixels only."""
    import io

    from PIL import Image

    fmt = OVERLAY_FORMATS[path.suffix.lower()]
    options = {"quality": 92} if fmt in ("JPEG", "WEBP") else {}
    # A fresh image from pixels only: no EXIF, GPS or other metadata.
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, **options)
    # Written directly, not by a rename: the name may be a device or a pipe.
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())


def format_summary(result, name: str) -> str:
    """Plain-text summary of an analysis, a few lines."""
    from ..draw import format_percent

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
            f"  {side.side:5s}  depth {format_percent(side.dip_depth_ratio):>5s} of hip width "
            f"({side.dip_depth_px:.1f} px{cm})  {state} (confidence {side.confidence:.2f})"
        )
    st = result.stance
    if st.hip_popped:
        lines.append(
            f"  stance hip-popped: pelvis tilted {abs(st.pelvic_tilt_deg):.0f} deg, weight on "
            f"the {st.weight_side} leg (a posing effect, not the body)"
        )
    elif st.hip_popped is False:
        tilt = round(st.pelvic_tilt_deg, 1) + 0.0  # never "-0.0"
        lines.append(f"  stance straight (pelvic tilt {tilt:+.1f} deg)")
    extras = []
    if result.symmetry is not None:
        extras.append(f"symmetry {result.symmetry:.2f}")
    if result.waist_to_hip_ratio is not None:
        extras.append(f"waist/hip {result.waist_to_hip_ratio:.2f}")
    if result.pelvic_height_index is not None:
        extras.append(f"pelvic height {result.pelvic_height_index:.2f}")
    if extras:
        lines.append("  " + "   ".join(extras) + "   (see --help)")
    for w in result.warnings:
        lines.append(f"  ! {w.message}")
    return "\n".join(lines)


@contextmanager
def _quiet_native_logs():
    """Keep native (C++) log lines off the terminal while Python's messages show.

    The library already silences MediaPipe's start-up lines; this covers the
    whole command, so that its promise of one line per error holds whatever
    a native library prints. ``sys.stderr`` writes to the real terminal
    meanwhile (see :func:`silhouette.files.native_stderr_silenced`).
    """
    with native_stderr_silenced():
        yield


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
