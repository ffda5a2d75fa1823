"""Rank the faces three ways and score each ranking against the planted flips."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from corpus import Corpus

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


def model_rows(root: Path, model: str) -> tuple[dict, dict, list]:
    """Every prediction row of one model (in- and out-of-sample): id -> p(given), id -> probs."""
    with Corpus(root, create=False) as c:
        labels = dict(c.db.execute("SELECT id, label FROM items"))
        rows = c.db.execute("SELECT item_id, classes, probs FROM predictions WHERE model=?",
                            (model,)).fetchall()
    classes = json.loads(rows[0][1])
    probs = {i: np.array(json.loads(p)) for i, _, p in rows}
    given = {i: probs[i][classes.index(labels[i])] for i in probs if labels[i] in classes}
    return given, probs, classes


def rank_in_sample(root: Path, planted: set[int], n: int) -> dict:
    from curate.issues.labels import label_issues
    from curate.issues.scores import Scores
    given, probs, classes = model_rows(root, "insample")
    ids = sorted(given)
    with Corpus(root, create=False) as c:
        labels = dict(c.db.execute("SELECT id, label FROM items"))
    s = Scores(model="insample", out_of_sample=False, classes=classes,
               item_ids=np.array(ids), labels=np.array([classes.index(labels[i]) for i in ids]),
               probs=np.stack([probs[i] for i in ids]))
    issues, _ = label_issues(s)          # cleanlab on in-sample probabilities
    order = sorted(ids, key=lambda i: (given[i], i))
    return measure(order, {i.item_id for i in issues if i.flagged}, planted,
                   {i: 1 - given[i] for i in ids}, n)


def rank_oos(root: Path, planted: set[int], n: int, run_name: str) -> tuple[dict, dict, list]:
    from curate.issues import find_issues
    given, probs, classes = model_rows(root, run_name)
    with Corpus(root, create=False) as c:
        labels = dict(c.db.execute("SELECT id, label FROM items"))
        result = find_issues(c, model=run_name, progress=False)
    ids = sorted(given)
    order = sorted(ids, key=lambda i: (given[i], i))
    disagree = {i for i in ids if classes[int(np.argmax(probs[i]))] != labels[i]}
    b = measure(order, disagree, planted, {i: 1 - given[i] for i in ids}, n)
    score = {i.item_id: i.score for i in result.ranked}
    c_ = measure([i.item_id for i in result.ranked], {i.item_id for i in result.issues},
                 planted, {i: score.get(i, 0.0) for i in ids}, n)
    return b, c_, result.ranked

