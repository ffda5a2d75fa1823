"""Stratified, leak-free train/val/test split of the corpus's faces.

One subject, one source photo, one duplicate group or one face identity (dlib embedding, for
faces with no subject) never spans two splits; classes are stratified. --keep-source-split
keeps a dataset's own split (FER2013 Usage, Kaggle train/test folders; a source without val
gives part of its train to val). Writes items.split and stages/04_split.pkl. Deterministic for
a seed; rerunnable.

example:
  python -m curate split datasets/demo --val 0.1 --test 0.1 --seed 0 --keep-source-split
"""
from __future__ import annotations

import sys

from corpus import Corpus

from .cli_options import add_no_progress


def add_arguments(parser) -> None:
    parser.add_argument("corpus", help="corpus directory")
    parser.add_argument("--val", type=float, default=0.1, help="validation fraction (0.1)")
    parser.add_argument("--test", type=float, default=0.1, help="test fraction (0.1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for tie-breaks (0)")
    parser.add_argument("--keep-source-split", action="store_true",
                        help="keep the split a dataset came with (provenance.source_split)")
    parser.add_argument("--kind", default="face", choices=("face", "image", "frame"),
                        help="which items to split (face)")
    parser.add_argument("--no-identity", action="store_true",
                        help="do not group subject-less faces by dlib face identity")
    parser.add_argument("--identity-threshold", type=float, default=0.6,
                        help="dlib embedding distance for 'same person' (0.6)")
    add_no_progress(parser)


def main(args) -> int:
    from .split import SPLITS, TOLERANCE, SplitError, split
    corpus = Corpus(args.corpus, create=False)   # not a corpus: the CLI says so, exit 2
    with corpus:
        try:
            rep = split(corpus, args.val, args.test, args.seed,
                        keep_source_split=args.keep_source_split, kind=args.kind,
                        identity=not args.no_identity,
                        identity_threshold=args.identity_threshold,
                        progress=not args.no_progress)
        except SplitError as exc:
            print(f"curate split: {exc}", file=sys.stderr)
            return 2
    classes = sorted({c for counts in rep.counts.values() for c in counts})
    width = max([len(c) for c in classes] + [8])
    print(f"{'class':<{width}} " + " ".join(f"{s:>7}" for s in SPLITS))
    for c in classes:
        print(f"{c:<{width}} " + " ".join(f"{rep.counts.get(s, {}).get(c, 0):>7}" for s in SPLITS))
    print(f"{'total':<{width}} " + " ".join(f"{sum(rep.counts.get(s, {}).values()):>7}"
                                           for s in SPLITS))
    print(f"{rep.units} units (largest {rep.largest_unit}), {rep.identity_groups} face "
          f"identities, {rep.fixed} items kept in their source split, {rep.changed} changed, "
          f"{rep.followers} duplicates follow their kept item")
    if rep.largest_unit > 0.25 * sum(sum(c.values()) for c in rep.counts.values()):
        print(f"warning: one unit holds {rep.largest_unit} items, so the fractions cannot be "
              f"met; check subjects (one subject id for many people?) or "
              f"lower --identity-threshold", file=sys.stderr)
    if rep.checked:
        asked = "/".join(f"{f:g}" for f in (1 - args.val - args.test, args.val, args.test))
        if not rep.misses:
            print(f"fractions: every class of every dataset placed freely is within "
                  f"{TOLERANCE:g} of {asked} (train/val/test; {rep.checked} strata)")
        else:
            print(f"fractions: {rep.checked - len(rep.misses)} of {rep.checked} strata (class x "
                  f"dataset) within {TOLERANCE:g} of {asked} (train/val/test); outside it:",
                  file=sys.stderr)
            for m in rep.misses:
                print(f"  {m['dataset']} / {m['class']}: {m['split']} {m['share']:.2f} (asked "
                      f"{m['asked']:g}); {m['why']}", file=sys.stderr)
    if rep.source_leaks:
        print(f"warning: the source split itself puts {rep.source_leaks} units (one subject or "
              f"identity) in two splits; kept as the source has them", file=sys.stderr)
    return 0
