"""Evaluate a trained model on a corpus split or on class folders (DATA/<class>/<image>).

Prints accuracy, macro-F1, per-class precision/recall/F1, top-2/top-3 accuracy and counts, and
writes confusion.png, curves.png (the run's training history) and mistakes.png (the most
confident mistakes) with eval.json into --out (default: RUN/eval).

example:
  python -m train evaluate runs/fer48 datasets/fer --split test --json
  python -m train evaluate runs/fer48 ../shared/data/fer2013_images/test --json
"""
import sys

from corpus import CorpusError
from corpus.cli import print_json

from .card import CardError
from .data import DataError
from . import tta


def add_arguments(p):
    p.add_argument("model", help="run directory (or its model.keras)")
    p.add_argument("data", help="corpus directory or class-folder directory")
    p.add_argument("--split", default="test", help="corpus split: train, val, test or all "
                                                   "(default test; ignored for folders)")
    p.add_argument("--sources", nargs="+", metavar="SRC", help="only these provenance sources")
    p.add_argument("--out", help="where the PNGs and eval.json go (default RUN/eval)")
    tta.add_argument(p)
    p.add_argument("--json", action="store_true",
                   help="print the full report as one JSON line (JSON lines, as every command)")
    p.add_argument("--no-progress", "--quiet", dest="quiet", action="store_true",
                   help="no progress bar")


def main(args) -> int:
    from .evaluate import evaluate
    try:
        r = evaluate(args.model, args.data, split=args.split, out=args.out, sources=args.sources,
                     progress=not args.quiet, tta=args.tta)
    except (CardError, DataError, CorpusError) as exc:
        print(f"train evaluate: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print_json(r)
        return 0
    print(f"{r['counts']['evaluated']} faces (TTA {r['tta']}): accuracy {r['accuracy']:.3f}, "
          f"macro-F1 {r['macro_f1'] or 0:.3f}, top-2 {r.get('top2_accuracy') or 0:.3f}")
    for name, c in r["per_class"].items():
        rec = "-" if c["recall"] is None else f"{c['recall']:.3f}"
        f1 = "-" if c["f1"] is None else f"{c['f1']:.3f}"
        print(f"  {name:10s} precision {c['precision']:.3f} recall {rec:>5} F1 {f1:>5} "
              f"n={c['support']}")
    for key in ("not_in_model", "unknown_folders"):
        if r["counts"][key]:
            print(f"  {key.replace('_', ' ')}: {r['counts'][key]}")
    if r["absent_in_data"]:
        print(f"  model classes absent from the data: {', '.join(r['absent_in_data'])}")
    print("PNGs: " + ", ".join(r["files"].values()))
    return 0
