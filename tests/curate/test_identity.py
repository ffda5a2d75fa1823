"""Identity grouping with real dlib embeddings on real photos (photos/face_recognition)."""
import io
from functools import lru_cache

import dlib
import numpy as np
from PIL import Image

from corpus import to_array
from curate.identity import cluster, embeddings, group_identities

OBAMA = ["obama.jpg", "obama2.jpg", "obama3.jpg", "obama-240p.jpg", "obama_small.jpg"]
OTHERS = ["biden.jpg", "alex-lacamoire.png", "lin-manuel-miranda.png"]


def _png(arr):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


@lru_cache(maxsize=None)
def _detect(path):
    rgb = to_array(path.read_bytes(), "RGB")
    rects = dlib.get_frontal_face_detector()(rgb, 1)
    assert rects, f"no face found in {path.name}"
    r = max(rects, key=lambda r: r.width())
    return r.left(), r.top(), r.right(), r.bottom()


def _add_faces(corpus, shared_data, names, with_boxes):
    """One face item per photo, cut the way the extraction stage does (dlib HOG + 5 points)."""
    from curate.extract import DDL as EXTRACT_DDL
    corpus.ensure(EXTRACT_DDL)
    import curate.identity as ident
    dl, shape_pred, _ = ident._dlib()
    ids = {}
    for name in names:
        data = (shared_data / "photos" / "face_recognition" / name).read_bytes()
        rgb = to_array(data, "RGB")
        rect = dlib.rectangle(*_detect(shared_data / "photos" / "face_recognition" / name))
        img_id, _ = corpus.add_bytes(data, fmt=Image.open(io.BytesIO(data)).format,
                                     kind="image", width=rgb.shape[1], height=rgb.shape[0])
        gray = np.asarray(Image.fromarray(rgb).convert("L"))
        crop = dlib.get_face_chip(gray, shape_pred(gray, rect), size=100, padding=0.25)
        face_id, _ = corpus.add_bytes(_png(np.ascontiguousarray(crop)), fmt="PNG", kind="face",
                                      width=100, height=100, parent_id=img_id)
        if with_boxes:
            corpus.db.execute("INSERT INTO faces (face_id, image_id, idx, left, top, right,"
                              " bottom) VALUES (?,?,?,?,?,?,?)",
                              (face_id, img_id, 0, rect.left(), rect.top(), rect.right(),
                               rect.bottom()))
        ids[name] = face_id
    return ids


def _check(corpus, ids):
    rows = [corpus.item(i) for i in ids.values()]
    ident = group_identities(corpus, rows)
    obama = {ident[ids[n]] for n in OBAMA}
    assert len(obama) == 1, {n: ident[ids[n]] for n in OBAMA}
    others = [ident[ids[n]] for n in OTHERS]
    assert len(set(others)) == len(OTHERS)
    assert obama.isdisjoint(others)


def test_same_person_one_group_from_source_boxes(shared_data, corpus):
    ids = _add_faces(corpus, shared_data, OBAMA + OTHERS, with_boxes=True)
    _check(corpus, ids)
    sources = {r[0] for r in corpus.db.execute("SELECT source FROM identity_embeddings")}
    assert sources == {"box"}


def test_same_person_one_group_from_crops_alone(shared_data, corpus):
    ids = _add_faces(corpus, shared_data, OBAMA + OTHERS, with_boxes=False)
    _check(corpus, ids)
    assert {r[0] for r in corpus.db.execute("SELECT source FROM identity_embeddings")} == {"crop"}
    # Cached: a second call computes nothing and returns the same vectors.
    rows = [corpus.item(i) for i in ids.values()]
    first = embeddings(corpus, rows)
    n = corpus.db.execute("SELECT count(*) FROM identity_embeddings").fetchone()[0]
    again = embeddings(corpus, rows)
    assert n == len(ids)
    assert all(np.array_equal(first[k], again[k]) for k in first)


def test_cluster_thresholded_and_deterministic():
    v = np.zeros((5, 128), np.float32)
    v[1, 0], v[2, 0], v[3, 0], v[4, 1] = 0.2, 0.3, 3.0, 3.0
    ids = [14, 11, 12, 13, 10]        # any order in, the same answer out
    got = cluster(ids, v, 0.6)
    assert got == {14: 11, 11: 11, 12: 11, 13: 13, 10: 10}
    assert cluster(ids, v, 0.6) == got
    assert len(set(cluster(ids, v, 0.1).values())) == 5
