"""Rank the faces three ways and score each ranking against the planted flips."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from corpus import Corpus

from .noise import NOISE_USER, load_avg, plant, true_labels


def measure(order: list[int], flagged: set[int], planted: set[int], score: dict[int, float],
            n: int) -> dict:
    from sklearn.metrics import roc_auc_score
    top15 = order[:round(0.15 * n)]
    hits = len(set(top15) & planted)
    ids = sorted(score)
    out = {"flagged": len(flagged), "flagged_planted": len(flagged & planted),
           "precision": round(len(flagged & planted) / len(flagged), 4) if flagged else None,
           "recall": round(len(flagged & planted) / len(planted), 4),
           "top15_planted": hits, "top15_recall": round(hits / len(planted), 4),
           "auroc": round(float(roc_auc_score([i in planted for i in ids],
                                              [score[i] for i in ids])), 4)}
    for k in (100, 500, 1000, 2000):
        if k <= len(order):
            out[f"p_at_{k}"] = round(len(set(order[:k]) & planted) / k, 4)
    return out


def model_rows(root: Path, model: str) -> tuple[dict, dict, list, dict]:
    """Every prediction row of one model (in- and out-of-sample): id -> p(given), id -> probs,
    the classes, and id -> the label given now (the one p(given) is of)."""
    with Corpus(root, create=False) as c:
        labels = dict(c.db.execute("SELECT id, label FROM items"))
        rows = c.db.execute("SELECT item_id, classes, probs FROM predictions WHERE model=?",
                            (model,)).fetchall()
    classes = json.loads(rows[0][1])
    probs = {i: np.array(json.loads(p)) for i, _, p in rows}
    given = {i: probs[i][classes.index(labels[i])] for i in probs if labels[i] in classes}
    return given, probs, classes, labels


def rank_in_sample(root: Path, planted: set[int], n: int) -> dict:
    from curate.issues.labels import label_issues
    from curate.issues.scores import Scores
    given, probs, classes, labels = model_rows(root, "insample")
    ids = sorted(given)
    s = Scores(model="insample", out_of_sample=False, classes=classes,
               item_ids=np.array(ids), labels=np.array([classes.index(labels[i]) for i in ids]),
               probs=np.stack([probs[i] for i in ids]))
    issues, _ = label_issues(s)          # cleanlab on in-sample probabilities
    order = sorted(ids, key=lambda i: (given[i], i))
    return measure(order, {i.item_id for i in issues if i.flagged}, planted,
                   {i: 1 - given[i] for i in ids}, n)


def rank_oos(root: Path, planted: set[int], n: int, run_name: str) -> tuple[dict, dict, list]:
    from curate.issues import find_issues
    given, probs, classes, labels = model_rows(root, run_name)
    with Corpus(root, create=False) as c:
        result = find_issues(c, model=run_name, progress=False)
    ids = sorted(given)
    order = sorted(ids, key=lambda i: (given[i], i))
    disagree = {i for i in ids if classes[int(np.argmax(probs[i]))] != labels[i]}
    b = measure(order, disagree, planted, {i: 1 - given[i] for i in ids}, n)
    score = {i.item_id: i.score for i in result.ranked}
    c_ = measure([i.item_id for i in result.ranked], {i.item_id for i in result.issues},
                 planted, {i: score.get(i, 0.0) for i in ids}, n)
    return b, c_, result.ranked


def run_crossval(root: Path, args, cv_cfg: dict) -> dict:
    """`train crossval` into --work/--cv-run; the card's figures the result file keeps."""
    from train.crossval import crossval
    cv = crossval(root, args.work / args.cv_run, overwrite=True, folds=args.folds,
                  progress=not args.no_progress, log=lambda m: print(m, file=sys.stderr),
                  **cv_cfg)
    return {"out_of_sample": cv["out_of_sample"],
            "folds": [{k: f[k] for k in ("fold", "train", "accuracy", "epochs_run",
                                         "seconds_train", "seconds_score")}
                      for f in cv["folds"]]}


def goal_top15(res: dict) -> dict:
    a15, c15 = res["a_in_sample"]["top15_planted"], res["c_cleanlab"]["top15_planted"]
    return {"a": a15, "c": c15, "ratio": round(c15 / max(a15, 1), 2), "met": c15 >= 2 * a15}


def rank_only(args, cv_cfg: dict, out: Path) -> int:
    """Reuse a finished run's corpus (true labels at its end) and its in-sample rows: replant
    the same flips, run a crossval with other settings under another name, rank the three ways,
    then undo the noise, so the corpus ends as it started and --top-only --cv-run can follow."""
    from curate.issues import revert
    root = args.work / "corpus"
    truth = true_labels(root)
    res: dict = {"settings": {"crossval": cv_cfg, "folds": args.folds, "seed": args.seed,
                              "cv_run": args.cv_run},
                 "load_before": load_avg(), "cpus": os.cpu_count(),
                 "started": time.strftime("%Y%m%dT%H%M%S")}
    planted = plant(root, truth, args.seed)
    try:
        n = len(truth)
        res["faces"], res["planted"] = n, len(planted)
        res["a_in_sample"] = rank_in_sample(root, planted, n)
        t0 = time.time()
        res["crossval"] = run_crossval(root, args, cv_cfg)
        res["crossval"]["wall_s"] = round(time.time() - t0, 1)
        t0 = time.time()
        res["b_oos_self_confidence"], res["c_cleanlab"], _ = rank_oos(root, planted, n,
                                                                      args.cv_run)
        res["issues_wall_s"] = round(time.time() - t0, 1)
        res["goal_top15"] = goal_top15(res)
    finally:
        with Corpus(root, create=False) as c:
            revert(c, NOISE_USER)
        res["load_after"] = load_avg()
        out.write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))
    print(f"written {out}", file=sys.stderr)
    return 0
