"""Fits and evaluations: the noisy, cleaned and true-label fits, the preset estimate, --top-only."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from corpus import Corpus

from .noise import (CLEANER, DATA, NOISE_USER, build, cpu_seconds, load_avg, plant,
                    true_labels)

def fit_eval(root: Path, run: Path, cfg: dict) -> dict:
    from train.evaluate import evaluate
    from train.fit import fit
    seed = {"seed": cfg["fit_seed"]} if cfg.get("fit_seed") is not None else {}
    card = fit(root, run, overwrite=True, progress=False, log=lambda m: None, **seed,
               **{k: cfg[k] for k in ("size", "preset", "epochs", "batch", "patience")})
    r = evaluate(run, DATA / "test", out=run / "eval", progress=False)
    return {"accuracy": round(r["accuracy"], 4), "macro_f1": round(r["macro_f1"], 4),
            "val_accuracy": round(card["metrics"]["val_accuracy"], 4),
            "epochs_run": card["metrics"]["epochs_run"],
            "train_faces": sum(card["data"]["counts"]["train"].values())}


def estimate(args) -> dict:
    """Seconds per face-epoch for each preset on --estimate-faces faces; crossval at 28,709."""
    import tempfile
    from train.fit import fit
    out = {}
    with tempfile.TemporaryDirectory(dir=args.work.parent) as tmp:
        root = Path(tmp) / "corpus"
        truth = build(root, args.estimate_faces, args.seed)
        for preset in args.presets:
            card = fit(root, Path(tmp) / preset, size=args.size, preset=preset, epochs=3,
                       batch=args.batch, patience=10, progress=False, log=lambda m: None)
            secs = [h["seconds"] for h in card["history"][1:]]      # epoch 1 traces the graph
            per_face = float(np.median(secs)) / len(truth)
            full = 28709
            fold_epoch = per_face * full * (args.folds - 1) / args.folds
            out[preset] = {"params": card["params"], "faces": len(truth),
                           "epoch_seconds": secs, "seconds_per_1000_faces": round(
                               1000 * per_face, 2),
                           "crossval_28709_hours_per_epoch": round(
                               fold_epoch * args.folds / 3600, 3),
                           "val_accuracy_3_epochs": round(card["metrics"]["val_accuracy"], 4),
                           "load": load_avg()}
            print(json.dumps({preset: out[preset]}), flush=True)
    return out


def applied_counts(done, truth: dict[int, str], planted: set[int]) -> dict:
    """What `curate issues --apply` did, against the planted truth."""
    return {"relabeled": len(done.relabeled), "rejected": len(done.rejected),
            "relabeled_to_truth": sum(1 for i, _, new in done.relabeled if truth.get(i) == new),
            "planted_touched": sum(1 for i in [x for x, _, _ in done.relabeled] + done.rejected
                                   if i in planted)}


def top_only(args, cfg: dict, out: Path) -> int:
    """Reuse a finished run's corpus (true labels again at its end) and crossval rows: the same
    seed plants the same flips, `curate issues` ranks them as before, and for each N only the
    first N flagged faces get their suggestion (or, with --leave-out, are left out); each is
    fitted, evaluated, then undone, so the corpus ends as it started. The noisy model of the
    full run (work/insample) is evaluated again as the baseline; --true-fit adds a fit on the
    true labels, so the noise cost and the share recovered come from this one machine."""
    from curate.issues import apply, find_issues, revert
    from train.evaluate import evaluate
    root = args.work / "corpus"
    truth = true_labels(root)
    how = "leave_out" if args.leave_out else "relabel"
    tag = "" if args.fit_seed is None else f"-seed{args.fit_seed}"
    noisy = evaluate(args.work / "insample", DATA / "test", progress=False)
    res = {"settings": {**cfg, "seed": args.seed, "tops": args.top_only, "how": how,
                        "cv_run": args.cv_run},
           "load_before": load_avg(), "cpus": os.cpu_count(),
           "noisy": {"accuracy": round(noisy["accuracy"], 4),
                     "macro_f1": round(noisy["macro_f1"], 4)}, "tops": {}}

    def keep():
        res["load_now"] = load_avg()
        out.write_text(json.dumps(res, indent=2))
    if args.true_fit:
        t0 = time.time()
        res["true_labels"] = fit_eval(root, args.work / f"truth{tag}", cfg)
        res["true_labels"]["wall_s"] = round(time.time() - t0, 1)
        keep()
    for top in args.top_only:
        t0, cpu0 = time.time(), cpu_seconds()
        planted = plant(root, truth, args.seed)
        try:
            with Corpus(root, create=False) as c:
                ranked = find_issues(c, model=args.cv_run, progress=False).ranked
                done = apply(c, ranked, user=CLEANER,
                             **({"reject_top": top} if args.leave_out else {"top": top}))
            r = {"planted": len(planted), "applied": applied_counts(done, truth, planted),
                 "load_before": load_avg()}
            r["fit"] = fit_eval(root, args.work / f"top{top}-{how}{tag}", cfg)
        finally:
            with Corpus(root, create=False) as c:
                revert(c, CLEANER)
                revert(c, NOISE_USER)
        r.update({"wall_s": round(time.time() - t0, 1), "cpu_s": round(cpu_seconds() - cpu0, 1),
                  "load_after": load_avg()})
        res["tops"][str(top)] = r
        # the share of the noise cost won back, against a noisy fit of the same seed: the
        # N = 0 fit when this run made one, else the full run's noisy model
        base = res["tops"].get("0", {}).get("fit", res["noisy"])["accuracy"]
        if "true_labels" in res:
            cost = res["true_labels"]["accuracy"] - base
            r["recovered"] = round((r["fit"]["accuracy"] - base) / cost, 3) if cost > 0 else None
        keep()
        print(json.dumps({top: r}), flush=True)
    print(f"written {out}", file=sys.stderr)
    return 0

