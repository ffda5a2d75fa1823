"""The model probabilities `curate issues` ranks by: out-of-sample ones, or a clear refusal.

A model's score for a face it trained on reflects the label it memorised, wrong or not, so
confident learning on in-sample scores ranks the wrong labels last. `predictions.sample`
(written by `train crossval` and `train score`) says which rows are out-of-sample ('oos');
without any, issues() refuses unless the user insists (allow_in_sample).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from corpus.schema import PREDICTIONS

HOW_TO = ("run `python -m train crossval CORPUS --out runs/cv` first: it scores every labeled "
          "face with a model that never saw it")


class ScoresError(ValueError):
    """No usable scores; the message says what to run."""


@dataclass
class Scores:
    model: str | None = None
    run: str | None = None
    out_of_sample: bool = True
    classes: list = field(default_factory=list)
    item_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    probs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    unscored: list = field(default_factory=list)        # labeled faces with no row to use
    unknown_label: list = field(default_factory=list)   # labels the model has no class for
    note: str = ""


def labeled_faces(corpus) -> dict[int, str]:
    return dict(corpus.db.execute("SELECT id, label FROM items WHERE kind='face' AND"
                                  " status='ok' AND label IS NOT NULL ORDER BY id"))


def _candidates(corpus, model: str | None) -> list[dict]:
    sql = ("SELECT p.model, p.run, p.sample, COUNT(*) AS n, MAX(p.at) AS at FROM predictions p"
           " JOIN items i ON i.id = p.item_id WHERE i.kind='face' AND i.status='ok' AND"
           " i.label IS NOT NULL" + (" AND p.model=?" if model else "") +
           " GROUP BY p.model, p.run, p.sample")
    return [dict(r) for r in corpus.db.execute(sql, (model,) if model else ())]


def _refusal(found: list[dict], model: str | None) -> str:
    what = ", ".join(f"{c['model']} ({c['n']} faces, {c['sample']})" for c in found[:4])
    return (f"refusing to rank: the only model scores{' of ' + model if model else ''} are "
            f"in-sample or of unknown sample: {what}. A model scores the faces it trained on "
            f"with the labels it memorised, so wrong labels would look right and come last. "
            f"{HOW_TO[0].upper() + HOW_TO[1:]} (or pass --allow-in-sample to rank anyway).")


def load_scores(corpus, *, model: str | None = None, allow_in_sample: bool = False) -> Scores:
    """The best-covering out-of-sample (model, run) for the labeled ok faces, as arrays."""
    corpus.ensure(PREDICTIONS)
    found = _candidates(corpus, model)
    if not found:
        raise ScoresError(f"no model scores for the labeled faces"
                          f"{' from model ' + model if model else ''}; {HOW_TO}")
    oos = [c for c in found if c["sample"] == "oos"]
    if not oos and not allow_in_sample:
        raise ScoresError(_refusal(found, model))
    pool = oos or found
    best = max(pool, key=lambda c: (c["n"], c["at"]))
    samples = ("oos",) if oos else ("in", "unknown", "oos")
    rows = corpus.db.execute(
        "SELECT item_id, classes, probs FROM predictions WHERE model=? AND run IS ? AND"
        f" sample IN ({','.join('?' * len(samples))}) ORDER BY item_id",
        (best["model"], best["run"], *samples)).fetchall()
    return _arrays(corpus, rows, Scores(model=best["model"], run=best["run"],
                                        out_of_sample=bool(oos)))


def _arrays(corpus, rows, out: Scores) -> Scores:
    given = labeled_faces(corpus)
    try:
        out.classes = json.loads(rows[0][1])
    except (ValueError, IndexError):
        raise ScoresError(f"model {out.model}: its prediction rows cannot be read; {HOW_TO}")
    index = {c: i for i, c in enumerate(out.classes)}
    fold = corpus.taxonomy.six_class()[1]        # a six-class model's scores: disgust -> angry
    ids, labels, probs, seen = [], [], [], set()
    for item_id, classes, p in rows:
        label = given.get(item_id)
        if label is None or classes != rows[0][1]:
            continue
        k = index.get(label, index.get(fold.get(label, ""), -1))
        seen.add(item_id)
        if k < 0:
            out.unknown_label.append(item_id)
            continue
        ids.append(item_id)
        labels.append(k)
        probs.append(json.loads(p))
    out.unscored = [i for i in given if i not in seen]
    out.item_ids = np.array(ids, np.int64)
    out.labels = np.array(labels, np.int64)
    out.probs = np.array(probs, np.float64).reshape(-1, len(out.classes))
    return out
