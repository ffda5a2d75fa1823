"""Who is who: group faces of the same person with dlib's face embedding, for leak-free splits.

Scraped faces have no subject id, so two photos of one person could land in train and test.
Each face gets dlib's 128-d embedding (dlib_face_recognition_resnet_model_v1, from the
face-recognition-models package); faces closer than `threshold` (0.6, dlib's usual figure) are
linked, and identities are found with dlib's Chinese whispers graph clustering (connected
components would chain look-alikes into one huge identity; see cluster()).

The network wants an aligned 150 px RGB chip. When the extraction stage recorded the face's
box in its source image (table `faces`), the chip is cut from the source at full resolution;
otherwise (dataset crops such as FER2013) from the stored crop, whose middle part is the face.
Embeddings are cached in the catalog (table identity_embeddings), so reruns are free.
"""
from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache

import numpy as np
from PIL import Image
from tqdm import tqdm

from corpus import ImageError, to_array

DEFAULT_THRESHOLD = 0.6
CHIP = 150
MARGIN = 0.25           # the extraction stage's default crop margin (curate.faces)
MODEL = "dlib_face_recognition_resnet_model_v1"
# Below this a crop holds too little for the embedding: on 48x48 dataset crops (FER2013,
# CK+48) unrelated people come out closer than 0.6 and chain into one giant identity
# (seen on the demo corpus: one unit of 2,519 faces).
MIN_CROP = 64
BATCH = 64

DDL = """
CREATE TABLE IF NOT EXISTS identity_embeddings (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    model   TEXT NOT NULL,
    source  TEXT NOT NULL,          -- box (cut from the source image) | crop (the face item)
    vec     BLOB                    -- float32 x 128; NULL: no landmarks could be found
);
"""


class IdentityError(RuntimeError):
    pass


def _model(name: str) -> str:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise IdentityError("dlib models missing: pip install face-recognition-models")
    path = os.path.join(list(spec.submodule_search_locations)[0], "models", name)
    if not os.path.isfile(path):
        raise IdentityError(f"{path} not found; reinstall face-recognition-models")
    return path


@lru_cache(maxsize=1)
def _dlib():
    import dlib
    return (dlib, dlib.shape_predictor(_model("shape_predictor_5_face_landmarks.dat")),
            dlib.face_recognition_model_v1(_model(MODEL + ".dat")))


def embed(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """128-d embedding of the face in `box` (left, top, right, bottom) of an RGB uint8 image."""
    dlib, shape_pred, net = _dlib()
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim == 2:
        rgb = np.ascontiguousarray(np.repeat(rgb[:, :, None], 3, axis=2))
    shape = shape_pred(rgb, dlib.rectangle(*(int(round(v)) for v in box)))
    chip = dlib.get_face_chip(rgb, shape, size=CHIP, padding=MARGIN)
    return np.asarray(net.compute_face_descriptor(chip), dtype=np.float32)


def embed_crop(crop: np.ndarray) -> np.ndarray:
    """Embedding of an already cropped face: the face is the crop's middle 1/(1+2*margin)."""
    img = Image.fromarray(np.asarray(crop, np.uint8)).convert("RGB")
    if img.width < 2 * CHIP:       # landmarks are steadier on a larger picture
        img = img.resize((2 * CHIP, round(2 * CHIP * img.height / img.width)), Image.BICUBIC)
    w, h = img.size
    inset = MARGIN / (1 + 2 * MARGIN)
    return embed(np.asarray(img), (w * inset, h * inset, w * (1 - inset), h * (1 - inset)))


def _box(corpus, item_id: int):
    if not corpus.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='faces'"
                             ).fetchone():
        return None
    row = corpus.db.execute("SELECT image_id, left, top, right, bottom FROM faces"
                            " WHERE face_id=? AND left IS NOT NULL LIMIT 1", (item_id,)).fetchone()
    return None if row is None else (row[0], tuple(row[1:]))


