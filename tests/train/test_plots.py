import numpy as np
from PIL import Image

from train.plots import confusion_png, curves_png, mistakes_png


def test_confusion_png(tmp_path, artifacts):
    p = confusion_png([[5, 1, 0], [2, 7, 1], [0, 0, 0]], ["angry", "happy", "sad"],
                      tmp_path / "cm.png", "hand-made")
    img = Image.open(p)
    assert img.format == "PNG" and img.size[0] > 300
    img.save(artifacts / "train-test-confusion.png")


def _gray_pixels(path, part=slice(None)) -> int:
    """Pixels of exactly matplotlib's 'gray' (#808080) in a column range: the learning-rate
    line, its axis and label."""
    a = np.asarray(Image.open(path).convert("RGB"))[:, part]
    return int(np.all(a == 128, axis=-1).sum())


def test_curves_png(tmp_path, artifacts):
    hist = [{"epoch": e, "accuracy": 0.3 + e / 20, "val_accuracy": 0.3 + e / 25,
             "loss": 1.5 - e / 10, "val_loss": 1.4 - e / 12,
             "learning_rate": 1e-3 * (1 - e / 12)} for e in range(1, 11)]
    hist[4].pop("learning_rate")        # a card written without it for one epoch still draws
    with_lr = curves_png(hist, tmp_path / "c.png")
    assert Image.open(with_lr).size == (1000, 400)
    bare = curves_png([{k: v for k, v in h.items() if k != "learning_rate"} for h in hist],
                      tmp_path / "bare.png")
    # the rate has its own axis beside the loss (not a dotted mark per lowered epoch, which
    # under the cosine schedule covered the whole plot)
    assert _gray_pixels(with_lr) > 60 > _gray_pixels(bare)    # 112 and 6 when written
    left = slice(0, 500)                # the accuracy panel: no marks there
    assert _gray_pixels(with_lr, left) < 10
    Image.open(with_lr).save(artifacts / "train-test-curves.png")
    assert curves_png([], tmp_path / "none.png") is None


def test_mistakes_png(tmp_path):
    faces = [(np.full((48, 48), 40 * i, np.uint8), "happy", "sad", 0.9 - i / 10)
             for i in range(5)]
    img = Image.open(mistakes_png(faces, tmp_path / "m.png"))
    assert img.size[0] == 8 * 100 + 4
    assert Image.open(mistakes_png([], tmp_path / "empty.png")).size[0] > 0


def rendered(text: str) -> np.ndarray:
    """The text as the sheet's font draws it, black on white, cropped to its ink."""
    from PIL import ImageDraw, ImageFont
    img = Image.new("L", (400, 30), 255)
    ImageDraw.Draw(img).text((0, 0), text, fill=0, font=ImageFont.load_default())
    a = np.asarray(img)
    rows, cols = np.where(a < 255)
    return a[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


def contains(region: np.ndarray, template: np.ndarray) -> bool:
    from numpy.lib.stride_tricks import sliding_window_view
    if region.shape[0] < template.shape[0] or region.shape[1] < template.shape[1]:
        return False
    windows = sliding_window_view(region, template.shape)
    return bool((np.abs(windows.astype(int) - template).max(axis=(2, 3)) == 0).any())


def test_mistake_captions_show_whole_class_names_inside_their_cell(tmp_path, artifacts):
    mistakes = [(np.full((48, 48), 60 + 20 * i, np.uint8), t, p, c) for i, (t, p, c) in
                enumerate([("surprise", "contempt", 0.93), ("disgust", "surprise", 0.88),
                           ("neutral", "embarrassment", 0.51),
                           ("a_class_name_wider_than_a_cell", "happy", 0.40)])]
    path = mistakes_png(mistakes, tmp_path / "m.png")
    Image.open(path).save(artifacts / "train-test-mistakes.png")
    sheet = np.asarray(Image.open(path).convert("L"))
    cell, pad, head = 96, 4, 22           # the sheet's geometry (corpus.sheets.contact_sheet)
    for i, (_, true, pred, conf) in enumerate(mistakes[:3]):
        x0 = pad + i * (cell + pad)
        caption = sheet[head + cell:, x0:x0 + cell]
        for text in (true, f"> {pred}", f"({conf:.2f})"):    # whole names, not "surpri"
            assert contains(caption, rendered(text)), (i, text)
    # A name wider than the cell wraps inside the cell: no ink in the gap to the next cell.
    x0 = pad + 3 * (cell + pad)
    assert (sheet[head + cell:, x0:x0 + cell] < 128).sum() > 50
    assert (sheet[head + cell:, x0 + cell:x0 + cell + pad] == 255).all()
