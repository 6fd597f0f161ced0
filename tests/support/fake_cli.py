"""Run the real command line with the fake model: ``python fake_cli.py batch FOLDER ...``.

The batch's workers are real processes and get the fake model too (the
factory is sent to them); signals, locks, files and the terminal are real.
"""

import sys
from pathlib import Path


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `support`
    import silhouette
    from silhouette.apps import batch, cli
    from support import fakemodel

    batch._default_analyzer = fakemodel.make_analyzer
    silhouette.Analyzer = fakemodel.make_analyzer  # the single-photo command
    return cli.main()


if __name__ == "__main__":  # only when run: importing this module changes nothing
    sys.exit(main())
