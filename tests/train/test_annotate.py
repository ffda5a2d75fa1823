"""Pixel facts of the annotated predict image: every label whole, inside the image, apart."""
import cv2
import numpy as np
from PIL import Image, ImageDraw

from train.annotate import (FRAME, GAP, annotate, colour, label_font, label_sizes, label_text,
                            place_labels)

BLUE = (40, 90, 160)        # a background no label pixel (black, white, gray text) can have


def face(box, *top):
    return {"box": list(box), "top": [list(t) for t in top]}


# Two faces side by side at the bottom right, one at the right edge, one at the top left:
# below-the-box labels would run off the bottom and the right and lie on top of each other.
FACES = [face((230, 168, 300, 232), ("surprise", 0.93), ("contempt", 0.05)),
         face((152, 172, 222, 236), ("disgust", 0.61), ("surprise", 0.30)),
         face((262, 12, 318, 66), ("neutral", 0.48), ("happy", 0.47)),
         face((6, 6, 60, 60), ("fear", 0.71), ("sad", 0.20))]


def inner_size(img_size, face):
    """The black inside of the face's label (its frame is in the face's colour)."""
    draw = ImageDraw.Draw(Image.new("RGB", img_size))
    (w, h), = label_sizes(draw, [label_text(face)], label_font(img_size))
    return w - 2 * FRAME, h - 2 * FRAME


def label_components(rgb: np.ndarray):
    """Bounding boxes (x, y, w, h) of the connected label areas: black fill and gray text."""
    mask = ((rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return sorted(tuple(int(v) for v in stats[i, :4]) for i in range(1, n))


def test_labels_are_whole_inside_the_image_and_do_not_overlap(tmp_path, artifacts):
    rgb = np.zeros((240, 320, 3), np.uint8)
    rgb[:] = BLUE
    out = np.asarray(Image.open(annotate(rgb, FACES, tmp_path / "a.png")).convert("RGB"))
    Image.fromarray(out).save(artifacts / "train-annotate-crowded.png")
    found = label_components(out)
    # one separate area per label (overlapping or touching labels would merge into one) ...
    assert len(found) == len(FACES), found
    for x, y, w, h in found:
        assert 0 < x and x + w < 320 and 0 < y and y + h < 240      # frame included
        # ... framed in the colour of its own face and exactly that label's full size,
        # so no label is cut off by the image edge or hidden under another
        i = next(i for i in range(len(FACES)) if tuple(out[y + h // 2, x - 1]) == colour(i))
        assert (w, h) == inner_size((320, 240), FACES[i]), FACES[i]["top"]
        assert (out[y:y + h, x:x + w].min(axis=2) > 200).sum() > 30   # white text in it
    # no label covers a face: every box outline is still whole, in its face's colour
    for i, f in enumerate(FACES):
        l, t, r, b = f["box"]
        edges = np.concatenate([out[t, l:r + 1], out[b, l:r + 1], out[t:b + 1, l],
                                out[t:b + 1, r]])
        assert (edges == colour(i)).all(axis=1).all(), f["box"]


def test_a_crowd_gets_stacked_labels_inside_the_image():
    boxes = [(x, 100, x + 40, 140) for x in range(0, 400, 45)]        # nine faces in a row
    rects = place_labels(boxes, [(120, 16)] * len(boxes), (400, 300))
    for i, a in enumerate(rects):
        assert 0 <= a[0] and a[2] <= 400 and 0 <= a[1] and a[3] <= 300
        for bb in rects[i + 1:]:
            apart = (a[2] + GAP <= bb[0] or bb[2] + GAP <= a[0] or a[3] + GAP <= bb[1]
                     or bb[3] + GAP <= a[1])
            assert apart, (a, bb)
        for box in boxes:                                  # and none lies on a face
            assert a[3] <= box[1] or a[1] >= box[3] or a[2] <= box[0] or a[0] >= box[2]
