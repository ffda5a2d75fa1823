import numpy as np
import pytest

from train.metrics import classification_report, confusion, top_k_accuracy

CLASSES = ["angry", "happy", "sad"]
# 8 faces, worked out by hand below
Y_TRUE = [0, 0, 0, 1, 1, 1, 1, 2]
Y_PRED = [0, 1, 0, 1, 1, 2, 1, 0]


def test_confusion_matrix_by_hand():
    cm = confusion(Y_TRUE, Y_PRED, 3)
    assert cm.tolist() == [[2, 1, 0],
                           [0, 3, 1],
                           [1, 0, 0]]


def test_report_matches_hand_computation():
    r = classification_report(Y_TRUE, Y_PRED, CLASSES)
    assert r["n"] == 8
    assert r["accuracy"] == pytest.approx(5 / 8)
    angry, happy, sad = (r["per_class"][c] for c in CLASSES)
    # angry: tp 2, predicted 3, support 3
    assert angry["precision"] == pytest.approx(2 / 3)
    assert angry["recall"] == pytest.approx(2 / 3)
    assert angry["f1"] == pytest.approx(2 / 3)
    # happy: tp 3, predicted 4, support 4 -> P 0.75 R 0.75
    assert happy["precision"] == pytest.approx(0.75) and happy["recall"] == pytest.approx(0.75)
    # sad: tp 0, predicted 1, support 1 -> all zero
    assert (sad["precision"], sad["recall"], sad["f1"]) == (0.0, 0.0, 0.0)
    assert r["macro_f1"] == pytest.approx((2 / 3 + 0.75 + 0) / 3)
    assert r["confusion"]["matrix"] == confusion(Y_TRUE, Y_PRED, 3).tolist()


def test_class_absent_from_data_is_reported_not_averaged():
    r = classification_report([0, 0, 1], [0, 2, 1], CLASSES)
    assert r["per_class"]["sad"]["support"] == 0
    assert r["per_class"]["sad"]["recall"] is None and r["per_class"]["sad"]["f1"] is None
    assert r["per_class"]["sad"]["precision"] == 0.0          # predicted once, wrongly
    # angry: P 1, R 0.5 -> F1 2/3; happy: P 1 R 1 -> F1 1; sad left out of the mean
    assert r["macro_f1"] == pytest.approx((2 / 3 + 1) / 2)


def test_top_k():
    probs = np.array([[0.5, 0.3, 0.2],     # true 1: 2nd
                      [0.1, 0.2, 0.7],     # true 0: 3rd
                      [0.2, 0.7, 0.1]])    # true 1: 1st
    y = [1, 0, 1]
    assert top_k_accuracy(y, probs, 1) == pytest.approx(1 / 3)
    assert top_k_accuracy(y, probs, 2) == pytest.approx(2 / 3)
    assert top_k_accuracy(y, probs, 3) == pytest.approx(1.0)
    assert top_k_accuracy(y, probs[:, :2], 3) is None
    r = classification_report(y, probs.argmax(1), CLASSES, probs)
    assert r["top2_accuracy"] == pytest.approx(2 / 3) and r["top3_accuracy"] == 1.0
    # -(ln 0.3 + ln 0.1 + ln 0.7) / 3, by hand
    assert r["log_loss"] == pytest.approx((1.2039728 + 2.3025851 + 0.3566749) / 3)
    sure_and_wrong = classification_report([0], [1], CLASSES, np.array([[0.0, 1.0, 0.0]]))
    assert sure_and_wrong["log_loss"] == pytest.approx(-np.log(1e-7))     # floored, not inf


def test_empty_input():
    r = classification_report([], [], CLASSES, np.zeros((0, 3)))
    assert r["n"] == 0 and r["accuracy"] == 0.0 and r["macro_f1"] is None
    assert r["log_loss"] is None
