"""Benchmark: do out-of-sample scores find planted wrong labels, and does cleaning pay?

    .venv/bin/python bench/issues.py --limit 5000                  # a subset (minutes)
    .venv/bin/python bench/issues.py                               # all 28,709 (hours)
    .venv/bin/python bench/issues.py --estimate                    # time per preset only
    .venv/bin/python bench/issues.py --top-only 0 2000 --leave-out --true-fit   # after a full run
    .venv/bin/python bench/issues.py --rank-only --cv-preset vgg --folds 3 --cv-run cv-vgg

1. Imports ../shared/data/fer2013_full/train (or a seeded --limit subset) into a corpus in
   --work (all faces in the train split; byte-identical files are one face).
2. Plants noise with label events of user bench-noise: 10 % of the faces flipped to a
   uniformly drawn other class, plus 5 % flipped between confusable pairs (sad<->neutral,
   fear<->surprise, angry<->disgust).
3. Ranks the faces three ways and compares each with the planted flips (precision/recall of
   the flagged set, precision at k, recall in the top 15 %, AUROC of the ranking):
   (a) in-sample: `train fit` on the noisy corpus, `train score` on it, faces ordered by the
       probability of their given label (what --order confidence did), flagged by cleanlab
       on those in-sample probabilities (= `curate issues --allow-in-sample`);
   (b) out-of-sample self-confidence: `train crossval`, same order rule, flagged where the
       fold model's top class differs from the given label;
   (c) cleanlab's default on the crossval scores, through `curate issues` (find_label_issues,
       ranked by self-confidence, plus near-blank faces and near copies).
   Goal: (c) finds at least twice as many planted flips in its top 15 % as (a).
4. Cleaning pays: the noisy fit from (a); a fit after relabeling every flagged face of (c) to
   its suggestion (`curate issues --apply-top N`); a fit after leaving them out instead
   (`--reject-above 0`); a fit on the true labels; each evaluated on the untouched
   fer2013_full/test folder (7,178 faces). Goal: cleaning recovers at least half of the
   accuracy the noise cost.
5. Times every step (wall and CPU seconds) with the load average, writes
   bench/results/issues-<time>.json and prints the tables docs/curate.md quotes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.results import add_progress_flag  # noqa: E402

from train import quiet  # noqa: E402  (TensorFlow's start-up banners off)

from corpus import Corpus  # noqa: E402
from bench.planted.fits import estimate, fit_eval, applied_counts, top_only  # noqa: E402
from bench.planted.noise import (DATA, NOISE_USER, CLEANER, Clock, build,  # noqa: E402
                                 load_avg, plant)
from bench.planted.rank import (goal_top15, rank_in_sample, rank_oos, rank_only,  # noqa: E402
                                run_crossval)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, help="faces of fer2013_full/train to use (all)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--preset", default="small")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--size", type=int, default=48)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--patience", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path("/tmp/ferkit-bench-issues"),
                    help="corpus and runs go here (kept, so a killed run can --resume)")
    ap.add_argument("--no-cleaning", action="store_true", help="skip the three evaluation fits")
    ap.add_argument("--estimate", action="store_true",
                    help="only time each preset on --estimate-faces faces and extrapolate")
    ap.add_argument("--estimate-faces", type=int, default=3000)
    ap.add_argument("--presets", nargs="+", default=["tiny", "small", "base"])
    ap.add_argument("--top-only", type=int, nargs="+", metavar="N",
                    help="after a full run in --work: replant the same noise, relabel only the "
                         "top N flagged faces, fit and evaluate (what a user acting on the "
                         "head does); several N run one after another")
    ap.add_argument("--leave-out", action="store_true",
                    help="with --top-only: leave the top N out (curate issues --reject-top) "
                         "instead of relabeling them")
    ap.add_argument("--fit-seed", type=int, help="with --top-only: seed of its fits (train "
                    "fit's default otherwise); N = 0 fits the noisy labels as they are, so "
                    "reseeded noisy, cleaned and true fits show how far one seed moves a figure")
    ap.add_argument("--cv-preset", help="preset of the crossval's fold models (--preset)")
    ap.add_argument("--cv-epochs", type=int, help="epochs of the fold models (--epochs)")
    ap.add_argument("--cv-run", default="cv", help="name of the crossval run in --work, which "
                    "is also its model name in the corpus; --top-only ranks with this one")
    ap.add_argument("--rank-only", action="store_true",
                    help="after a full run in --work: replant the same noise, run only the "
                         "crossval (--cv-* settings) and the three rankings, then undo the noise")
    ap.add_argument("--true-fit", action="store_true",
                    help="with --top-only: also fit on the true labels (the noise cost's "
                         "other end)")
    add_progress_flag(ap)
    args = ap.parse_args()
    if not (DATA / "train").is_dir():
        ap.error(f"{DATA}/train not found: set SHARED_DATA to the shared data folder")
    quiet.load_tensorflow()
    args.work.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    if args.estimate:
        res = {"estimate": estimate(args), "load_after": load_avg(),
               "settings": {k: str(v) for k, v in vars(args).items()}}
        out = results_dir / f"issues-estimate-{stamp}.json"
        out.write_text(json.dumps(res, indent=2))
        print(f"written {out}", file=sys.stderr)
        return 0

    cfg = {"size": args.size, "preset": args.preset, "epochs": args.epochs, "batch": args.batch,
           "patience": args.patience, "fit_seed": args.fit_seed}
    # the fold models may differ from the evaluation fits: a stronger crossval ranks better,
    # while every cleaned fit keeps the settings of the noisy one it is compared with;
    # --fit-seed is the fits' seed only (crossval keeps its own and refuses unknown options)
    cv_cfg = {**{k: v for k, v in cfg.items() if k != "fit_seed"},
              "preset": args.cv_preset or args.preset, "epochs": args.cv_epochs or args.epochs}
    if args.rank_only:
        return rank_only(args, cv_cfg, results_dir / f"issues-rank-{args.cv_run}-{stamp}.json")
    if args.top_only:
        how = "leaveout" if args.leave_out else "top"
        name = "-".join(str(n) for n in args.top_only) + (
            "" if args.fit_seed is None else f"-seed{args.fit_seed}") + (
            "" if args.cv_run == "cv" else f"-{args.cv_run}")
        return top_only(args, cfg, results_dir / f"issues-{how}{name}-{stamp}.json")
    clock, root = Clock(), args.work / "corpus"
    res: dict = {"settings": {**cfg, "folds": args.folds, "limit": args.limit, "seed": args.seed,
                              "crossval": cv_cfg},
                 "load_before": load_avg(), "started": stamp, "cpus": os.cpu_count()}
    out = results_dir / f"issues-{stamp}.json"

    def keep():
        """What is measured so far, rewritten after each step: a run that is stopped hours in
        keeps its figures (the steps finished so far)."""
        res["steps"], res["load_now"] = clock.steps, load_avg()
        out.write_text(json.dumps(res, indent=2))
    with clock("import"):
        truth = build(root, args.limit, args.seed)
    with clock("plant noise"):
        planted = plant(root, truth, args.seed)
    n = len(truth)
    res["faces"], res["planted"] = n, len(planted)
    from train.score import score
    with clock("a: train fit (noisy)"):
        res["noisy"] = fit_eval(root, args.work / "insample", cfg)
    with clock("a: train score"):
        score(args.work / "insample", root, progress=False)
    res["a_in_sample"] = rank_in_sample(root, planted, n)
    keep()
    with clock("crossval"):
        res["crossval"] = run_crossval(root, args, cv_cfg)
    with clock("curate issues"):
        res["b_oos_self_confidence"], res["c_cleanlab"], ranked = rank_oos(root, planted, n,
                                                                           args.cv_run)
    res["goal_top15"] = goal_top15(res)
    keep()
    if args.no_cleaning:
        from curate.issues import revert
        with Corpus(root, create=False) as c:   # true labels again, as --top-only expects
            revert(c, NOISE_USER)
    else:
        from curate.issues import apply, revert
        flagged = sum(1 for i in ranked if i.flagged)
        # two ways to act on the flagged faces: relabel them to the suggestion, or leave them
        # out (reject); each fitted, then undone, so both start from the same noisy labels
        for name, how in (("cleaned_relabel", {"top": flagged}),
                          ("cleaned_leave_out", {"reject_above": 0.0})):
            with Corpus(root, create=False) as c:
                done = apply(c, ranked, user=CLEANER, **how)
                res[name + "_applied"] = applied_counts(done, truth, planted)
            with clock(f"fit {name}"):
                res[name] = fit_eval(root, args.work / name, cfg)
            with Corpus(root, create=False) as c:
                revert(c, CLEANER)
            keep()
        with Corpus(root, create=False) as c:
            revert(c, NOISE_USER)
        with clock("fit true labels"):
            res["true_labels"] = fit_eval(root, args.work / "truth", cfg)
        cost = res["true_labels"]["accuracy"] - res["noisy"]["accuracy"]
        res["goal_cleaning"] = {"noise_cost": round(cost, 4)}
        for name in ("cleaned_relabel", "cleaned_leave_out"):
            gain = res[name]["accuracy"] - res["noisy"]["accuracy"]
            res["goal_cleaning"][name] = {
                "gain": round(gain, 4), "recovered": round(gain / cost, 3) if cost > 0 else None,
                "met": cost > 0 and gain >= cost / 2}
    res["load_after"] = load_avg()
    keep()
    print(json.dumps(res, indent=2))
    print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
