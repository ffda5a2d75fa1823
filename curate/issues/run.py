"""The pass behind `python -m curate issues`: scores -> finders -> one ranking, kept in the catalog.

The ranking (flagged issues, best first) is written to the `label_issues` table in one
transaction, replacing the previous one, so the labeler's `--order issues` and `--apply`
read exactly what the last run printed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from corpus import now

from ..provenance import provenance

from .base import Issue, combine
from .labels import NoiseEstimate, label_issues
from .near_copies import near_copy_issues
from .scores import Scores, load_scores
from .unusable import unusable_issues

# The finders besides the model's (labels.py, which needs the scores): each takes the corpus
# and keyword context (probs_of, progress) and returns Issues. A new kind of issue is one
# module and one line here.
FINDERS = {"near_copy": near_copy_issues, "unusable": unusable_issues}

DDL = """
CREATE TABLE IF NOT EXISTS label_issues (
    item_id   INTEGER PRIMARY KEY REFERENCES items(id),
    rank      INTEGER NOT NULL,           -- 1 = most likely wrong
    score     REAL NOT NULL,              -- 0..1, higher = more likely wrong
    given     TEXT,                       -- the label when ranked
    suggested TEXT,                       -- a class, 'reject', or NULL (look, no suggestion)
    reasons   TEXT NOT NULL,              -- JSON list
    kinds     TEXT NOT NULL,              -- JSON list: label | near_copy | unusable
    model     TEXT,                       -- the scores' model and run (NULL: --no-model)
    run       TEXT,
    sample    TEXT,                       -- oos, or in/unknown when forced
    at        TEXT NOT NULL
);
"""


@dataclass
class IssuesResult:
    ranked: list[Issue] = field(default_factory=list)      # every face with a score or issue
    scores: Scores | None = None
    noise: NoiseEstimate | None = None
    provenance: dict = field(default_factory=dict)          # item id -> source fields
    # the scores' top class against the given labels, as the mean recall per class (models
    # are trained with class weights, so plain accuracy would favour the commonest class),
    # and what guessing gets on that measure (1 / classes)
    balanced_accuracy: float | None = None
    chance: float | None = None

    @property
    def issues(self) -> list[Issue]:
        return [i for i in self.ranked if i.flagged]


def find_issues(corpus, *, model: str | None = None, allow_in_sample: bool = False,
                use_model: bool = True, progress: bool = True) -> IssuesResult:
    """Raises scores.ScoresError (the refusal) when there are only in-sample scores."""
    corpus.ensure(DDL)
    out = IssuesResult()
    labeled: list[Issue] = []
    if use_model:
        out.scores = load_scores(corpus, model=model, allow_in_sample=allow_in_sample)
        labeled, out.noise = label_issues(out.scores)
    s = out.scores
    rows = {int(i): dict(zip(s.classes, map(float, p))) for i, p in zip(s.item_ids, s.probs)
            } if s else {}
    if s is not None and len(s.labels):
        hit = s.probs.argmax(axis=1) == s.labels
        present = np.unique(s.labels)
        out.balanced_accuracy = float(np.mean([hit[s.labels == k].mean() for k in present]))
        out.chance = 1.0 / len(present)
    found = [f(corpus, probs_of=rows.get, progress=progress) for f in FINDERS.values()]
    out.ranked = combine(labeled, *found)
    out.provenance = provenance(corpus, [i.item_id for i in out.ranked])
    _save(corpus, out)
    return out


def _save(corpus, out: IssuesResult) -> None:
    s, at = out.scores, now()
    with corpus.transaction():
        corpus.db.execute("DELETE FROM label_issues")
        corpus.db.executemany(
            "INSERT INTO label_issues VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(i.item_id, n, i.score, i.given, i.suggested, json.dumps(i.reasons),
              json.dumps(i.kinds), s.model if s else None, s.run if s else None,
              ("oos" if s.out_of_sample else "in-sample") if s else None, at)
             for n, i in enumerate(out.issues, 1)])
