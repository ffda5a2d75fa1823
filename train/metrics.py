"""Classification metrics with numpy: confusion matrix, accuracy, per-class P/R/F1, top-k.

Conventions (stated because libraries differ): a class nobody predicted has precision 0; a
class absent from the data has no recall/F1 (None) and is left out of the macro average, so
evaluating on data that lacks a class does not drag macro-F1 down for a reason the model
cannot help.
"""
from __future__ import annotations

import numpy as np


def confusion(y_true, y_pred, n_classes: int) -> np.ndarray:
    """cm[true, predicted] counts."""
    cm = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(cm, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return cm


def top_k_accuracy(y_true, probs, k: int) -> float | None:
    probs = np.asarray(probs)
    if len(probs) == 0 or probs.shape[1] < k:
        return None
    top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(top == np.asarray(y_true)[:, None], axis=1)))


def _ratio(a, b):
    return float(a / b) if b else 0.0


def classification_report(y_true, y_pred, classes, probs=None) -> dict:
    n = len(classes)
    cm = confusion(y_true, y_pred, n)
    per_class, f1s = {}, []
    for i, name in enumerate(classes):
        tp, support, predicted = cm[i, i], cm[i].sum(), cm[:, i].sum()
        precision = _ratio(tp, predicted)
        if support:
            recall = _ratio(tp, support)
            f1 = _ratio(2 * precision * recall, precision + recall)
            f1s.append(f1)
        else:
            recall = f1 = None
        per_class[name] = {"precision": precision, "recall": recall, "f1": f1,
                           "support": int(support), "predicted": int(predicted)}
    total = int(cm.sum())
    report = {"n": total, "accuracy": _ratio(np.trace(cm), total),
              "macro_f1": float(np.mean(f1s)) if f1s else None,
              "per_class": per_class, "confusion": {"classes": list(classes),
                                                    "matrix": cm.tolist()}}
    if probs is not None:
        for k in (2, 3):
            report[f"top{k}_accuracy"] = top_k_accuracy(y_true, probs, k)
        report["log_loss"] = log_loss(y_true, probs)
    return report


def log_loss(y_true, probs) -> float | None:
    """Mean -ln p(true class), p floored at 1e-7: how sure the model was of the right answers
    (unlike accuracy, it moves with every probability, so a change in what the model is fed
    shows here before it flips a prediction)."""
    probs = np.asarray(probs, np.float64)
    if len(probs) == 0:
        return None
    p = probs[np.arange(len(probs)), np.asarray(y_true, int)]
    return float(-np.mean(np.log(np.maximum(p, 1e-7))))
