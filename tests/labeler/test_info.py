import json

from labeler.info import Boxes, top_predictions


def _face(corpus, meta=None):
    fid, _ = corpus.add_bytes(b"\x89PNG\r\n\x1a\nnot-really" + json.dumps(meta).encode(),
                              fmt="PNG", kind="face", meta=meta)
    return dict(corpus.item(fid))


def test_no_faces_table_means_no_box(corpus):
    assert Boxes(corpus.db).box(_face(corpus)) is None


def test_corner_columns_become_x_y_w_h(corpus):
    corpus.ensure("CREATE TABLE faces (face_id INTEGER, image_id INTEGER, left REAL, top REAL,"
                  " right REAL, bottom REAL)")
    row = _face(corpus)
    corpus.db.execute("INSERT INTO faces VALUES (?, 1, 10, 20, 110, 140)", (row["id"],))
    assert Boxes(corpus.db).box(row) == (10, 20, 100, 120)


def test_size_columns_and_item_id_key(corpus):
    corpus.ensure("CREATE TABLE faces (item_id INTEGER, x INTEGER, y INTEGER, w INTEGER,"
                  " h INTEGER)")
    row = _face(corpus)
    corpus.db.execute("INSERT INTO faces VALUES (?, 5, 6, 70, 80)", (row["id"],))
    boxes = Boxes(corpus.db)
    assert boxes.box(row) == (5, 6, 70, 80)
    assert boxes.box(_face(corpus, {"other": 1})) is None      # a face with no row


def test_unknown_faces_layout_is_ignored_not_fatal(corpus):
    corpus.ensure("CREATE TABLE faces (face_id INTEGER, landmarks TEXT)")
    assert Boxes(corpus.db).box(_face(corpus)) is None


def test_box_from_item_meta(corpus):
    row = _face(corpus, {"box": [1, 2, 3, 4]})
    assert Boxes(corpus.db).box(row) == (1, 2, 3, 4)


def test_top_predictions_newest_model_best_first(corpus):
    row = _face(corpus)
    ins = "INSERT INTO predictions (item_id, model, classes, probs, at) VALUES (?, ?, ?, ?, ?)"
    corpus.db.execute(ins, (row["id"], "old", json.dumps(["happy", "sad"]), "[0.9, 0.1]",
                            "2026-01-01T00:00:00"))
    corpus.db.execute(ins, (row["id"], "new", json.dumps(["happy", "sad", "fear", "angry"]),
                            "[0.1, 0.5, 0.3, 0.1]", "2026-02-01T00:00:00"))
    model, top = top_predictions(corpus.db, row["id"])
    assert model == "new"
    assert [c for c, _ in top] == ["sad", "fear", "happy"] or \
        [c for c, _ in top] == ["sad", "fear", "angry"]
    assert top[0][1] == 0.5
    assert top_predictions(corpus.db, 999_999) == (None, [])


def test_shared_face_item_takes_the_box_of_its_own_parent(corpus):
    corpus.ensure("CREATE TABLE faces (face_id INTEGER, image_id INTEGER, idx INTEGER,"
                  " left INTEGER, top INTEGER, right INTEGER, bottom INTEGER)")
    row = _face(corpus)
    row["parent_id"] = 7
    corpus.db.execute("INSERT INTO faces VALUES (?, 3, 0, 0, 0, 10, 10)", (row["id"],))
    corpus.db.execute("INSERT INTO faces VALUES (?, 7, 0, 50, 60, 90, 100)", (row["id"],))
    assert Boxes(corpus.db).box(row) == (50, 60, 40, 40)
    row["parent_id"] = 3
    assert Boxes(corpus.db).box(row) == (0, 0, 10, 10)


def test_faces_made_by_the_real_extract_stage(shared_data, corpus):
    """The box columns as `curate extract` writes them, from dlib on real photos."""
    extract = __import__("pytest").importorskip("curate.extract")
    photos = shared_data / "photos" / "face_recognition"
    from corpus import verify
    for name in ("obama-240p.jpg", "two_people.jpg"):
        data = (photos / name).read_bytes()
        info = verify(data)
        corpus.add_bytes(data, fmt=info.format, kind="image", width=info.width,
                         height=info.height)
    extract.run_extract(corpus, size=100, upsample=0, workers=1, progress=False,
                        write_stage=False)
    faces = [dict(r) for r in corpus.items(kind="face")]
    assert len(faces) >= 2
    boxes = Boxes(corpus.db)
    for f in faces:
        parent = corpus.item(f["parent_id"])
        x, y, w, h = boxes.box(f)
        assert 0 <= x < parent["width"] and 0 <= y < parent["height"]
        assert 10 < w <= parent["width"] and 10 < h <= parent["height"]
