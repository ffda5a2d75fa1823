"""POST /v1/predict over real HTTP against a real server: faces, storage, flags, bad input."""
import base64
import io
import json

import numpy as np
import pytest
import requests
from PIL import Image

from tests.scraper.httpserver import LocalServer, ok, redirect

from .conftest import TOKEN, open_corpus, post_image
from .test_intake import png_bomb


@pytest.fixture(scope="module")
def two_people(server, photos):
    r = post_image(server, photos / "face_recognition" / "two_people.jpg", "two_people.jpg")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def web():
    s = LocalServer().start()
    yield s
    s.stop()


def test_two_faces_with_every_class(two_people, serve_model):
    card = json.loads((serve_model / "model_card.json").read_text())
    faces = two_people["faces"]
    assert [f["index"] for f in faces] == [0, 1]
    # the boxes `curate detect` reports for this photo (docs/extract.md), in upright pixels
    assert sorted(f["box"] for f in faces) == [[246, 62, 397, 214], [780, 75, 961, 256]]
    for f in faces:
        assert list(f["probabilities"]) == card["classes"]
        assert abs(sum(f["probabilities"].values()) - 1) < 1e-3
        assert f["top"] == max(f["probabilities"], key=f["probabilities"].get)
    assert (two_people["width"], two_people["height"], two_people["format"]) == (1126, 661, "JPEG")


def test_the_photo_and_its_faces_are_corpus_items(server, two_people, photos):
    data = (photos / "face_recognition" / "two_people.jpg").read_bytes()
    c = open_corpus(server)
    try:
        img = c.item(two_people["image_id"])
        assert img["kind"] == "image" and c.read_bytes(img) == data      # content-addressed
        prov = c.provenance(img["id"])
        assert prov[0]["engine"] == "web" and prov[0]["orig_name"] == "two_people.jpg"
        assert json.loads(prov[0]["extra"])["client"] == "127.0.0.1" and prov[0]["fetched_at"]
        ext = c.db.execute("SELECT outcome, n_faces, settings FROM extractions WHERE image_id=?",
                           (img["id"],)).fetchone()
        assert (ext["outcome"], ext["n_faces"]) == ("faces", 2)         # as `curate extract` does
        for f in two_people["faces"]:
            face = c.item(f["face_id"])
            assert (face["kind"], face["parent_id"]) == ("face", img["id"])
            assert face["label"] is None or face["label_source"] == "web"   # the page test's
            assert (face["width"], face["height"]) == (100, 100)         # the corpus face size
            row = c.db.execute("SELECT * FROM faces WHERE image_id=? AND idx=?",
                               (img["id"], f["index"])).fetchone()
            assert row["face_id"] == f["face_id"]
            assert [row["left"], row["top"], row["right"], row["bottom"]] == f["box"]
            pred = c.db.execute("SELECT classes, probs FROM predictions WHERE item_id=?",
                                (f["face_id"],)).fetchone()
            stored = dict(zip(json.loads(pred["classes"]), json.loads(pred["probs"])))
            assert all(abs(stored[k] - v) < 1e-3 for k, v in f["probabilities"].items())
    finally:
        c.close()


def test_the_same_bytes_again_are_the_same_image(server, two_people, photos):
    c = open_corpus(server)
    before = c.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    c.close()
    again = post_image(server, photos / "face_recognition" / "two_people.jpg", "copy.jpg").json()
    assert again["image_id"] == two_people["image_id"]
    assert [f["face_id"] for f in again["faces"]] == [f["face_id"] for f in two_people["faces"]]
    assert again["faces"][0]["probabilities"] == two_people["faces"][0]["probabilities"]
    c = open_corpus(server)
    try:
        assert c.db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == before
        names = {p["orig_name"] for p in c.provenance(two_people["image_id"])}
        assert names == {"two_people.jpg", "copy.jpg"}          # who sent it is kept, once each
    finally:
        c.close()


def test_annotate_and_crops(server, photos):
    r = post_image(server, photos / "face_recognition" / "obama.jpg",
                   params={"annotate": "1", "crops": "true"})
    out = r.json()
    assert r.status_code == 200 and len(out["faces"]) == 1
    ann = Image.open(io.BytesIO(base64.b64decode(out["annotated_png"])))
    assert ann.format == "PNG" and max(ann.size) == 1137 and ann.size[0] < ann.size[1]
    left, top, right, _ = out["faces"][0]["box"]
    edge = np.asarray(ann.convert("RGB"))[top, left + 5:right - 5]
    assert (edge == (255, 220, 0)).all(axis=1).mean() > 0.9            # the box is drawn
    crop = Image.open(io.BytesIO(base64.b64decode(out["crops"][0])))
    assert crop.size == (100, 100) and crop.mode == "L"
    plain = post_image(server, photos / "face_recognition" / "obama.jpg").json()
    assert "annotated_png" not in plain and "crops" not in plain


