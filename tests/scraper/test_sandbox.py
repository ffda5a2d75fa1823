"""The sandbox site over real HTTP: pool by content, deterministic plans, every misbehaviour."""
import hashlib
import json

import pytest
import requests

from corpus import ImageError, verify
from scraper.engines import BlockedPage, get_engine
from scraper.sandbox import HOW_TO, Pool, PoolError, default_pool_dirs, start_sandbox
from scraper.sandbox import main as sandbox_main
from scraper.sandbox.plan import plan

Q = "happy human face"


def get(srv, path, **kw):
    return requests.get(srv.url + path, timeout=10, **kw)


def test_pool_is_found_by_content(shared_data, sandbox_pool):
    names = {p.name for p in sandbox_pool.paths}
    assert "obama.jpg" in names and "no_time_for_that_tiny.gif" in names
    assert "short_hamilton_clip.mp4" not in names and "PROVENANCE.md" not in names
    yale = shared_data / "yalefaces" / "images"
    if yale.is_dir():
        pool = Pool([yale])                     # extension-less GIFs join by their magic bytes
        assert len(pool) > 100 and all(p.suffix != ".gif" for p in pool.paths[:5])


def test_default_pool_dirs_and_empty_pool(shared_data, tmp_path):
    assert shared_data / "photos" in default_pool_dirs(shared_data)
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(PoolError, match="--pool"):
        Pool([tmp_path])
    assert default_pool_dirs(tmp_path / "absent") == []


def test_cli_without_pool_says_how_to_point_at_photos(tmp_path, capsys):
    class Args:
        pool = None
        shared_data = str(tmp_path / "absent")
        port, results, slow, verbose = 0, 10, 0.1, False
    assert sandbox_main(Args()) == 2
    assert HOW_TO in capsys.readouterr().err


def test_plan_is_deterministic_and_has_every_behaviour():
    a, b = plan(Q, 60, 23), plan(Q, 60, 23)
    assert a == b and a != plan("sad human face", 60, 23)
    kinds = {e.kind for e in a}
    assert kinds == {"ok", "slow", "e404", "e500", "html", "redir", "dup", "r429"}
    assert len({e.path for e in a}) == 60               # 60 distinct URLs
    for q in (f"query {i}" for i in range(300)):        # two copies never share a URL
        assert len({e.path for e in plan(q, 45, 23)}) == 45
    dups = [e for e in a if e.kind == "dup"]
    originals = {(e.pool_idx, e.variant) for e in a if e.kind in ("ok", "slow")}
    assert all((d.pool_idx, d.variant) in originals for d in dups)


def test_expected_endpoint_matches_the_plan(sandbox):
    urls = get(sandbox, "/sandbox/expected", params={"q": Q}).json()
    assert urls == sandbox.expected(Q) and len(urls) == 45
    detail = get(sandbox, "/sandbox/expected", params={"q": Q, "detail": 1}).json()
    assert [d["url"] for d in detail] == urls


def test_each_behaviour_over_http(sandbox):
    entries = sandbox.plan(Q)
    by_kind = {}
    for e in entries:
        by_kind.setdefault(e.kind, e)
    ok = get(sandbox, by_kind["ok"].path)
    assert ok.status_code == 200 and verify(ok.content).format == "JPEG"
    assert get(sandbox, by_kind["e404"].path).status_code == 404
    assert get(sandbox, by_kind["e500"].path).status_code == 500
    html = get(sandbox, by_kind["html"].path)
    assert html.status_code == 200 and html.headers["Content-Type"] == "image/jpeg"
    with pytest.raises(ImageError, match="HTML"):
        verify(html.content)
    redir = get(sandbox, by_kind["redir"].path, allow_redirects=False)
    assert redir.status_code == 302 and redir.headers["Location"].startswith("/img/ok/")
    first = get(sandbox, by_kind["r429"].path)
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert get(sandbox, by_kind["r429"].path).status_code == 200
    dup = by_kind["dup"]
    twin = next(e for e in entries if e.kind in ("ok", "slow") and
                (e.pool_idx, e.variant) == (dup.pool_idx, dup.variant))
    assert get(sandbox, dup.path).content == get(sandbox, twin.path).content
    # Same URL, same bytes: a rerun sees exactly what the first run saw.
    assert hashlib.sha256(ok.content).digest() == hashlib.sha256(
        get(sandbox, by_kind["ok"].path).content).digest()


def test_results_page_parses_with_the_google_engine(sandbox):
    google = get_engine("google", sandbox.url)
    page = get(sandbox, google.search_url(Q)[len(sandbox.url):])
    results = google.parse(page.text, page.url)
    assert [r.image_url for r in results] == sandbox.expected(Q)[:10]
    assert all(r.thumbnail_url and r.source_page and r.title for r in results)
    assert all(r.width is None or r.width > 0 for r in results)
    assert sum(r.width is not None for r in results) >= 5
    assert 'data-src="' in page.text                  # thumbnails are lazy
    batch = get(sandbox, "/sandbox/batch", params={"q": Q, "b": 4}).json()
    assert [c["img"] for c in batch] == sandbox.expected(Q)[40:45]
    thumb = get(sandbox, results[0].thumbnail_url[len(sandbox.url):])
    assert max(verify(thumb.content).width, verify(thumb.content).height) <= 160


@pytest.mark.parametrize("query, name", [("blocked captcha", "unusual traffic / captcha"),
                                         ("blocked consent", "consent page"),
                                         ("blocked enablejs", "enable JavaScript")])
def test_block_queries_give_named_block_pages(sandbox, query, name):
    google = get_engine("google", sandbox.url)
    page = get(sandbox, "/search", params={"q": query, "tbm": "isch"})
    with pytest.raises(BlockedPage, match=name.replace("/", ".")):
        google.parse(page.text)


def test_bing_style_page(sandbox):
    page = get(sandbox, "/images/search", params={"q": Q})
    assert page.text.count('class="iusc"') == 45
    m = json.loads(page.text.split('m="', 1)[1].split('"', 1)[0].replace("&quot;", '"'))
    assert m["murl"] == sandbox.expected(Q)[0]
    try:
        bing = get_engine("bing", sandbox.url)
    except ImportError:
        pytest.skip("the bing engine is not in this checkout yet")
    assert [r.image_url for r in bing.parse(page.text)] == sandbox.expected(Q)


def test_listens_on_loopback_only(sandbox_pool):
    srv = start_sandbox(sandbox_pool, results=5)
    try:
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.stop()


def test_cli_serves_until_stopped(shared_data):
    import re
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "scraper", "sandbox", "--port", "0",
                             "--pool", str(shared_data / "photos"), "--results", "12"],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        assert "serving 23 pool images" in line
        urls = requests.get(url + "/sandbox/expected", params={"q": Q}, timeout=10).json()
        assert len(urls) == 12 and urls[0].startswith(url + "/img/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_500_results_can_recover_after_n_requests(sandbox_pool):
    srv = start_sandbox(sandbox_pool, results=20, e500_fails=2)
    try:
        path = next(e.path for e in srv.plan(Q) if e.kind == "e500")
        assert [get(srv, path).status_code for _ in range(3)] == [500, 500, 200]
    finally:
        srv.stop()
