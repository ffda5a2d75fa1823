"""The downloader against a real HTTP server on 127.0.0.1 serving real images from ../shared/data."""
import gzip
import io
import json

import pytest
from PIL import Image

from corpus import TaxonomyError
from scraper.download import Summary
from tests.scraper.downloads import fast, job, only_item
from tests.scraper.httpserver import (LocalServer, cut, late, ok, redirect, slow, status,
                                      trickle)


def test_stores_image_with_label_and_full_provenance(server, photos, corpus):
    url = server.add("/ok/face.jpg", ok(photos["jpg"]))
    s = fast(corpus, user="ann").run([job(url, "Happiness", title="A face", width=320,
                                          height=240, source_page="http://example.invalid/page")])
    assert (s.downloaded, s.failed, s.found) == (1, {}, 1)
    item = only_item(corpus)
    assert (item["status"], item["format"], item["width"], item["height"]) == ("ok", "JPEG", 320, 240)
    assert (item["label"], item["label_source"], item["label_by"]) == ("happy", "query", "ann")
    assert corpus.read_bytes(item) == photos["jpg"]
    (prov,) = corpus.provenance(item["id"])
    assert (prov["engine"], prov["query"], prov["image_url"], prov["http_status"]) == \
        ("bing", "happy human face", url, 200)
    assert prov["fetched_at"] and prov["page_url"] == "http://127.0.0.1/results"
    extra = json.loads(prov["extra"])
    assert extra["title"] == "A face" and extra["source_page"] == "http://example.invalid/page"


@pytest.mark.parametrize("name,fmt", [("webp_as_jpg", "WEBP"), ("rgba_png", "PNG"),
                                      ("anim_gif", "GIF"), ("gif_noext", "GIF")])
def test_formats_kept_as_original_bytes(server, photos, corpus, name, fmt):
    # Served as image/jpeg under a .jpg name: the format comes from the bytes only.
    url = server.add(f"/fmt/{name}.jpg", ok(photos[name], "image/jpeg"))
    assert fast(corpus).run([job(url)]).downloaded == 1
    item = only_item(corpus)
    assert item["format"] == fmt
    assert corpus.read_bytes(item) == photos[name]
    assert corpus.path_of(item).suffix == {"WEBP": ".webp", "PNG": ".png", "GIF": ".gif"}[fmt]
    if name == "anim_gif":
        assert corpus.item_meta(item)["frames"] == 24


@pytest.mark.parametrize("mode", ["CMYK", "P"])
def test_cmyk_and_palette_images_are_accepted(server, photos, corpus, mode):
    img = Image.open(io.BytesIO(photos["jpg"])).convert(mode)
    buf = io.BytesIO()
    img.save(buf, "JPEG" if mode == "CMYK" else "PNG")
    url = server.add(f"/mode/{mode}", ok(buf.getvalue()))
    assert fast(corpus).run([job(url)]).downloaded == 1
    assert only_item(corpus)["width"] == 320


FAILURES = {
    "404": (lambda p: [status(404, b"nope")], "http 404"),
    "html": (lambda p: [ok(b"<!DOCTYPE html><html><body>Not here</body></html>")], "not an image"),
    "truncated": (lambda p: [ok(p["truncated"])], "corrupt image"),
    "zero": (lambda p: [ok(b"")], "empty body"),
    "loop": (lambda p: [redirect("/fail/loop")], "too many redirects"),
    "to-file": (lambda p: [redirect("file:///etc/passwd")], "unsupported scheme"),
    "always-500": (lambda p: [status(500)], "http 500"),
    "cut": (lambda p: [cut(p["jpg"], 1000)], "truncated transfer"),
}


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_bad_responses_become_failed_items_with_reason(server, photos, corpus, name):
    responders, reason = FAILURES[name]
    url = server.add(f"/fail/{name}", *responders(photos))
    s = fast(corpus).run([job(url, "sad")])
    assert s.failed == {reason: 1} and s.downloaded == 0
    item = only_item(corpus)
    assert item["status"] == "failed" and item["reason"].startswith(reason)
    assert item["path"] is None and item["label"] == "sad"
    (prov,) = corpus.provenance(item["id"])
    assert prov["image_url"] == url and prov["fetched_at"]
    if name in ("404", "always-500"):
        assert prov["http_status"] == int(name[-3:])


