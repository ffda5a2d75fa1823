"""Store the model's class probabilities for every status-ok face in the corpus catalog.

Writes the `predictions` table (item_id, model, classes, probs, at; JSON lists), which the
labeling GUI shows and sorts by. Each row's `sample` says whether the model trained on that
face ('in': its score reflects the label it memorised; 'oos': it did not; 'unknown': the run
recorded nothing); `curate issues` ranks only out-of-sample scores (see `train crossval`).
Safe to kill and rerun: finished batches are kept and skipped.

example:
  python -m train score runs/fer48 datasets/demo
"""
import sys

from corpus import CorpusError
from corpus.cli import print_json

from .card import CardError


def add_arguments(p):
    p.add_argument("model", help="run directory (or its model.keras)")
    p.add_argument("corpus", help="corpus directory")
    p.add_argument("--name", help="model name stored with each row (default: the run's name)")
    p.add_argument("--rescore", action="store_true", help="score faces already scored again")
    p.add_argument("--json", action="store_true",
                   help="print the result as one JSON line (model, classes, faces, scored, "
                        "already_scored, unreadable, sample: counts of in/oos/unknown rows)")
    p.add_argument("--no-progress", "--quiet", dest="quiet", action="store_true",
                   help="no progress bar")


def main(args) -> int:
    from .score import score
    try:
        r = score(args.model, args.corpus, name=args.name, rescore=args.rescore,
                  progress=not args.quiet)
    except (CardError, CorpusError) as exc:
        print(f"train score: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print_json(r)
        return 0
    print(f"{r['model']}: scored {r['scored']} of {r['faces']} faces ({r['already_scored']} "
          f"already scored, {len(r['unreadable'])} unreadable)")
    n = r["sample"]
    print(f"  {n['in']} in-sample (the model trained on them), {n['oos']} out-of-sample, "
          f"{n['unknown']} unknown" + ("" if not n["in"] else
                                       "; for label issues use `python -m train crossval`"))
    for u in r["unreadable"][:20]:
        print(f"  unreadable face {u['item_id']}: {u['reason']}")
    return 0
