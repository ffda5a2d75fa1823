"""GET /v1/images/{id} and /file: the record and the stored bytes, nothing else of the corpus."""
import requests

from .conftest import post_image


def test_record_and_bytes(server, photos):
    data = (photos / "face_recognition" / "obama_and_biden.jpg").read_bytes()
    up = post_image(server, data).json()
    rec = requests.get(server.url(f"/v1/images/{up['image_id']}"), timeout=30)
    assert rec.status_code == 200
    rec = rec.json()
    assert rec["image_id"] == up["image_id"] and rec["format"] == "JPEG"
    assert [f["face_id"] for f in rec["faces"]] == [f["face_id"] for f in up["faces"]]
    assert rec["extraction"]["outcome"] == "faces" and rec["uploads"] == 1
    assert all(f["label"] is None and not f["reviewed"] for f in rec["faces"])
    got = requests.get(server.url(rec["file"]), timeout=30)
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"


def test_unknown_and_malformed_ids(server):
    for path, status in (("/v1/images/987654", 404), ("/v1/images/987654/file", 404),
                         ("/v1/images/0", 422), ("/v1/images/..%2f..%2fcatalog.sqlite", 404),
                         ("/v1/images/1%20OR%201=1", 422)):
        r = requests.get(server.url(path), timeout=30)
        assert r.status_code == status, (path, r.text)
        assert set(r.json()) == {"error", "detail"}


def test_static_files_stay_in_their_folder(server):
    assert requests.get(server.url("/static/app.js"), timeout=30).status_code == 200
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py"):
        r = requests.get(server.url(path), timeout=30)
        assert r.status_code == 404 and "create_app" not in r.text, path
