import numpy as np
from PIL import Image

from train.plots import confusion_png, curves_png, mistakes_png


def test_confusion_png(tmp_path, artifacts):
    p = confusion_png([[5, 1, 0], [2, 7, 1], [0, 0, 0]], ["angry", "happy", "sad"],
                      tmp_path / "cm.png", "hand-made")
    img = Image.open(p)
    assert img.format == "PNG" and img.size[0] > 300
    img.save(artifacts / "train-test-confusion.png")


def test_curves_png(tmp_path):
    hist = [{"epoch": e, "accuracy": 0.3 + e / 20, "val_accuracy": 0.3 + e / 25,
             "loss": 1.5 - e / 10, "val_loss": 1.4 - e / 12,
             "learning_rate": 1e-3 if e < 3 else 5e-4} for e in range(1, 6)]
    assert Image.open(curves_png(hist, tmp_path / "c.png")).size == (1000, 400)
    assert curves_png([], tmp_path / "none.png") is None


def test_mistakes_png(tmp_path):
    faces = [(np.full((48, 48), 40 * i, np.uint8), "happy", "sad", 0.9 - i / 10)
             for i in range(5)]
    img = Image.open(mistakes_png(faces, tmp_path / "m.png"))
    assert img.size[0] == 8 * 100 + 4
    assert Image.open(mistakes_png([], tmp_path / "empty.png")).size[0] > 0
