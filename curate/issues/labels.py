"""Label issues by confident learning (cleanlab) on out-of-sample probabilities.

Nothing of confident learning is re-implemented here: cleanlab's find_label_issues decides
which faces are issues (its default, prune_by_noise_rate, on the confident joint), its
get_label_quality_scores ranks them (self-confidence: the probability of the given label), and
its confident joint / estimate_latent give the noise matrix for reports/noise_matrix.png.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .base import Issue
from .scores import Scores


@dataclass
class NoiseEstimate:
    classes: list
    confident_joint: np.ndarray      # [given, true] counts
    noise_matrix: np.ndarray         # P(given | true), columns sum to 1
    prior: np.ndarray                # estimated P(true)


def label_issues(scores: Scores) -> tuple[list[Issue], NoiseEstimate | None]:
    """One Issue per scored face (flagged=True for cleanlab's issues), and the noise estimate."""
    if len(scores.labels) == 0:
        return [], None
    from cleanlab.count import compute_confident_joint, estimate_latent
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores
    labels, probs = scores.labels, scores.probs
    with warnings.catch_warnings():
        # "too few examples in class k": a rare class is simply flagged less; said in the docs
        warnings.simplefilter("ignore", UserWarning)
        flagged = find_label_issues(labels, probs)
        quality = get_label_quality_scores(labels, probs)
        cj = compute_confident_joint(labels, probs)
        prior, noise, _ = estimate_latent(cj, labels)
    classes, who = scores.classes, f"{scores.model}" + ("" if scores.out_of_sample
                                                         else " (IN-SAMPLE)")
    out = []
    for item_id, y, p, q, flag in zip(scores.item_ids, labels, probs, quality, flagged):
        others = np.where(np.arange(len(p)) == y, -1.0, p)
        s = int(np.argmax(others)) if flag else int(np.argmax(p))
        verdict = "cleanlab: likely mislabeled" if flag else "cleanlab: not flagged"
        reason = (f"{verdict} ({who}: p({classes[y]})={p[y]:.2f}, "
                  f"p({classes[s]})={p[s]:.2f})")
        out.append(Issue(int(item_id), classes[y], classes[s], round(float(1 - q), 4),
                         [reason], ["label"], bool(flag)))
    return out, NoiseEstimate(classes, cj, noise, prior)
