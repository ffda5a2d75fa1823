"""One issue per face: what is given, what is suggested, how sure, and why.

Every finder (labels.py, near_copies.py, unusable.py) returns Issues; a face found by two of
them becomes one Issue with both reasons and the higher score. Scores share one scale,
0..1, higher = more likely wrong: for label issues it is 1 - the out-of-sample probability of
the given label (cleanlab's self-confidence), and the other finders place themselves on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

REJECT = "reject"          # the suggestion for a face that is not a usable face


@dataclass
class Issue:
    item_id: int
    given: str | None
    suggested: str | None          # a class, REJECT, or None (look, no suggestion)
    score: float
    reasons: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)     # label | near_copy | unusable
    flagged: bool = True           # False: ranked (every scored face is) but not an issue

    def merge(self, other: "Issue") -> "Issue":
        """Keep the stronger suggestion (a flagged issue's before an unflagged one's, then the
        higher score's), its reasons first; the score is the higher of the two."""
        first, second = sorted((self, other), key=lambda i: (i.flagged, i.score), reverse=True)
        return Issue(self.item_id, self.given, first.suggested or second.suggested,
                     max(self.score, other.score), first.reasons + second.reasons,
                     list(dict.fromkeys(first.kinds + second.kinds)),
                     self.flagged or other.flagged)


def combine(*lists: list[Issue]) -> list[Issue]:
    """Merge per face, then best first: flagged issues by score, then the rest by score."""
    by_id: dict[int, Issue] = {}
    for issues in lists:
        for it in issues:
            by_id[it.item_id] = by_id[it.item_id].merge(it) if it.item_id in by_id else it
    return sorted(by_id.values(), key=lambda i: (not i.flagged, -i.score, i.item_id))
