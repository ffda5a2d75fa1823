"""`python -m curate issues`: faces whose label is most likely wrong, best first.

    result = find_issues(corpus)            # run.py: scores -> finders -> ranking
    apply(corpus, result.ranked, top=100)   # apply.py: suggestions as label events

Finders, one module each, all returning base.Issue: labels.py (cleanlab on out-of-sample
probabilities), near_copies.py (dedup's copies whose labels differ), unusable.py (blank faces,
weak detections, landmarks that missed). scores.py picks the probabilities and refuses
in-sample ones; report.py writes the CSV and PNGs.
"""
from .apply import DEFAULT_USER, apply, revert
from .base import REJECT, Issue
from .run import find_issues
from .scores import ScoresError

__all__ = ["DEFAULT_USER", "apply", "revert", "REJECT", "Issue", "find_issues", "ScoresError"]
