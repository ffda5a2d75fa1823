"""Faces whose label is most likely wrong, best first, from out-of-sample model scores.

Confident learning (cleanlab: find_label_issues, label quality scores, the confident joint)
on the probabilities `python -m train crossval` stored, plus near copies whose labels differ
(`curate dedup`) and faces that are probably not usable (near-blank, weak detection, landmarks
that missed). Refuses to rank from in-sample scores (a model's scores for faces it trained on)
unless --allow-in-sample. Writes reports/issues.csv (every ranked face), reports/issues.png
(top issues per class, captioned given>suggested score), reports/noise_matrix.png, and the
ranking to the catalog (table label_issues) for `python -m labeler --order issues`.

--apply-top N relabels the top N issues to their suggestion (a reject for an unusable face),
--reject-top N leaves the top N issues out instead (rejects them: a wrong relabel suggestion
then costs one face, not a new wrong label), --reject-above S rejects every issue scoring above
S; all are label events of --user (undoable, in the history); --revert undoes that user's
events. docs/curate.md measures relabeling against leaving out on planted noise.

example:
  python -m train crossval datasets/demo --out runs/cv
  python -m curate issues datasets/demo --top 20
  python -m curate issues datasets/demo --json --top 100 > issues.jsonl
  python -m curate issues datasets/demo --apply-top 200 --user cleaner    # then train fit ...
  python -m curate issues datasets/demo --reject-top 200 --user cleaner   # or leave them out
  python -m curate issues datasets/demo --revert --user cleaner           # back to raw labels
"""
from __future__ import annotations

import sys
from collections import Counter

from corpus import Corpus
from corpus.cli import print_json


def add_arguments(p) -> None:
    p.add_argument("corpus", help="corpus directory")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per line, best issue first")
    p.add_argument("--top", type=int, help="only the first N issues (default: 20 in the table,"
                                           " all with --json)")
    p.add_argument("--all", action="store_true",
                   help="every ranked face, not only the flagged issues")
    p.add_argument("--model", help="use this model's scores (default: the out-of-sample run "
                                   "covering the most labeled faces)")
    p.add_argument("--allow-in-sample", action="store_true",
                   help="rank even from in-sample scores (wrong labels a model memorised "
                        "will look right)")
    p.add_argument("--no-model", action="store_true",
                   help="without model scores: only near copies and unusable faces")
    p.add_argument("--apply-top", type=int, metavar="N",
                   help="relabel the top N issues to their suggestion (label events)")
    p.add_argument("--reject-top", type=int, metavar="N",
                   help="reject (leave out of training) the top N issues instead (label events)")
    p.add_argument("--reject-above", type=float, metavar="S",
                   help="reject every issue whose score is above S (label events)")
    p.add_argument("--user", help="name stored with applied events (default curate-issues)")
    p.add_argument("--revert", action="store_true",
                   help="undo the --user's applied events instead of ranking")
    p.add_argument("--no-progress", "--quiet", dest="quiet", action="store_true",
                   help="no progress bars")


def _table(recs: list[dict]) -> None:
    print(f"{'rank':>4} {'item':>7} {'given':>9} -> {'suggested':<9} {'score':>5}  "
          f"{'source':<16} reason")
    for r in recs:
        src = f"{r.get('source_dataset') or '-'}"[:16]
        print(f"{r['rank']:>4} {r['item_id']:>7} {r['given'] or '-':>9} -> "
              f"{r['suggested'] or '(look)':<9} {r['score']:>5.2f}  {src:<16} {r['reasons'][0]}")


def main(args) -> int:
    from .issues import DEFAULT_USER, ScoresError, apply, find_issues, revert
    from .issues.report import records, write_csv, write_noise_matrix, write_sheet
    user = args.user or DEFAULT_USER
    progress = not args.quiet
    for name, value, ok in (("--top", args.top, lambda v: v >= 1),
                            ("--apply-top", args.apply_top, lambda v: v >= 1),
                            ("--reject-top", args.reject_top, lambda v: v >= 1),
                            ("--reject-above", args.reject_above, lambda v: 0 <= v < 1)):
        if value is not None and not ok(value):
            print(f"curate issues: {name} {value} is out of range (--top, --apply-top and "
                  f"--reject-top take N >= 1, --reject-above a score from 0 up to 1)",
                  file=sys.stderr)
            return 2
    with Corpus(args.corpus, create=False) as corpus:
        if args.revert:
            undone, left = revert(corpus, user)
            print(f"undid {undone} events of {user}" + (f"; left {len(left)} faces changed "
                                                        f"again since" if left else ""))
            return 0
        try:
            result = find_issues(corpus, model=args.model, allow_in_sample=args.allow_in_sample,
                                 use_model=not args.no_model, progress=progress)
        except ScoresError as exc:
            print(f"curate issues: {exc}" + ("" if "--no-model" in str(exc) else
                                             " (--no-model lists only near copies and "
                                             "unusable faces)"), file=sys.stderr)
            return 2
        s = result.scores
        if s and not s.out_of_sample:
            print(f"warning: ranking from IN-SAMPLE scores of {s.model} (--allow-in-sample): "
                  f"wrong labels the model memorised rank low", file=sys.stderr)
        if s and len(s.unscored) > len(s.item_ids):
            print(f"warning: only {len(s.item_ids)} of {len(s.item_ids) + len(s.unscored)} "
                  f"labeled faces have out-of-sample scores from {s.model} (a fit run scores "
                  f"only the faces it did not train on); `python -m train crossval` scores "
                  f"them all", file=sys.stderr)
        if result.balanced_accuracy is not None and \
                result.balanced_accuracy < result.chance + 0.05:
            print(f"warning: the scores of {s.model} agree with the given labels little better "
                  f"than guessing (mean recall per class {result.balanced_accuracy:.2f}, chance "
                  f"{result.chance:.2f}): the model is too weak for its doubts to mean much; "
                  f"train the crossval longer or with a bigger --preset", file=sys.stderr)
        recs = list(records(corpus, result, everything=args.all))
        shown = recs[:args.top] if args.top else (recs if args.json else recs[:20])
        if args.json:
            for r in shown:
                print_json(r)
        files = [write_csv(corpus, result), write_sheet(corpus, result),
                 write_noise_matrix(corpus, result)]
        if not args.json:
            _table(shown)
            kinds = Counter(k for i in result.issues for k in i.kinds)
            found = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"
            print(f"{len(result.issues)} issues ({found}) among {len(result.ranked)} ranked faces")
            if s:
                kind = "out-of-sample" if s.out_of_sample else "IN-SAMPLE"
                print(f"scores: {s.model} ({kind}, run {s.run}); {len(s.unscored)} labeled "
                      f"faces without a score, {len(s.unknown_label)} with a class the model "
                      f"lacks")
            print("reports: " + "  ".join(str(f) for f in files if f))
        if args.apply_top or args.reject_top or args.reject_above is not None:
            done = apply(corpus, result.ranked, top=args.apply_top, reject_top=args.reject_top,
                         reject_above=args.reject_above, user=user)
            print(f"applied as {user}: {len(done.relabeled)} relabeled, {len(done.rejected)} "
                  f"rejected, {len(done.skipped)} skipped (undo: --revert --user {user})",
                  file=sys.stderr if args.json else sys.stdout)
    return 0
