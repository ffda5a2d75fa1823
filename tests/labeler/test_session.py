import io

import pytest

from corpus import Corpus
from labeler.queue import ItemQueue
from labeler.session import Session


@pytest.fixture
def sess(face_corpus):
    c = Corpus(face_corpus, create=False)
    out = io.StringIO()
    s = Session(c, ItemQueue(c, status="all"), "alice", out=out)
    yield s, c, out
    c.close()


def test_label_is_committed_with_user_and_acknowledged(sess, face_corpus):
    s, c, out = sess
    item = s.queue.ids[0]
    before = s.counts["happy"]
    s.label(item, "fear")
    # A second connection sees it: it is committed, not just in this process.
    other = Corpus(face_corpus, create=False)
    row = other.item(item)
    other.close()
    assert (row["label"], row["label_source"], row["label_by"], row["reviewed"]) == \
        ("fear", "human", "alice", 1)
    assert out.getvalue().splitlines()[-1] == f"ACK label {item} fear"
    assert s.counts["fear"] >= 1 and s.counts["happy"] == before - 1   # first face is happy
    assert item in s.queue.reviewed


def test_reject_keep_restore_and_counts(sess):
    s, c, _ = sess
    a, b = s.queue.ids[:2]
    rejected = s.counts["rejected"]
    s.reject(a)
    assert c.item(a)["status"] == "rejected" and "not a face" in c.item(a)["reason"]
    assert s.counts["rejected"] == rejected + 1
    label_b = c.item(b)["label"]
    s.keep(b)
    assert c.item(b)["reviewed"] == 1 and c.item(b)["label"] == label_b
    s.restore(a)
    assert c.item(a)["status"] == "ok" and s.counts["rejected"] == rejected


def test_labeling_a_rejected_face_restores_it(sess):
    s, c, _ = sess
    a = s.queue.ids[0]
    s.reject(a)
    s.label(a, "sad")
    assert (c.item(a)["status"], c.item(a)["label"]) == ("ok", "sad")


def test_undo_only_this_users_actions_newest_first(sess, face_corpus):
    s, c, out = sess
    a, b = s.queue.ids[:2]
    orig = c.item(a)["label"]
    s.label(a, "angry")
    c.set_label(b, "fear", source="human", user="bob")      # someone else's work
    s.reject(a)
    assert s.undo() == a and c.item(a)["status"] == "ok"
    assert s.undo() == a and c.item(a)["label"] == orig and c.item(a)["reviewed"] == 0
    assert s.undo() is None
    assert c.item(b)["label"] == "fear"                       # bob's label untouched
    assert "ACK undo none" in out.getvalue()
    assert a not in s.queue.reviewed


def test_accept_marks_only_unreviewed_in_one_go(sess):
    s, c, out = sess
    page = s.queue.ids[:6]
    s.reject(page[2])
    done = s.accept(page)
    assert page[2] not in done and len(done) == 5
    assert all(c.item(i)["reviewed"] == 1 for i in page)
    assert c.item(page[2])["status"] == "rejected"
    assert s.rate() > 0
    assert out.getvalue().splitlines()[-1].startswith("ACK accept 5 ")


def test_labeling_a_rejected_face_is_one_undo_step(sess):
    s, c, _ = sess
    a = s.queue.ids[0]
    label = c.item(a)["label"]
    s.reject(a)
    s.label(a, "sad")
    assert (c.item(a)["status"], c.item(a)["label"]) == ("ok", "sad")
    assert s.undo() == a
    assert (c.item(a)["status"], c.item(a)["label"]) == ("rejected", label)
    assert s.undo() == a
    assert (c.item(a)["status"], c.item(a)["label"]) == ("ok", label)
