"""Downloads on a real Dask cluster (dask scheduler + 2 worker processes): the same catalog as
the local pool, politeness per host kept across the whole cluster, the driver the only writer."""
import subprocess
import sys
from pathlib import Path

import pytest
from dask.distributed import get_task_stream

from corpus import Corpus
from scraper.download import Downloader, Job
from scraper.download import cluster as dl_cluster
from tests.scraper.httpserver import LocalServer, ok, status

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def servers(shared_data):
    """Two hosts: one server reached as 127.0.0.1, one as localhost, real images with a
    pause so requests overlap, plus a 404 and an HTML page."""
    a, b = LocalServer().start(), LocalServer().start()
    files = sorted((shared_data / "muxspace" / "images").glob("*.jpg"))[:24]
    urls = []
    for i, f in enumerate(files):
        srv, host = (a, "127.0.0.1") if i % 2 else (b, "localhost")
        srv.add(f"/img/{i}.jpg", ok(f.read_bytes(), pause=0.1))
        urls.append(f"http://{host}:{srv.port}/img/{i}.jpg")
    a.add("/gone.jpg", status(404))
    b.add("/page.jpg", ok(b"<html><body>not an image</body></html>", "text/html"))
    urls += [a.url("/gone.jpg"), f"http://localhost:{b.port}/page.jpg"]
    yield a, b, urls
    a.stop()
    b.stop()


def jobs_for(urls):
    return [Job(u, "happy", {"engine": "bing", "query": "happy face", "page_url": "p", "rank": i})
            for i, u in enumerate(urls)]


def catalog(c: Corpus) -> set:
    return {(r["sha256"], r["status"], r["reason"], r["label"], r["image_url"], r["http_status"],
             r["rank"] if "rank" in r.keys() else None)
            for r in c.db.execute("SELECT i.*, p.image_url, p.http_status, json_extract(p.extra,"
                                  " '$.rank') AS rank FROM items i JOIN provenance p"
                                  " ON p.item_id = i.id")}


def test_cluster_downloads_equal_the_local_pool_and_keep_each_host_polite(
        servers, tmp_path, dask_processes, monkeypatch):
    a, b, urls = servers
    local = Corpus(tmp_path / "local")
    Downloader(local, workers=4, per_host=2, progress=False).run(jobs_for(urls))
    a.max_in_flight = b.max_in_flight = 0
    # Batches of 2 URLs (one per request slot): many tasks per host, so politeness must hold
    # across tasks and workers, not only inside one task.
    monkeypatch.setattr(dl_cluster, "BATCH_PER_HOST_SLOT", 1)
    c = Corpus(tmp_path / "cluster")
    with get_task_stream(client=dask_processes.client()) as tasks, \
            Downloader(c, per_host=2, progress=False, cluster=dask_processes.address) as d:
        s = d.run(jobs_for(urls))
        again = d.run(jobs_for(urls))          # the same connection serves a second run()
    ran = [t for t in tasks.data if str(t["key"]).startswith("ferkit-download")]
    assert len(ran) >= 13 and len({t["worker"] for t in ran}) == 2     # both workers fetched
    assert (s.downloaded, s.duplicates, dict(s.failed)) == (24, 0, {"http 404": 1, "not an image": 1})
    assert again.skipped == len(urls) and again.downloaded == 0
    assert catalog(c) == catalog(local)
    for srv in (a, b):
        assert srv.max_in_flight == 2, "more than --per-host requests reached one host"
    stored = sorted(p.relative_to(c.root).as_posix() for p in (c.root / "objects").rglob("*.*"))
    assert stored == sorted(r["path"] for r in c.items())
    local.close()
    c.close()


def test_a_worker_killed_mid_download_loses_and_duplicates_nothing(servers, tmp_path,
                                                                  dask_processes, monkeypatch):
    """SIGKILL a worker process while it fetches: Dask runs its task again elsewhere, and
    the catalog still holds every URL once, as the local pool's run does."""
    a, b, urls = servers
    local = Corpus(tmp_path / "local")
    Downloader(local, workers=4, per_host=2, progress=False).run(jobs_for(urls))
    monkeypatch.setattr(dl_cluster, "BATCH_PER_HOST_SLOT", 1)     # many small tasks
    c = Corpus(tmp_path / "cluster")

    def download():
        with Downloader(c, per_host=2, progress=False, cluster=dask_processes.address) as d:
            return d.run(jobs_for(urls))
    # mid-task: the worker holds a download task when it is killed
    s, killed = dask_processes.run_killing_a_worker(download, "ferkit-download")
    assert (s.downloaded, dict(s.failed)) == (24, {"http 404": 1, "not an image": 1})
    assert catalog(c) == catalog(local)
    assert c.db.execute("SELECT COUNT(*) FROM provenance").fetchone()[0] == len(urls)
    stored = sorted(p.relative_to(c.root).as_posix() for p in (c.root / "objects").rglob("*.*"))
    assert stored == sorted(r["path"] for r in c.items() if r["path"])
    dask_processes.wait_for_workers()       # the nanny started a new worker process
    assert killed not in dask_processes.worker_pids().values()
    local.close()
    c.close()


def test_the_delay_between_requests_to_a_host_holds_across_tasks(shared_data, tmp_path,
                                                                 dask_processes, monkeypatch):
    srv = LocalServer().start()
    try:
        image = (shared_data / "photos/face_recognition/obama_small.jpg").read_bytes()
        urls = [srv.add(f"/d/{i}.jpg", ok(image + bytes([i]))) for i in range(4)]
        monkeypatch.setattr(dl_cluster, "BATCH_PER_HOST_SLOT", 1)   # one URL per task
        with Corpus(tmp_path / "c") as c:
            with Downloader(c, per_host=1, delay=0.3, progress=False,
                            cluster=dask_processes.address) as d:
                assert d.run(jobs_for(urls)).downloaded == 4
        starts = sorted(srv.hit_times[f"/d/{i}.jpg"][0] for i in range(4))
        # Each task is submitted only `delay` after the host's previous one ended, so the gap
        # between request starts can only be longer than the delay, never shorter.
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        assert min(gaps) >= 0.3 * 0.9, gaps
    finally:
        srv.stop()


def test_a_bad_cluster_spec_fails_before_any_browsing(tmp_path):
    res = subprocess.run([sys.executable, "-m", "scraper", "query", "happy face", "--label",
                          "happy", "--out", str(tmp_path / "c"), "--base-url",
                          "http://127.0.0.1:9", "--cluster", "local:0", "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "local:N needs N >= 1" in res.stderr, res.stderr
    assert "browsing" not in res.stderr and not (tmp_path / "c").exists()
