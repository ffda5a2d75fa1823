"""`python -m scraper query` as a real subprocess: kill -9 mid-download, rerun, exactly once;
the search site stopped mid-download, rerun, what failed on the way is retried."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from corpus import Corpus
from scraper.download import is_transient

ROOT = Path(__file__).resolve().parents[2]
Q = "fearful human face"


def scraper(*args, **kw):
    """The command as a subprocess in its own session; stderr joins stdout unless kw says."""
    kw.setdefault("stderr", subprocess.STDOUT)
    return subprocess.Popen([sys.executable, "-m", "scraper", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True, start_new_session=True, **kw)


def _parent(proc_dir: Path) -> int | None:
    try:
        return int((proc_dir / "stat").read_bytes().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def recorded(out: Path, query: str) -> int:
    try:
        db = sqlite3.connect(f"file:{out / 'catalog.sqlite'}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM provenance WHERE query=?", (query,)).fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0          # not created yet, or the table does not exist yet


def test_kill_9_mid_download_then_rerun_stores_each_image_once(sandbox, tmp_path):
    out = tmp_path / "corpus"
    args = ["query", Q, "--label", "fear", "--out", str(out), "--base-url", sandbox.url,
            "--max-results", "0", "--workers", "2", "--per-host", "2", "--delay", "0.15",
            "--no-progress"]
    proc = scraper(*args)
    deadline = time.monotonic() + 90
    while recorded(out, Q) < 6 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the scrape finished before it could be killed:\n" + proc.stdout.read()
    # The browser was closed when the result list was in, before the first download.
    home = next(Path(tempfile.gettempdir()).glob(f"ferkit-chromium-{proc.pid}-*"), None)
    assert home is None and not [p for p in Path("/proc").glob("[0-9]*/comm")
                                 if _parent(p.parent) == proc.pid]
    os.kill(proc.pid, signal.SIGKILL)           # kill -9 of the scraper alone
    proc.wait()
    proc.stdout.close()
    done_before = recorded(out, Q)
    assert 6 <= done_before < 45

    with Corpus(out, create=False) as c:      # the sandbox's "500" results: retried on a rerun
        retried = sum(is_transient(r[0]) for r in c.db.execute(
            "SELECT reason FROM items WHERE status='failed'"))
    rerun = scraper(*args)
    text, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 6, text                  # those 500s are still failing
    assert f"skipped {done_before - retried}" in text   # nothing else recorded is fetched again
    assert "STILL FAILING: 2 download(s) with a transient error (http 500: 2)" in text

    with Corpus(out, create=False) as c:
        urls = [r[0] for r in c.db.execute("SELECT image_url FROM provenance WHERE query=?"
                                           " AND NOT (image_url LIKE '%/img/e500/%'"
                                           " AND item_id IN (SELECT id FROM items"
                                           " WHERE status='failed'))", (Q,))]
        e500 = [u for u in sandbox.expected(Q) if "/img/e500/" in u]
        assert sorted(urls) == sorted(set(sandbox.expected(Q)) - set(e500)), text  # each once
        ok = list(c.items(status="ok"))
        assert ok and all(c.path_of(i).is_file() for i in ok)
        assert all(i["label"] == "fear" and i["label_source"] == "query" for i in ok)
        stored = {str(p.relative_to(out)) for p in (out / "objects").rglob("*") if p.is_file()}
        assert stored == {i["path"] for i in ok}                 # no orphan or partial files
        assert not list((out / "tmp").iterdir())
        status = c.db.execute("SELECT status FROM scrape_queries WHERE query=?", (Q,)).fetchone()
        assert status[0] == "done"


def test_blocked_query_exits_non_zero_naming_the_block(sandbox, tmp_path):
    proc = scraper("query", "blocked captcha", "--label", "happy", "--out", str(tmp_path / "c"),
                   "--base-url", sandbox.url, "--no-progress")
    text, _ = proc.communicate(timeout=90)
    assert proc.returncode == 3
    assert "BLOCKED" in text and "unusual traffic / captcha" in text
    assert "downloaded 0" in text     # the summary is printed, but the exit code says blocked


def start_site(pool: Path, port: int = 0, *extra: str) -> tuple[subprocess.Popen, str]:
    """The sandbox as its own process, as a user runs it; (process, base URL)."""
    proc = subprocess.Popen([sys.executable, "-m", "scraper", "sandbox", "--port", str(port),
                             "--pool", str(pool), "--results", "20", "--slow", "0.2", *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert found, line + proc.stdout.read()
    return proc, found.group(0)


def attempts(out: Path) -> dict[str, list[str]]:
    """image URL -> the outcome of each recorded attempt, oldest first ('ok' or the reason)."""
    with Corpus(out, create=False) as c:
        rows = c.db.execute("SELECT p.image_url, i.status, i.reason FROM provenance p"
                            " JOIN items i ON i.id = p.item_id ORDER BY p.id").fetchall()
    found: dict[str, list[str]] = {}
    for url, status, reason in rows:
        found.setdefault(url, []).append("ok" if status != "failed" else reason.split(":")[0])
    return found


def test_site_stopped_mid_download_then_rerun_retries_what_failed(shared_data, tmp_path):
    """Issue 9 item 2: after the site went down, every rerun said "skipped 20, failed 0"."""
    q, out = "worried human face", tmp_path / "corpus"
    site, url = start_site(shared_data / "photos")
    args = ["query", q, "--label", "fear", "--out", str(out), "--base-url", url,
            "--max-results", "0", "--workers", "8", "--per-host", "8", "--delay", "0.3",
            "--no-progress"]
    try:
        kinds = {d["url"]: d["kind"] for d in
                 requests.get(f"{url}/sandbox/expected", params={"q": q, "detail": 1},
                              timeout=10).json()}
        first = scraper(*args)
        deadline = time.monotonic() + 90
        while recorded(out, q) < 5 and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(site.pid, signal.SIGKILL)        # the site goes down mid-download
        site.wait()
        text, _ = first.communicate(timeout=120)
    finally:
        if site.poll() is None:
            os.killpg(site.pid, signal.SIGKILL)
        site.stdout.close()
    assert first.returncode == 6, text
    assert "STILL FAILING" in text and "connection refused" in text
    before = attempts(out)
    assert sorted(before) == sorted(kinds)
    down = [u for u, a in before.items() if is_transient(a[-1])]
    assert len(down) >= 5                          # refused while the site was away
    done = len(kinds) - len(down)                  # stored, or failed for good (404, HTML)

    # The site is back, healthy now ("500" results answer with their image).
    site, _ = start_site(shared_data / "photos", int(url.rsplit(":", 1)[1]), "--e500-fails", "0")
    try:
        rerun = scraper(*args)
        text, _ = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, text
        assert f"skipped {done}," in text and "STILL FAILING" not in text
        after = attempts(out)
        permanent = {"e404": "http 404", "html": "not an image"}
        for u, kind in kinds.items():
            assert after[u][-1] == permanent.get(kind, "ok"), (u, kind, after[u])
            # Each attempt on record: the failed one, then the rerun's; the rest fetched once.
            assert after[u] == (before[u] + [after[u][-1]] if u in down else before[u])
        assert "download(s) failed permanently (http 404: 1, not an image: 1); " \
               "--retry-failed tries them again" in text

        again = scraper(*args, "--retry-failed")
        text, _ = again.communicate(timeout=120)
        assert again.returncode == 0 and "skipped 18," in text, text
        tried = attempts(out)
        assert all(len(tried[u]) == len(after[u]) + (kinds[u] in permanent) for u in kinds)
    finally:
        os.killpg(site.pid, signal.SIGKILL)
        site.wait()
        site.stdout.close()
