import json

import pytest

from corpus import Corpus
from labeler.queue import ItemQueue, QueueError


@pytest.fixture
def fc(face_corpus):
    c = Corpus(face_corpus, create=False)
    yield c
    c.close()


def face_ids(c, **kw):
    return [r["id"] for r in c.items(kind="face", **kw)]


def test_default_queue_is_unreviewed_ok_faces_in_id_order(fc):
    q = ItemQueue(fc)
    assert q.ids == face_ids(fc)
    assert len(q) == 37          # 29 distinct Yale crops (subject04.sad == .normal) + 8 muxspace
    assert q.pos == 0 and q.done == 0 and q.remaining == len(q)


def test_label_filter_accepts_synonyms_and_rejects_unknown(fc):
    q = ItemQueue(fc, label="Happiness")
    assert q.label == "happy"
    assert q.ids == face_ids(fc, label="happy") and len(q) >= 5
    with pytest.raises(Exception, match="unknown class"):
        ItemQueue(fc, label="bored")
    with pytest.raises(QueueError, match="--status"):
        ItemQueue(fc, status="done")
    with pytest.raises(QueueError, match="--order"):
        ItemQueue(fc, order="size")


def test_reopens_at_first_unreviewed(fc):
    ids = face_ids(fc)
    for i in ids[:3]:
        fc.mark_reviewed(i, user="a")
    fc.set_status(ids[3], "rejected", reviewed=True)
    unrev = ItemQueue(fc)
    assert unrev.ids == ids[4:]
    every = ItemQueue(fc, status="all")
    assert every.ids == ids and every.current_id == ids[4] and every.done == 4
    assert ItemQueue(fc, status="rejected").ids == [ids[3]]


def test_random_order_is_a_stable_permutation(fc):
    a = ItemQueue(fc, order="random", seed="7")
    b = ItemQueue(fc, order="random", seed="7")
    c = ItemQueue(fc, order="random", seed="8")
    assert a.ids == b.ids and sorted(a.ids) == face_ids(fc)
    assert a.ids != face_ids(fc) and c.ids != a.ids


def test_confidence_order_puts_most_doubted_label_first(fc):
    ids = face_ids(fc, label="happy")[:3]
    classes = json.dumps(list(fc.taxonomy.classes))
    for item_id, p_happy in zip(ids, (0.9, 0.05, 0.4)):
        probs = [0.0] * 7
        probs[3] = p_happy
        probs[6] = 1 - p_happy
        fc.db.execute("INSERT INTO predictions (item_id, model, classes, probs, at)"
                      " VALUES (?, 'm1', ?, ?, '2026-01-01')",
                      (item_id, classes, json.dumps(probs)))
    q = ItemQueue(fc, order="confidence", label="happy")
    assert q.ids[:3] == [ids[1], ids[2], ids[0]]
    assert sorted(q.ids) == face_ids(fc, label="happy")     # unscored ones follow


def test_rows_are_fetched_lazily_and_refreshed(fc):
    q = ItemQueue(fc, row_cache=4)
    assert len(q._rows) == 0          # opening reads ids only
    first = q.row(q.ids[0])
    assert first["kind"] == "face" and len(q._rows) == 1
    q.rows(q.ids[:10])
    assert len(q._rows) == 4
    fc.mark_reviewed(q.ids[0])
    assert q.refresh(q.ids[0])["reviewed"] == 1 and q.done == 1


def test_move_and_around(fc):
    q = ItemQueue(fc)
    assert not q.move(-1) and q.pos == 0
    assert q.move(5) and q.pos == 5
    assert q.around(2, behind=1) == [q.ids[6], q.ids[7], q.ids[4]]
    assert q.goto(q.ids[-1]) and q.pos == len(q) - 1
    assert not q.move(1)
    assert not q.goto(-5)


def test_confidence_order_survives_malformed_and_unknown_predictions(fc):
    happy = face_ids(fc, label="happy")
    classes = json.dumps(list(fc.taxonomy.classes))
    fc.db.execute("INSERT INTO predictions (item_id, model, classes, probs, at)"
                  " VALUES (?, 'bad', 'not json', '[1]', '2026-01-01')",
                  (happy[0],))
    fc.db.execute("INSERT INTO predictions (item_id, model, classes, probs, at)"
                  " VALUES (?, 'm', ?, ?, '2026-01-01')",
                  (happy[1], json.dumps(["cat", "dog"]), "[0.5, 0.5]"))   # knows no 'happy'
    fc.db.execute("INSERT INTO predictions (item_id, model, classes, probs, at)"
                  " VALUES (?, 'old', ?, ?, '2025-01-01')",
                  (happy[2], classes, json.dumps([0, 0, 0, 0.01, 0, 0, 0.99])))
    fc.db.execute("INSERT INTO predictions (item_id, model, classes, probs, at)"
                  " VALUES (?, 'new', ?, ?, '2026-06-01')",
                  (happy[2], classes, json.dumps([0, 0, 0, 0.6, 0, 0, 0.4])))
    q = ItemQueue(fc, order="confidence", label="happy")
    assert q.ids[0] == happy[1]           # a model without the label doubts it most
    assert q.ids[1] == happy[2]           # the newest model's 0.6, not the old 0.01 ...
    assert happy[0] in q.ids[2:]          # ... and the malformed row counts as unscored


def test_bring_inserts_a_face_the_filter_left_out(fc):
    ids = face_ids(fc)
    fc.mark_reviewed(ids[0])
    q = ItemQueue(fc)
    assert ids[0] not in q.ids
    q.move(3)
    assert q.bring(ids[0]) and q.current_id == ids[0] and q.pos == 3
    assert q.index[ids[1]] == 0 and len(q) == len(ids)
    parent = fc.item(ids[1])["parent_id"]
    assert not q.bring(parent)                  # an image, not a face: not shown


def test_source_filter_shows_exactly_the_web_corrections(fc):
    ids = face_ids(fc)
    for i in ids[2:4]:
        fc.set_label(i, "sad", source="web", user="web:alice", reviewed=False)
    fc.set_label(ids[5], "sad", source="human", user="bob", reviewed=False)
    assert ItemQueue(fc, source="web").ids == ids[2:4]
    fc.mark_reviewed(ids[2], user="curator")           # confirmed: out of the to-do queue
    assert ItemQueue(fc, source="web").ids == [ids[3]]
    assert ItemQueue(fc, source="web", status="all").ids == ids[2:4]
    with pytest.raises(QueueError, match="--source"):
        ItemQueue(fc, source="mail")
