"""Import a public dataset into a corpus, idempotently (a rerun adds nothing).

  python -m curate import fer2013-csv fer2013.csv --into datasets/fer --size 48
  python -m curate import folders ../shared/data/ckplus48/CK+48 --into datasets/demo
  python -m curate import csv-labels ../shared/data/muxspace/legend_subset.csv --into datasets/demo
  python -m curate import images ../shared/data/yalefaces/images --into datasets/demo
  python -m curate import jaffe jaffe/ --into datasets/demo

Kinds: fer2013-csv, folders (<class>/ or <split>/<class>/), jaffe, csv-labels, images.
Crop sets (fer2013-csv, folders) enter as faces at the corpus face size; the others as images
for `curate extract`. Malformed rows are recorded as failed (with line numbers) and listed;
the rest import. Exit status 0 when every row imported or was skipped, 1 when some failed.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from corpus import Corpus, TaxonomyError, load_mapping

from .cli_options import add_no_progress
from .importers import IMPORTERS, get_importer, run_import
from .importers.base import ImportError_


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=list(IMPORTERS), help="source format")
    parser.add_argument("path", type=Path, help="the dataset file or folder")
    parser.add_argument("--into", required=True, type=Path, help="corpus folder (created)")
    parser.add_argument("--map", type=Path, help="TOML/JSON file mapping source label "
                        "names to classes, e.g. contempt = \"neutral\"")
    parser.add_argument("--dataset", help="source_dataset name recorded in provenance "
                        "(default: fer2013[/<csv name>], jaffe, or the folder/CSV name)")
    parser.add_argument("--limit", type=int, help="import only the first N rows/files")
    parser.add_argument("--size", type=int, help="face size for a corpus that has none yet "
                        "(default 100; 48 keeps FER2013 pixels as they are)")
    parser.add_argument("--as", dest="as_kind", choices=("face", "image", "frame"),
                        help="store as faces (already cropped) or images/frames (to extract); "
                             "default depends on the importer")
    parser.add_argument("--batch", type=int, default=200, help="rows per commit (200)")
    parser.add_argument("--subject-regex", help="regex whose first group is the subject id, "
                        "applied to file names (default: CK+, Yale and JAFFE patterns)")
    add_no_progress(parser)
    for name in IMPORTERS:
        mod = get_importer(name)
        if hasattr(mod, "add_arguments"):
            mod.add_arguments(parser.add_argument_group(f"{name} options"))


def importer_options(args) -> dict:
    mod = get_importer(args.kind)
    if not hasattr(mod, "add_arguments"):
        return {}
    probe = argparse.ArgumentParser(add_help=False)
    mod.add_arguments(probe)
    return {dest: getattr(args, dest) for dest in vars(probe.parse_args([]))}


def main(args) -> int:
    try:
        mapping = load_mapping(args.map) if args.map else None
        corpus = Corpus(args.into)
        try:
            report = run_import(corpus, args.kind, args.path, dataset=args.dataset,
                                mapping=mapping, limit=args.limit, size=args.size,
                                as_kind=args.as_kind, batch=args.batch,
                                progress=not args.no_progress, options=importer_options(args),
                                subject_regex=re.compile(args.subject_regex)
                                if args.subject_regex else None)
        finally:
            corpus.close()
    except (ImportError_, TaxonomyError, re.error, OSError) as exc:
        print(f"curate import: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 1 if report.failed else 0