@pytest.mark.parametrize("url", ["file:///etc/passwd", "data:image/png;base64,iVBORw0KGgo=",
                                 "ftp://127.0.0.1/a.jpg", "not a url"])
def test_non_http_urls_are_refused_without_a_request(corpus, url):
    s = fast(corpus).run([job(url)])
    assert sum(s.failed.values()) == 1
    item = only_item(corpus)
    assert item["status"] == "failed"
    assert "scheme" in item["reason"] or "invalid url" in item["reason"]


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_is_honoured(server, photos, corpus, code):
    path = f"/retry/{code}"
    url = server.add(path, status(code, headers={"Retry-After": "1"}), ok(photos["jpg"]))
    s = fast(corpus).run([job(url)])
    assert s.downloaded == 1 and server.hits[path] == 2
    t = server.hit_times[path]
    # backoff is 0.01 s here, so a second-long gap can only come from Retry-After.
    assert t[1] - t[0] >= 0.9


def test_429_for_ever_gives_up_with_the_status(server, corpus):
    url = server.add("/retry/always429", status(429, headers={"Retry-After": "0"}))
    s = fast(corpus, retries=2).run([job(url)])
    assert s.failed == {"http 429": 1} and server.hits["/retry/always429"] == 3
    assert corpus.provenance(only_item(corpus)["id"])[0]["http_status"] == 429


def test_500_then_200_is_retried(server, photos, corpus):
    url = server.add("/retry/500", status(500), status(503), ok(photos["jpg"]))
    s = fast(corpus, retries=3).run([job(url)])
    assert s.downloaded == 1 and server.hits["/retry/500"] == 3
    assert corpus.provenance(only_item(corpus)["id"])[0]["http_status"] == 200


def test_slow_body_past_read_timeout(server, photos, corpus):
    url = server.add("/slow", slow(photos["jpg"], pause=2.0))
    s = fast(corpus, timeout=(2, 0.4), retries=0).run([job(url)])
    assert s.failed == {"read timeout": 1}


