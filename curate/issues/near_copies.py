"""Near copies whose labels differ, from what `curate dedup` recorded.

Two sources: a duplicate group whose member disagrees with the kept face (duplicate_groups
.conflict; the member is status duplicate, so the issue sits on the kept face, which trains),
and look-alike pairs (dedup_lookalikes: near matches dedup left apart because their trusted
labels differ, each face of the pair gets an issue). With out-of-sample scores the face whose
label the model believes less is suggested the other label; without, the pair is shown as it is.
"""
from __future__ import annotations

from .base import Issue

BASE_SCORE = 0.5    # a disagreement between two labels of one picture: worth a look


def _table(corpus, name: str) -> bool:
    return bool(corpus.db.execute("SELECT 1 FROM sqlite_master WHERE name=?", (name,)).fetchone())


def _pairs(corpus) -> list[tuple[int, int, str]]:
    """(face with the issue, the other copy, how they were matched)."""
    out = []
    if _table(corpus, "duplicate_groups"):
        out += [(k, d, f"duplicate ({m}, distance {dist})") for d, k, m, dist in corpus.db.execute(
            "SELECT item_id, kept_id, method, distance FROM duplicate_groups"
            " WHERE conflict=1 AND item_id != kept_id")]
    if _table(corpus, "dedup_lookalikes"):
        for a, b in corpus.db.execute("SELECT a, b FROM dedup_lookalikes"):
            out += [(a, b, "look-alike"), (b, a, "look-alike")]
    return out


def near_copy_issues(corpus, *, probs_of=lambda item_id: None, **_) -> list[Issue]:
    """probs_of(item_id) -> {class: p} out-of-sample, or None."""
    labels = dict(corpus.db.execute("SELECT id, label FROM items WHERE label IS NOT NULL"))
    ok = {r[0] for r in corpus.db.execute("SELECT id FROM items WHERE status='ok'")}
    out = []
    for item_id, other, how in _pairs(corpus):
        given, theirs = labels.get(item_id), labels.get(other)
        if item_id not in ok or given is None or theirs is None or given == theirs:
            continue
        p = probs_of(item_id)
        score, suggested = BASE_SCORE, None
        reason = f"near copy #{other} is labeled {theirs} (curate dedup: {how})"
        if p is not None and given in p and theirs in p:
            score = max(BASE_SCORE, round(1 - p[given], 4))
            suggested = theirs if p[theirs] > p[given] else None
            reason += f"; model p({given})={p[given]:.2f}, p({theirs})={p[theirs]:.2f}"
        out.append(Issue(item_id, given, suggested, score, [reason], ["near_copy"]))
    return out
