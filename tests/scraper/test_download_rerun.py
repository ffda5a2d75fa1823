"""Reruns of the downloader: what a finished run recorded is skipped, transient failures are
tried again (every attempt kept), --retry-failed reopens the rest, and a kill -9 mid-run loses
and duplicates nothing."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from corpus import Corpus
from scraper.download import Downloader, Job
from tests.scraper.downloads import fast, job
from tests.scraper.httpserver import LocalServer, late, ok, status

ROOT = Path(__file__).resolve().parents[2]


def test_rerun_skips_recorded_jobs_including_failures(server, photos, corpus):
    jobs = [job(server.add("/rerun/ok", ok(photos["jpg"]))), job(server.url("/rerun/missing"))]
    first = fast(corpus).run(jobs)
    second = fast(corpus).run(jobs)
    assert (first.downloaded, sum(first.failed.values())) == (1, 1)
    assert (second.skipped, second.downloaded, second.failed) == (2, 0, {})
    assert corpus.count(status=None) == 2 and server.hits["/rerun/ok"] == 1
    # The same URL under another query is a new job: a new provenance row, no new item.
    third = fast(corpus).run([job(jobs[0].url, query="joyful face")])
    assert third.duplicates == 1 and corpus.count(status=None) == 2


def test_retry_failed_tries_earlier_failures_again(server, photos, corpus):
    url = server.add("/flaky", status(404), ok(photos["jpg"]))
    assert fast(corpus).run([job(url)]).failed == {"http 404": 1}
    assert fast(corpus).run([job(url)]).skipped == 1                # default: done is done
    again = fast(corpus, retry_failed=True).run([job(url)])
    assert (again.downloaded, again.skipped) == (1, 0) and server.hits["/flaky"] == 2
    assert fast(corpus, retry_failed=True).run([job(url)]).skipped == 1
    assert [r["status"] for r in corpus.items(status=None)] == ["failed", "ok"]




def attempts(corpus, url):
    """(status, reason head) of every recorded attempt at url, oldest first."""
    return [(r["status"], (r["reason"] or "").split(":")[0]) for r in corpus.db.execute(
        "SELECT i.status, i.reason FROM provenance p JOIN items i ON i.id = p.item_id"
        " WHERE p.image_url=? ORDER BY p.id", (url,))]


def test_rerun_retries_transient_failures_and_keeps_every_attempt(server, photos, corpus):
    """Issue 9 item 2: a rerun used to skip every earlier failure ("skipped N, failed 0")."""
    later = LocalServer()                         # down in the first run, up in the second
    down = later.url("/back.jpg")
    later.stop()
    jpg, tries = ok(photos["jpg"]), 3             # retries=2: three requests per run
    transient = {
        down: "connection refused",
        server.add("/t/503", *[status(503)] * tries, jpg): "http 503",
        server.add("/t/429", *[status(429, headers={"Retry-After": "0"})] * tries, jpg): "http 429",
        server.add("/t/late", *[late(photos["jpg"], 1.0)] * tries, jpg): "read timeout",
    }
    permanent = {
        server.add("/p/404", status(404), jpg): "http 404",
        server.add("/p/html", ok(b"<html><body>login</body></html>"), jpg): "not an image",
        server.add("/p/small", ok(photos["jpg"])): "too small",
    }
    jobs = [job(u) for u in [*transient, *permanent]]
    dl = dict(timeout=(2, 0.3))
    first = fast(corpus, **dl).run([j for j in jobs if "small" not in j.url])
    first = first.merge(fast(corpus, **dl, min_size=(400, 100)).run(
        [j for j in jobs if "small" in j.url]))
    assert first.failed == {r: 1 for r in [*transient.values(), *permanent.values()]}
    assert sum(first.transient.values()) == 4

    later = LocalServer(later.port)               # the host is back
    later.add("/back.jpg", ok(photos["jpg2"]))
    later.start()
    try:
        second = fast(corpus, **dl).run(jobs)
    finally:
        later.stop()
    assert (second.downloaded + second.duplicates, second.skipped) == (4, 3)
    assert second.failed == {} and second.failed_before == {r: 1 for r in permanent.values()}
    assert "not retried: 3 failed before" in str(second)
    for url in transient:                         # the failed attempt stays on record
        assert attempts(corpus, url) == [("failed", transient[url]), ("ok", "")], url
    for url, reason in permanent.items():         # fetched once: 404, HTML, too small stay
        assert attempts(corpus, url) == [("failed", reason)], url

    third = fast(corpus, **dl, retry_failed=True).run(jobs)
    assert third.skipped == 4 and third.failed == {}    # now the 404 and the HTML page answer
    assert (third.downloaded + third.duplicates) == 3   # min_size lifted: the small one too
    assert attempts(corpus, next(iter(permanent))) == [("failed", "http 404"), ("ok", "")]


CHILD = """
import json, sys
from corpus import Corpus
from scraper.download import Downloader, Job
jobs = [Job(**j) for j in json.load(open(sys.argv[2]))]
print(Downloader(Corpus(sys.argv[1]), workers=4, per_host=4, progress=False).run(jobs), flush=True)
"""


def test_kill_9_then_rerun_loses_and_duplicates_nothing(shared_data, tmp_path):
    srv = LocalServer().start()
    try:
        files = sorted((shared_data / "muxspace" / "images").glob("*.jpg"))[:40]
        jobs = [Job(srv.add(f"/k/{i}.jpg", ok(f.read_bytes(), pause=0.1)), "neutral",
                    {"engine": "bing", "query": "calm face", "page_url": "p"})
                for i, f in enumerate(files)]
        # Five more URLs serving bytes already in the list: duplicates, not new items.
        jobs += [Job(srv.add(f"/k/dup{i}.jpg", ok(files[i].read_bytes(), pause=0.1)), "neutral",
                     {"engine": "bing", "query": "calm face", "page_url": "p"}) for i in range(5)]
        spec = tmp_path / "jobs.json"
        spec.write_text(json.dumps([j.__dict__ for j in jobs]))
        root = tmp_path / "c"
        Corpus(root).close()
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(spec)], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        db = sqlite3.connect(root / "catalog.sqlite", timeout=30)
        deadline = time.monotonic() + 60
        while db.execute("SELECT count(*) FROM provenance").fetchone()[0] < 8:
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "child made no progress"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        done_before = db.execute("SELECT count(*) FROM provenance").fetchone()[0]
        db.close()
        assert 8 <= done_before < len(jobs), "the kill must land mid-run for this test to mean anything"

        with Corpus(root) as c:
            s = Downloader(c, workers=4, progress=False).run(jobs)
            assert s.skipped == done_before
            assert s.skipped + s.downloaded + s.duplicates == len(jobs) and not s.failed
            prov = c.db.execute("SELECT image_url FROM provenance").fetchall()
            assert sorted(r[0] for r in prov) == sorted(j.url for j in jobs)   # each once
            items = list(c.items(status=None))
            assert len(items) == len({f.read_bytes() for f in files}) == 40
            stored = sorted(p.relative_to(root).as_posix() for p in (root / "objects").rglob("*.*"))
            assert stored == sorted(r["path"] for r in items)
            assert list((root / "tmp").iterdir()) == []
            for r in items:
                assert c.read_bytes(r) and r["label"] == "neutral"
    finally:
        srv.stop()