def test_no_face_and_a_still_gif(server, photos):
    coffee = post_image(server, photos / "skimage" / "coffee.png").json()
    assert coffee["faces"] == [] and coffee["note"] == "no face found"
    frame = io.BytesIO()
    with Image.open(photos / "skimage" / "no_time_for_that_tiny.gif") as gif:
        gif.save(frame, "GIF")                       # its first frame alone: a still GIF
    r = post_image(server, frame.getvalue(), "still.gif")
    assert r.status_code == 200 and r.json()["faces"] == [], r.text


def _png(size=(64, 64)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(buf, "PNG")
    return buf.getvalue()


def bad_uploads(photos) -> list:
    real_png = (photos / "face_recognition" / "alex-lacamoire.png").read_bytes()
    return [
        ("zero bytes", b"", "empty.jpg", 400, "empty"),
        ("HTML named .jpg", b"<!doctype html><html><body>hello</body></html>", "cat.jpg", 415,
         "not_an_image"),
        ("SVG", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9" '
                b'height="9"><rect width="9" height="9"/></svg>', "x.svg", 415, "not_an_image"),
        ("40000x40000 PNG", png_bomb(40000, 40000), "bomb.png", 413, "too_many_pixels"),
        ("truncated PNG", real_png[:len(real_png) * 2 // 3], "cut.png", 422, "unreadable"),
        ("truncated JPEG", (photos / "skimage" / "truncated.jpg").read_bytes(), "t.jpg", 422,
         "unreadable"),
        ("12 MB file", b"\xff\xd8\xff\xe0" + bytes(12_000_000), "big.jpg", 413, "too_large"),
        # issue 12 lists it with the bad inputs (until this change: 200, its first frame judged)
        ("animated GIF", (photos / "skimage" / "no_time_for_that_tiny.gif").read_bytes(),
         "a.gif", 415, "animated"),
    ]


def test_bad_uploads_get_a_clear_4xx_and_the_server_keeps_serving(server, photos):
    for what, data, name, status, code in bad_uploads(photos):
        r = post_image(server, data, name)
        assert r.status_code == status, (what, r.status_code, r.text)
        body = r.json()
        assert body["error"] == code and len(body["detail"]) > 10, (what, body)
        assert requests.get(server.url("/v1/health"), timeout=10).json()["status"] == "ok"
    assert post_image(server, _png()).status_code == 200                 # still predicting
    assert server.alive()


def test_bomb_refused_before_decoding(server):
    r = post_image(server, png_bomb(40000, 40000), "bomb.png")
    assert "1,600,000,000 pixels" in r.json()["detail"]


def test_wrong_shapes_of_request(server):
    r = requests.post(server.url("/v1/predict"), data=b"raw", timeout=30,
                      headers={"Content-Type": "application/octet-stream"})
    assert (r.status_code, r.json()["error"]) == (415, "unsupported_media_type")
    r = requests.post(server.url("/v1/predict"), files={"photo": ("a.png", _png())}, timeout=30)
    assert (r.status_code, r.json()["error"]) == (400, "missing_image")
    r = requests.post(server.url("/v1/predict"), json={"url": "http://x"}, timeout=30)
    assert r.status_code == 422 and "image_url" in r.json()["detail"]
    r = requests.post(server.url("/v1/predict"), data=b"{not json",
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_image_urls_into_the_server_network_are_refused(server, web, photos):
    jpeg = (photos / "face_recognition" / "obama_small.jpg").read_bytes()
    web.add("/face.jpg", ok(jpeg))
    web.add("/hop", redirect("http://169.254.169.254/latest/meta-data/"))
    for url in (web.url("/face.jpg"), "http://169.254.169.254/latest/meta-data/",
                web.url("/hop"), f"http://localhost:{web.port}/face.jpg",
                f"http://[::1]:{web.port}/face.jpg", "http://2130706433/face.jpg"):
        r = requests.post(server.url("/v1/predict"), json={"image_url": url}, timeout=60)
        assert (r.status_code, r.json()["error"]) == (400, "url_refused"), (url, r.text)
        assert "address" in r.json()["detail"]
    assert web.hits["/face.jpg"] == 0 and web.hits["/hop"] == 0       # never connected
    for url, code in (("file:///etc/passwd", "bad_url"), ("ftp://example.com/a.jpg", "bad_url"),
                      ("not a url", "bad_url")):
        r = requests.post(server.url("/v1/predict"), json={"image_url": url}, timeout=30)
        assert (r.status_code, r.json()["error"]) == (400, code), (url, r.text)


def test_a_redirect_into_the_network_is_refused_at_the_hop(start_server, web, photos):
    """The first hop is allowed (--allow-url-address names this test's web server, as a user
    names an intranet image host); where it redirects is checked again and refused."""
    jpeg = (photos / "face_recognition" / "obama_small.jpg").read_bytes()
    web.add("/face.jpg", ok(jpeg))
    web.add("/metadata", redirect("http://169.254.169.254/latest/meta-data/"))
    web.add("/lan", redirect("http://10.0.0.1/photo.jpg"))
    web.add("/v6", redirect(f"http://[::1]:{web.port}/face.jpg"))
    s = start_server("--rate-limit", "0", "--allow-url-address", "127.0.0.1/32")
    r = requests.post(s.url("/v1/predict"), json={"image_url": web.url("/face.jpg")}, timeout=60)
    assert r.status_code == 200 and len(r.json()["faces"]) == 1, r.text     # allowed host
    for path, kind in (("/metadata", "link-local"), ("/lan", "private"), ("/v6", "loopback")):
        r = requests.post(s.url("/v1/predict"), json={"image_url": web.url(path)}, timeout=60)
        assert (r.status_code, r.json()["error"]) == (400, "url_refused"), (path, r.text)
        assert kind in r.json()["detail"], r.text
        assert web.hits[path] == 1                  # the hop was fetched, its target refused
    assert web.hits["/face.jpg"] == 1 and s.alive()
    assert requests.get(s.url("/v1/health"), timeout=10).json()["status"] == "ok"


def test_concurrent_requests_share_model_calls_in_the_real_server(start_server, photos):
    from concurrent.futures import ThreadPoolExecutor
    s = start_server("--rate-limit", "0", "--batch-window-ms", "300")
    imgs = []
    for k in range(8):                   # 8 different one-face photos: no answer is reused
        buf = io.BytesIO()
        with Image.open(photos / "face_recognition" / "obama_small.jpg") as im:
            im.convert("RGB").rotate(0.5 * k).save(buf, "JPEG", quality=90)
        imgs.append(buf.getvalue())
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda b: post_image(s, b, "o.jpg"), imgs))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    faces = sum(len(a.json()["faces"]) for a in answers)
    b = requests.get(s.url("/v1/health"), timeout=10).json()["batching"]
    assert b["faces"] == faces >= 8
    assert b["model_calls"] < b["requests"] and b["largest_batch"] >= 2, b


def test_image_url_fetched_through_redirects_when_private_urls_are_allowed(guarded, web,
                                                                             photos):
    jpeg = (photos / "face_recognition" / "obama_small.jpg").read_bytes()
    final = web.add("/face.jpg", ok(jpeg))
    start = web.add("/start", redirect(final))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = requests.post(guarded.url("/v1/predict"), json={"image_url": start}, headers=auth,
                      timeout=60)
    assert r.status_code == 200, r.text
    assert len(r.json()["faces"]) == 1 and web.hits["/face.jpg"] == 1
    c = open_corpus(guarded)
    try:
        prov = [p for p in c.provenance(r.json()["image_id"]) if p["image_url"] == start]
        assert len(prov) == 1 and json.loads(prov[0]["extra"])["final_url"] == final
    finally:
        c.close()
    web.add("/html", ok(b"<html><body>not here</body></html>", "image/jpeg"))
    web.add("/gone", ok(b"", "image/jpeg"))
    web.add("/to-file", redirect("file:///etc/passwd"))
    for path, status, code in (("/html", 415, "not_an_image"), ("/gone", 400, "empty"),
                               ("/missing", 422, "fetch_failed"), ("/to-file", 400, "bad_url")):
        r = requests.post(guarded.url("/v1/predict"), json={"image_url": web.url(path)},
                          headers=auth, timeout=60)
        assert (r.status_code, r.json()["error"]) == (status, code), (path, r.text)