def test_trickling_body_hits_the_overall_deadline(server, photos, corpus):
    url = server.add("/trickle", trickle(photos["jpg"], every=0.1))
    s = fast(corpus, timeout=(5, 5), deadline=0.5, retries=0).run([job(url)])
    assert s.failed == {"too slow": 1}


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "no-length"])
def test_oversize_body_is_cut_off(server, photos, corpus, length):
    url = server.add(f"/big/{length}", ok(photos["jpg2"], length=length))
    s = fast(corpus, max_bytes=len(photos["jpg2"]) // 2).run([job(url)])
    assert s.failed == {"too large": 1}
    assert fast(corpus, max_bytes=len(photos["jpg2"])).run([job(url, engine="other")]).downloaded == 1


def test_gzip_body_is_capped_after_decoding(server, photos, corpus):
    # A small compressed body that inflates past the cap: the cap is on what we keep.
    body = gzip.compress(photos["jpg2"] + bytes(200_000))
    url = server.add("/gzip", ok(body, headers={"Content-Encoding": "gzip"}))
    assert len(body) < 100_000
    s = fast(corpus, max_bytes=100_000).run([job(url)])
    assert s.failed == {"too large": 1}
    plain = server.add("/gzip-ok", ok(gzip.compress(photos["jpg"]),
                                       headers={"Content-Encoding": "gzip"}))
    assert fast(corpus).run([job(plain)]).downloaded == 1
    (item,) = corpus.items()
    assert corpus.read_bytes(item) == photos["jpg"]


def test_min_size(server, photos, corpus):
    url = server.add("/small", ok(photos["jpg"]))          # 320x240
    s = fast(corpus, min_size=(400, 100)).run([job(url)])
    assert s.failed == {"too small": 1}
    assert "320x240" in only_item(corpus)["reason"]


def test_duplicate_bytes_stored_once_with_every_provenance(server, photos, corpus):
    a = server.add("/dup/a.jpg", ok(photos["jpg"]))
    b = server.add("/dup/b.jpg", ok(photos["jpg"]))
    s = fast(corpus).run([job(a, "happy"), job(b, "happy"), job(a, "happy")])
    assert (s.found, s.downloaded, s.duplicates, s.skipped) == (3, 1, 1, 1)
    item = only_item(corpus)
    assert sorted(p["image_url"] for p in corpus.provenance(item["id"])) == [a, b]
    assert server.hits["/dup/a.jpg"] == 1          # the repeated job was not fetched again


def test_read_timeout_before_the_headers_is_named_after_the_retries(server, photos, corpus):
    # urllib3 reports spent retries as "Max retries exceeded"; the reason is what happened.
    url = server.add("/late", late(photos["jpg"], pause=1.0))
    s = fast(corpus, timeout=(2, 0.3), retries=1).run([job(url)])
    assert s.failed == {"read timeout": 1} and server.hits["/late"] == 2
    assert "Max retries" not in only_item(corpus)["reason"]


def test_nothing_listening_is_connection_refused(corpus):
    gone = LocalServer()
    url = gone.url("/a.jpg")
    gone.stop()                                   # never started: the port now refuses
    s = fast(corpus).run([job(url)])
    assert s.failed == {"connection refused": 1}
    assert only_item(corpus)["reason"].startswith("connection refused: [Errno 111]")


def test_unknown_label_fails_before_any_request(server, photos, corpus):
    url = server.add("/label", ok(photos["jpg"]))
    with pytest.raises(TaxonomyError, match="unknown class"):
        fast(corpus).run([job(url, "bewildered")])
    assert server.hits["/label"] == 0 and corpus.count(status=None) == 0


def test_per_host_cap(photos, corpus):
    srv = LocalServer().start()
    try:
        urls = [srv.add(f"/cap/{i}", ok(photos["jpg"], pause=0.15)) for i in range(12)]
        fast(corpus, workers=8, per_host=2).run([job(u) for u in urls])
        assert srv.max_in_flight == 2
        srv.max_in_flight = 0
        fast(corpus, workers=8, per_host=8).run([job(u, engine="e2") for u in urls])
        assert srv.max_in_flight > 2                 # the cap above was the limiter's doing
    finally:
        srv.stop()


def test_per_host_delay_spaces_request_starts(server, photos, corpus):
    urls = [server.add(f"/delay/{i}", ok(photos["jpg"])) for i in range(4)]
    fast(corpus, workers=4, per_host=4, delay=0.25).run([job(u) for u in urls])
    starts = sorted(server.hit_times[f"/delay/{i}"][0] for i in range(4))
    # Nominally 0.75 s from first to last start; with no delay the four start together.
    # (Only the span is checked: a loaded machine may hold one request back a little.)
    assert starts[-1] - starts[0] >= 0.5, starts


def test_summary_merge_and_text():
    a = Summary(found=3, downloaded=1, duplicates=1)
    a.failed["http 404"] += 1
    b = Summary(found=3, skipped=2)
    b.failed.update({"http 404": 1, "http 503": 1})
    b.failed_before.update({"http 404": 1})
    a.merge(b)
    assert a.to_dict() == {"found": 6, "downloaded": 1, "duplicates": 1, "skipped": 2,
                           "failed": {"http 404": 2, "http 503": 1}, "failed_total": 3,
                           "failed_before": {"http 404": 1}, "still_failing": 4, "transient": 1}
    assert str(a) == ("found 6, downloaded 1, duplicates 1, skipped 2, failed 3 "
                      "(http 404: 2, http 503: 1); not retried: 1 failed before (http 404: 1)")


