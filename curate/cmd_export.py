"""Export the curated faces of a corpus for training elsewhere.

  python -m curate export datasets/demo --format folders --out exports/demo
  python -m curate export datasets/fer --format fer2013-csv --out fer.csv
  python -m curate export datasets/demo --format pickle --out faces.pkl --six-class
  python -m curate export datasets/demo --format folders --out exports/tt --split train,test

Only status-ok, labeled faces are written; what was left out (duplicates, rejected,
unlabeled, images not yet extracted, classes a format cannot hold) is counted and printed.
--six-class folds disgust into angry in the export only; the corpus keeps the original.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from corpus import Corpus, CorpusError

from .cli_options import add_no_progress
from .exporters import EXPORTERS, run_export
from .exporters.select import ExportError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("corpus", type=Path, help="corpus folder")
    parser.add_argument("--format", required=True, choices=list(EXPORTERS))
    parser.add_argument("--out", required=True, type=Path, help="file (csv, pickle) or folder")
    parser.add_argument("--six-class", action="store_true",
                        help="merge disgust into angry in the exported labels")
    parser.add_argument("--split", help="export only these splits, comma-separated "
                        "(train,val,test; Training/PublicTest/PrivateTest also accepted)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    add_no_progress(parser)


def main(args) -> int:
    splits = [s.strip() for s in args.split.split(",") if s.strip()] if args.split else None
    try:
        with Corpus(args.corpus, create=False) as corpus:
            selection, written = run_export(corpus, args.format, args.out,
                                            six_class=args.six_class, splits=splits,
                                            overwrite=args.overwrite,
                                            progress=not args.no_progress)
    except (CorpusError, ExportError, OSError) as exc:
        print(f"curate export: {exc}", file=sys.stderr)
        return 2
    print(written)
    print("exported " + selection.summary())
    return 0
