"""Find exact and near-duplicate faces and images, keep one per group, mark the rest.

Faces are compared with faces, images and frames with each other. Exact: same decoded pixels.
Near: perceptual hash (imagehash phash, 64 bits, plus a probe of each picture zoomed 4% for
re-cropped copies) within --threshold bits, searched with a multi-index hash table; then the
pair is aligned (border crops, rescaling, brightness) and must agree block by block
(--max-residual), so one person's different expressions on aligned crops are not taken for
copies. The kept item: human label > import > query > model, then reviewed,
then the larger picture, then the oldest. The others get status 'duplicate' with the kept id
in their reason; a duplicate whose label differs from the kept one is reported as a conflict.
Writes CORPUS/reports/duplicates.png and the table duplicate_groups. Rerunnable.

example:
  python -m curate dedup datasets/demo --threshold 10
"""
from __future__ import annotations

import argparse
import sys

from corpus import Corpus

from .cli_options import add_no_progress


def add_arguments(parser) -> None:
    from .dedup.phash import DEFAULT_THRESHOLD
    from .dedup.verify import MAX_RESIDUAL
    parser.add_argument("corpus", help="corpus directory")
    parser.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD,
                        help=f"phash Hamming distance (0-64) for near duplicates "
                             f"(default {DEFAULT_THRESHOLD})")
    parser.add_argument("--max-residual", type=float, default=MAX_RESIDUAL,
                        help=f"how much may be left in the worst block of two aligned "
                             f"thumbnails for a near match (default {MAX_RESIDUAL}; larger "
                             f"trusts the hash more)")
    # Renamed when the check changed scale (0.32 there is far too loose here): refuse the old
    # name with a pointer rather than accept a number that now means something else.
    parser.add_argument("--max-difference", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--exact-only", action="store_true",
                        help="only identical pixels (for posed sets where near-identical "
                             "pictures are different expressions, e.g. Yale)")
    parser.add_argument("--no-sheet", action="store_true", help="skip reports/duplicates.png")
    add_no_progress(parser)


def main(args) -> int:
    from .dedup.run import dedup
    from .dedup.verify import MAX_RESIDUAL
    if args.max_difference is not None:
        print("curate dedup: --max-difference was replaced by --max-residual (aligned "
              f"thumbnails, another scale: default {MAX_RESIDUAL})", file=sys.stderr)
        return 2
    if not 0 <= args.threshold <= 64:
        print("curate dedup: --threshold must be between 0 and 64", file=sys.stderr)
        return 2
    corpus = Corpus(args.corpus, create=False)   # not a corpus: the CLI says so, exit 2
    with corpus:
        rep = dedup(corpus, args.threshold, methods=("exact",) if args.exact_only else None,
                    max_residual=args.max_residual, sheet=not args.no_sheet,
                    progress=not args.no_progress)
    print(f"compared {rep.candidates} items (hashed {rep.hashed} new); "
          f"{len(rep.groups)} groups, {rep.duplicates} duplicates "
          f"({rep.marked} newly marked, {rep.restored} restored), "
          f"{len(rep.conflicts)} label conflicts, {len(rep.failed)} undecodable")
    for item_id, reason in rep.failed:
        print(f"  failed item {item_id}: {reason}")
    for c in rep.conflicts:
        print(f"  conflict: item {c['item']} labeled {c['label']!r} duplicates kept item "
              f"{c['kept']} labeled {c['kept_label']!r}")
    if rep.lookalikes:
        print(f"  {len(rep.lookalikes)} near matches left apart: both labels come from a dataset or"
              f" a person and differ (e.g. items {rep.lookalikes[0][0]} and"
              f" {rep.lookalikes[0][1]}: likely two expressions of one posed face)")
    if rep.sheet:
        print(f"contact sheet: {rep.sheet}")
    return 0
