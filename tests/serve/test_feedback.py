"""POST /v1/feedback: an unreviewed label by web:<user> on the face, stored once, found by the
labeler's web queue and counted by curate stats."""
import pytest
import requests

from curate.stats import collect
from labeler.queue import ItemQueue

from .conftest import open_corpus, post_image


@pytest.fixture(scope="module")
def photo(server, photos):
    r = post_image(server, photos / "face_recognition" / "kit_with_rose.jpg", "kit.jpg")
    assert r.status_code == 200 and len(r.json()["faces"]) == 2, r.text
    return r.json()


def send(server, **body):
    return requests.post(server.url("/v1/feedback"), json=body, timeout=30)


def test_feedback_is_a_web_label_waiting_for_review(server, photo):
    face = photo["faces"][1]
    r = send(server, image_id=photo["image_id"], face_index=1, label="Happiness", user="alice")
    assert r.status_code == 201, r.text
    assert r.json() == {"face_id": face["face_id"], "label": "happy", "user": "alice",
                        "stored": True}
    c = open_corpus(server)
    try:
        item = c.item(face["face_id"])
        assert (item["label"], item["label_source"], item["label_by"], item["reviewed"]) == \
            ("happy", "web", "web:alice", 0)
        events = [e for e in c.label_history(face["face_id"]) if e["user"] == "web:alice"]
        assert len(events) == 1 and events[0]["new_label"] == "happy"
        assert face["face_id"] in ItemQueue(c, source="web").ids
    finally:
        c.close()


def test_the_same_feedback_twice_is_stored_once(server, photo):
    body = dict(image_id=photo["image_id"], face_index=0, label="sad", user="bob")
    first, again = send(server, **body), send(server, **body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["stored"] is False and again.json()["face_id"] == first.json()["face_id"]
    changed = send(server, **{**body, "label": "neutral"})          # a change of mind is new
    assert changed.status_code == 201
    c = open_corpus(server)
    try:
        events = [e for e in c.label_history(first.json()["face_id"]) if e["user"] == "web:bob"]
        assert [e["new_label"] for e in events] == ["sad", "neutral"]
    finally:
        c.close()


def test_labeler_queue_shows_exactly_the_web_feedback_and_stats_count_it(server, photo, photos):
    send(server, image_id=photo["image_id"], face_index=0, label="fear")      # anonymous
    other = post_image(server, photos / "face_recognition" / "obama_small.jpg").json()
    c = open_corpus(server)
    try:
        web_faces = {r[0] for r in c.db.execute(
            "SELECT id FROM items WHERE label_source='web' AND reviewed=0 AND status='ok'")}
        assert set(ItemQueue(c, source="web").ids) == web_faces
        assert other["faces"][0]["face_id"] in set(ItemQueue(c).ids) - web_faces
        users = {e["user"] for f in web_faces for e in c.label_history(f)}
        assert "web:anonymous" in users
        stats = collect(c)
        events = c.db.execute("SELECT COUNT(*) FROM label_events WHERE user LIKE 'web:%'"
                              " AND undone=0").fetchone()[0]
        assert stats["web_feedback"]["events"] == events >= 3
        assert stats["web_feedback"]["unreviewed"] == len(web_faces)
        assert stats["by_source"]["web"] >= 3            # the photo and its faces
    finally:
        c.close()


@pytest.mark.parametrize("body,status,code", [
    ({"image_id": 999999, "face_index": 0, "label": "sad"}, 404, "no_such_image"),
    ({"face_index": 9, "label": "sad"}, 404, "no_such_face"),
    ({"face_index": 0, "label": "bored"}, 422, "unknown_label"),
    ({"face_index": 0, "label": "sad", "user": "../../x"}, 422, "invalid_request"),
    ({"face_index": -1, "label": "sad"}, 422, "invalid_request"),
    ({"face_index": 0}, 422, "invalid_request"),
    ({"face_index": 0, "label": "sad", "extra": 1}, 422, "invalid_request"),
])
def test_bad_feedback(server, photo, body, status, code):
    body = {"image_id": photo["image_id"], **body}
    r = send(server, **body)
    assert (r.status_code, r.json()["error"]) == (status, code), r.text
    assert r.json()["detail"]


def test_feedback_only_for_images_this_server_received(server, photos):
    """A face of an image that reached the corpus some other way cannot be labeled from outside."""
    from corpus import Corpus
    from curate.extract import run_extract
    c = Corpus(server.corpus, create=False)
    try:
        iid, _ = c.add_bytes((photos / "face_recognition" / "biden.jpg").read_bytes(),
                             fmt="JPEG", provenance={"engine": "bing", "query": "face"})
        run_extract(c, workers=1, progress=False, write_stage=False)
        assert c.db.execute("SELECT COUNT(*) FROM faces WHERE image_id=?", (iid,)).fetchone()[0]
    finally:
        c.close()
    r = send(server, image_id=iid, face_index=0, label="sad")
    assert (r.status_code, r.json()["error"]) == (404, "no_such_image")
    assert requests.get(server.url(f"/v1/images/{iid}"), timeout=30).status_code == 404
    # once someone uploads it, it is theirs to correct: the stored faces are used as they are
    up = post_image(server, photos / "face_recognition" / "biden.jpg").json()
    assert up["image_id"] == iid
    assert send(server, image_id=iid, face_index=0, label="sad").status_code == 201