def usable(corpus, row) -> bool:
    """Whether a face can be embedded reliably: its source box is known, or it was cut from a
    source image, or imported as a crop that was big enough before the import resized it
    (`source_size` in its meta: muxspace's 350 px faces), and its stored crop is big enough.
    Small dataset crops (FER2013, CK+48: 48 px, upscaled) are not: they rely on the subject
    ids their importer sets."""
    if _box(corpus, row["id"]) is not None:
        return True
    if not row["parent_id"] and min(_source_size(row)) < MIN_CROP:
        return False
    size = min(row["width"] or 0, row["height"] or 0)
    if not size and row["path"]:
        from corpus import verify
        try:
            info = verify(corpus.read_bytes(row))
            size = min(info.width, info.height)
        except (ImageError, OSError):
            return False
    return size >= MIN_CROP


def _source_size(row) -> tuple[int, int]:
    try:
        w, h = json.loads(row["meta"] or "{}").get("source_size") or (0, 0)
        return int(w), int(h)
    except (ValueError, TypeError):
        return 0, 0


def item_embedding(corpus, row) -> tuple[str, np.ndarray]:
    found = _box(corpus, row["id"])
    if found is not None:
        parent = corpus.item(found[0])
        if parent["path"]:
            return "box", embed(to_array(corpus.read_bytes(parent), "RGB"), found[1])
    return "crop", embed_crop(to_array(corpus.read_bytes(row), "RGB"))


def embeddings(corpus, rows, progress: bool = True) -> dict[int, np.ndarray]:
    """Embeddings of rows (items with bytes), computing and caching the missing ones."""
    corpus.ensure(DDL)
    cached = {r[0]: r[1] for r in corpus.db.execute(
        "SELECT item_id, vec FROM identity_embeddings WHERE model=?", (MODEL,))}
    todo = [r for r in rows if r["id"] not in cached]
    for start in tqdm(range(0, len(todo), BATCH), desc="identity: embedding", unit="batch",
                      disable=not progress or len(todo) < BATCH):
        out = []
        for row in todo[start:start + BATCH]:
            try:
                source, vec = item_embedding(corpus, row)
                out.append((row["id"], MODEL, source, vec.tobytes()))
            except (ImageError, OSError, RuntimeError) as exc:
                out.append((row["id"], MODEL, f"error: {exc}"[:200], None))
        with corpus.transaction():
            corpus.db.executemany("INSERT OR REPLACE INTO identity_embeddings VALUES (?,?,?,?)",
                                  out)
        cached.update({i: v for i, _, _, v in out})
    return {r["id"]: np.frombuffer(cached[r["id"]], np.float32) for r in rows
            if cached.get(r["id"]) is not None}


def cluster(ids, vecs: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> dict[int, int]:
    """item id -> identity (the smallest item id of its cluster), by dlib's Chinese whispers.

    Connected components at 0.6 chain look-alikes: on the demo's 281 crowd-sourced faces (median
    distance 0.80, 1st percentile 0.59) they made one identity of 232 faces. Chinese whispers
    (each face takes the identity most common among its neighbours within the threshold) gave
    80 identities, the largest 37. dlib seeds its random generator, so the result is the same
    on every run for the same input order (ids sorted).
    """
    import dlib
    order = sorted(range(len(ids)), key=lambda k: ids[k])
    ids = [ids[k] for k in order]
    vecs = np.asarray(vecs, np.float64)[order]
    if len(ids) == 1:
        return {ids[0]: ids[0]}
    labels = dlib.chinese_whispers_clustering([dlib.vector(v.tolist()) for v in vecs],
                                              float(threshold))
    first: dict[int, int] = {}
    for x, lab in zip(ids, labels):
        first.setdefault(lab, x)
    return {x: first[lab] for x, lab in zip(ids, labels)}


def group_identities(corpus, rows, threshold: float = DEFAULT_THRESHOLD,
                     progress: bool = True) -> dict[int, int]:
    """item id -> identity id for the rows whose embedding could be computed."""
    emb = embeddings(corpus, rows, progress)
    ids = sorted(emb)
    if not ids:
        return {}
    return cluster(ids, np.stack([emb[i] for i in ids]), threshold)
