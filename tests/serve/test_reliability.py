"""kill -9 under load, restart: every acknowledged upload and feedback is in the catalog once."""
import hashlib
import threading
import time

import requests

from corpus import FER_CLASSES, Corpus

from .conftest import post_image


def _feedback_client(server, targets, n, acked, lock, stop):
    session, k = requests.Session(), 0
    while not stop.is_set():
        image_id, index = targets[k % len(targets)]
        body = {"image_id": image_id, "face_index": index, "label": FER_CLASSES[k % 7],
                "user": f"client{n}-{k}"}          # every request a distinct correction
        k += 1
        try:
            r = session.post(server.url("/v1/feedback"), json=body, timeout=15)
        except requests.RequestException:
            continue                               # the server is gone: not acknowledged
        if r.status_code in (200, 201):
            with lock:
                acked.append(body)


def _upload_client(server, photo: bytes, n, acked, lock, stop):
    session, k = requests.Session(), 0
    while not stop.is_set():
        data = photo + f"ferkit-test-{n}-{k}".encode()    # a new image each time
        k += 1
        try:
            r = session.post(server.url("/v1/predict"), files={"image": ("p.jpg", data)},
                             timeout=30)
        except requests.RequestException:
            continue
        if r.status_code == 200:
            with lock:
                acked.append((hashlib.sha256(data).hexdigest(), r.json()))


def test_kill9_under_load_then_restart(start_server, photos, tmp_path):
    corpus = tmp_path / "corpus"
    server = start_server("--rate-limit", "0", corpus=corpus)
    fr = photos / "face_recognition"
    targets = []
    for name in ("two_people.jpg", "kit_with_rose.jpg"):
        out = post_image(server, fr / name).json()
        targets += [(out["image_id"], f["index"]) for f in out["faces"]]
    assert len(targets) == 4
    feedback, uploads, lock, stop = [], [], threading.Lock(), threading.Event()
    photo = (fr / "obama_small.jpg").read_bytes()
    threads = [threading.Thread(target=_feedback_client,
                                args=(server, targets, n, feedback, lock, stop))
               for n in range(6)]
    threads += [threading.Thread(target=_upload_client,
                                 args=(server, photo, n, uploads, lock, stop)) for n in range(2)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while (len(feedback) < 30 or len(uploads) < 2) and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()                                  # SIGKILL mid-load
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(feedback) >= 30 and len(uploads) >= 2, "the load never got going"

    again = start_server("--rate-limit", "0", corpus=corpus)
    c = Corpus(corpus, create=False, readonly=True)
    try:
        face_of = {(r["image_id"], r["idx"]): r["face_id"]
                   for r in c.db.execute("SELECT image_id, idx, face_id FROM faces")}
        for body in feedback:
            face = face_of[(body["image_id"], body["face_index"])]
            n = c.db.execute("SELECT COUNT(*) FROM label_events WHERE item_id=? AND user=? AND"
                             " new_label=? AND new_source='web' AND undone=0",
                             (face, "web:" + body["user"], body["label"])).fetchone()[0]
            assert n == 1, body
        for sha, out in uploads:
            row = c.db.execute("SELECT id FROM items WHERE sha256=?", (sha,)).fetchone()
            assert row is not None and row["id"] == out["image_id"]
            assert c.db.execute("SELECT n_faces FROM extractions WHERE image_id=?",
                                (row["id"],)).fetchone()[0] == len(out["faces"]) == 1
            # the crop is the same for every copy, so they share one face item (as in extract)
            assert face_of[(row["id"], 0)] == out["faces"][0]["face_id"]
        # nothing half-stored: every web image has its extraction, every face row its item
        assert c.db.execute("SELECT COUNT(*) FROM items i WHERE kind='image' AND id NOT IN"
                            " (SELECT image_id FROM extractions)").fetchone()[0] == 0
        assert c.db.execute("SELECT COUNT(*) FROM faces WHERE face_id NOT IN"
                            " (SELECT id FROM items)").fetchone()[0] == 0
    finally:
        c.close()
    # a client that never saw its answer sends again: still stored once
    for body in feedback[-10:]:
        r = requests.post(again.url("/v1/feedback"), json=body, timeout=30)
        assert r.status_code == 200 and r.json()["stored"] is False
