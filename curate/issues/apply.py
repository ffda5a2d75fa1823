"""Act on the ranking: relabel to the suggestion, or reject, as label events of a named user.

Every change goes through Corpus.set_label / set_status, so it is a label event like a
labeler key press: in the history, undoable with ctrl+z in the labeler (same --user) or all at
once with revert(). A face whose label changed since the ranking is left alone (the ranking is
about the label it had). Nothing is ever deleted, so the raw corpus is one revert away and the
cleaned and raw versions can both be trained and compared.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .base import REJECT, Issue

DEFAULT_USER = "curate-issues"


@dataclass
class Applied:
    relabeled: list = field(default_factory=list)     # (item, old, new)
    rejected: list = field(default_factory=list)      # item ids
    skipped: list = field(default_factory=list)       # (item, why)


def _reason(issue: Issue) -> str:
    return f"curate issues: score {issue.score:.2f}: " + "; ".join(issue.reasons)[:300]


def apply(corpus, ranked: list[Issue], *, top: int | None = None,
          reject_above: float | None = None, reject_top: int | None = None,
          user: str = DEFAULT_USER) -> Applied:
    """top: apply the first `top` flagged issues' suggestions; reject_above: reject every
    flagged face scoring above it; reject_top: reject the first `reject_top` flagged faces.
    A face both chosen for a suggestion and for leaving out is left out."""
    done = Applied()
    flagged = [i for i in ranked if i.flagged]
    out = {i.item_id for i in flagged[:reject_top or 0]}
    if reject_above is not None:
        out |= {i.item_id for i in flagged if i.score > reject_above}
    chosen = {i.item_id for i in flagged[:top or 0]} | out
    for issue in (i for i in flagged if i.item_id in chosen):      # in rank order
        row = corpus.item(issue.item_id)
        if row["status"] != "ok":
            done.skipped.append((issue.item_id, f"status is {row['status']}"))
            continue
        if row["label"] != issue.given:
            done.skipped.append((issue.item_id, f"label changed since ranked "
                                                f"({issue.given} -> {row['label']})"))
            continue
        if issue.suggested == REJECT or issue.item_id in out:
            corpus.set_status(issue.item_id, "rejected", reason=_reason(issue), user=user)
            done.rejected.append(issue.item_id)
        elif issue.suggested and issue.suggested != issue.given:
            corpus.set_label(issue.item_id, issue.suggested, source="model", user=user)
            done.relabeled.append((issue.item_id, issue.given, issue.suggested))
        else:
            done.skipped.append((issue.item_id, "no suggestion to apply"))
    return done


def revert(corpus, user: str = DEFAULT_USER) -> tuple[int, list]:
    """Undo `user`'s events, newest first. An event whose face was changed again afterwards
    (by anyone) is left, so a later human decision is never overwritten; returns (undone,
    [(item, why) left])."""
    undone, left = 0, []
    events = corpus.db.execute("SELECT * FROM label_events WHERE user IS ? AND undone=0"
                               " ORDER BY id DESC", (user,)).fetchall()
    for ev in events:
        later = corpus.db.execute("SELECT COUNT(*) FROM label_events WHERE item_id=? AND id>?"
                                  " AND undone=0", (ev["item_id"], ev["id"])).fetchone()[0]
        if later:
            left.append((ev["item_id"], "changed again afterwards"))
            continue
        corpus.undo(event_id=ev["id"])
        undone += 1
    return undone, left
