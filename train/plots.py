"""PNGs a person looks at after training: confusion matrix, training curves, confident mistakes."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from corpus.sheets import contact_sheet


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(plt, fig, path, dpi: int) -> Path:
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def confusion_png(matrix, classes, path, title: str = "") -> Path:
    """Rows are true classes, normalised to recall; each cell shows its count and share."""
    plt = _plt()
    cm = np.asarray(matrix, float)
    rows = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    n = len(classes)
    fig, ax = plt.subplots(figsize=(1.1 * n + 2.5, 1.0 * n + 2))
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), classes, rotation=35, ha="right")
    ax.set_yticks(range(n), [f"{c} ({int(r)})" for c, r in zip(classes, rows[:, 0])])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true (count)")
    for i in range(n):
        for j in range(n):
            if rows[i, 0]:
                ax.text(j, i, f"{int(cm[i, j])}\n{share[i, j]:.0%}", ha="center", va="center",
                        fontsize=8, color="white" if share[i, j] > 0.55 else "black")
    ax.set_title(title or "confusion matrix (row-normalised)")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return _save(plt, fig, path, dpi=110)


def curves_png(history: list[dict], path, title: str = "") -> Path | None:
    """Accuracy and loss per epoch, train vs val, from a model card's history."""
    if not history:
        return None
    plt = _plt()
    epochs = [h["epoch"] for h in history]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in ((a1, "accuracy"), (a2, "loss")):
        for prefix, style in (("", "-o"), ("val_", "-s")):
            vals = [h.get(prefix + key) for h in history]
            if any(v is not None for v in vals):
                ax.plot(epochs, vals, style, ms=3, label=(prefix or "train_") + key)
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend()
    # The rate on its own axis, beside the loss: the cosine schedule lowers it every epoch, so
    # a mark per lowering (what the plateau schedule's few steps needed) would hide the curves.
    lrs = [h.get("learning_rate") for h in history]
    if any(v is not None for v in lrs):
        lrs = [np.nan if v is None else v for v in lrs]
        ax_lr = a2.twinx()
        ax_lr.plot(epochs, lrs, "--", color="gray", lw=1, label="learning rate")
        ax_lr.set_ylabel("learning rate", color="gray")
        ax_lr.tick_params(axis="y", colors="gray")
        ax_lr.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
        lines = a2.get_lines() + ax_lr.get_lines()
        a2.legend(lines, [ln.get_label() for ln in lines])
    fig.suptitle(title or "training curves")
    fig.tight_layout()
    return _save(plt, fig, path, dpi=100)


def mistakes_png(mistakes: list[tuple[np.ndarray, str, str, float]], path,
                 title: str = "") -> Path:
    """mistakes: (gray image, true, predicted, confidence), most confident first.

    Each caption says the true class on its first line and "> predicted (confidence)" on the
    next, with whole class names (the sheet wraps a caption rather than cut it).
    """
    from PIL import Image
    # 48-pixel faces would sit small in the 96-pixel cells; enlarge them to fill the cell
    images = [Image.fromarray(np.asarray(m[0], np.uint8)).resize((96, 96), Image.BICUBIC)
              for m in mistakes]
    captions = [mistake_caption(*m[1:]) for m in mistakes]
    heading = "most confident mistakes: true class, then > predicted class (its confidence)"
    return contact_sheet([(heading, images, captions)], path, cols=8, cell=96,
                         title=title or None)


def mistake_caption(true: str, predicted: str, confidence: float) -> str:
    return f"{true}\n> {predicted} ({confidence:.2f})"
