"""Draw predicted faces on a photo: a box per face and a label with its top-2 emotions.

Labels must stay readable on group photos: each one is kept whole inside the image, never
overlaps another label, and avoids covering other faces where it can. place_labels() tries,
for each face in turn, spots just below and just above its box, then inside its box, then
further below/above (stacked labels), each shifted to lie inside the image, and keeps the
nearest free one. A label shifted or stacked away from its face can sit nearer another face,
so each face has its own colour (box, label frame, and a thin line from a stacked label).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Bright colours black label text stays readable next to, first one the classic yellow.
PALETTE = [(255, 220, 0), (0, 220, 255), (255, 80, 220), (120, 255, 80), (255, 140, 0),
           (255, 60, 60), (90, 140, 255), (200, 160, 255)]
PAD, FRAME, GAP = 3, 2, 2            # text padding, label frame width, space between labels


def colour(i: int) -> tuple[int, int, int]:
    return PALETTE[i % len(PALETTE)]


def label_font(image_size: tuple[int, int], size: int | None = None):
    size = size or max(12, round(max(image_size) / 45))
    try:
        return ImageFont.load_default(size=size)
    except TypeError:          # Pillow < 10.1 has one fixed-size default font
        return ImageFont.load_default()


def label_text(face: dict) -> str:
    return "  ".join(f"{c} {p:.2f}" for c, p in face["top"][:2])


def _overlap(a, b, gap: int = 0) -> bool:
    return not (a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1]
                or b[3] + gap <= a[1])


def _area(a, b) -> int:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def _distance(rect, box) -> int:
    """Pixels between a label and its box (0 when they touch or overlap)."""
    dx = max(0, rect[0] - box[2], box[0] - rect[2])
    dy = max(0, rect[1] - box[3], box[1] - rect[3])
    return dx + dy


def _candidates(box, w: int, h: int, lw: int, placed, height: int):
    """Label corners to try: below and above the box, inside it, then stacked: right below
    or above a label already placed, and further below/above the box."""
    l, t, r, b = box
    yield l, b + lw + GAP
    yield l, t - lw - GAP - h
    yield l + lw, b - lw - h
    yield l + lw, t + lw
    for p in placed:
        yield l, p[3] + GAP
        yield l, p[1] - GAP - h
    for k in range(1, height // (h + GAP) + 2):
        yield l, b + lw + GAP + k * (h + GAP)
        yield l, t - lw - GAP - h - k * (h + GAP)


def place_labels(boxes, sizes, image_size, lw: int = 2) -> list[tuple[int, int, int, int]]:
    """Label rectangles (left, top, right, bottom; right/bottom exclusive), one per box.

    Each lies inside the image (when it fits at all) and keeps GAP pixels from every other
    label; among such spots the one covering the least of other faces, then of its own face,
    then the nearest to its box, wins. Faces are served top to bottom, so an upper face gets
    the spot below it before a lower face can take it as its spot above.
    """
    width, height = image_size
    placed: dict[int, tuple[int, int, int, int]] = {}
    for i in sorted(range(len(boxes)), key=lambda k: (boxes[k][1], boxes[k][0])):
        (w, h), box = sizes[i], tuple(boxes[i])
        others = [tuple(o) for j, o in enumerate(boxes) if j != i]
        best, best_cost = None, None
        for n, (x, y) in enumerate(_candidates(box, w, h, lw, list(placed.values()), height)):
            x = min(max(0, x), max(0, width - w))
            y = min(max(0, y), max(0, height - h))
            rect = (x, y, x + w, y + h)
            if any(_overlap(rect, p, GAP) for p in placed.values()):
                continue
            cost = (sum(_area(rect, o) for o in others), _area(rect, box),
                    _distance(rect, box), n)
            if best_cost is None or cost < best_cost:
                best, best_cost = rect, cost
        # No free spot at all (more labels than the image has room for): below the box.
        y = min(box[3], height - h)
        placed[i] = best or (box[0], y, box[0] + w, y + h)
    return [placed[i] for i in range(len(boxes))]


def label_sizes(draw, texts, font) -> list[tuple[int, int]]:
    """(width, height) of each label: its text, padding and frame."""
    out = []
    for t in texts:
        _, _, x1, y1 = draw.textbbox((0, 0), t, font=font)
        out.append((x1 + 2 * (PAD + FRAME), y1 + 2 * (PAD + FRAME)))
    return out


def annotate(rgb: np.ndarray, faces: list[dict], dest: Path) -> Path:
    """Write a copy of the image with each face's box and top-2 label; returns dest."""
    img = draw_faces(rgb, faces)
    dest.parent.mkdir(parents=True, exist_ok=True)
    img.save(dest)
    return dest


def draw_faces(rgb: np.ndarray, faces: list[dict]) -> Image.Image:
    """The copy annotate() saves (serve sends it as PNG bytes)."""
    img = Image.fromarray(rgb)
    draw = ImageDraw.Draw(img)
    lw = max(2, round(max(img.size) / 300))
    font = label_font(img.size)
    texts = [label_text(f) for f in faces]
    sizes = label_sizes(draw, texts, font)
    while font.size > 8 and sizes and max(w for w, _ in sizes) > img.width:
        font = label_font(img.size, font.size - 1)   # tiny image: smaller text, still whole
        sizes = label_sizes(draw, texts, font)
    boxes = [f["box"] for f in faces]
    rects = place_labels(boxes, sizes, img.size, lw)
    for i, (box, rect) in enumerate(zip(boxes, rects)):
        draw.rectangle(list(box), outline=colour(i), width=lw)
        _leader(draw, box, rect, lw, colour(i))   # under every label: drawn before them
    for i, (text, rect) in enumerate(zip(texts, rects)):
        draw.rectangle([rect[0], rect[1], rect[2] - 1, rect[3] - 1], fill=(0, 0, 0),
                       outline=colour(i), width=FRAME)
        draw.text((rect[0] + FRAME + PAD, rect[1] + FRAME + PAD), text, fill=(255, 255, 255),
                  font=font)
    return img


def _leader(draw, box, rect, lw: int, fill) -> None:
    """A thin line from a label that had to move away from its box back to the box."""
    l, t, r, b = box
    cx = min(max((rect[0] + rect[2]) // 2, l), r)
    if rect[1] > b + lw + GAP:                    # below, further down than the first spot
        draw.line([(cx, b), (cx, rect[1])], fill=fill, width=1)
    elif rect[3] < t - lw - GAP:                  # above, further up
        draw.line([(cx, rect[3]), (cx, t)], fill=fill, width=1)
