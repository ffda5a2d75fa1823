"""`python -m scraper query` as a real subprocess: kill -9 mid-download, rerun, exactly once."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from corpus import Corpus

ROOT = Path(__file__).resolve().parents[2]
Q = "fearful human face"


def scraper(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "scraper", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, **kw)


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
    os.killpg(proc.pid, signal.SIGKILL)         # the scraper, its chromedriver and Chromium
    proc.wait()
    proc.stdout.close()
    done_before = recorded(out, Q)
    assert 6 <= done_before < 45

    rerun = scraper(*args)
    text, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, text
    assert f"skipped {done_before}" in text             # nothing recorded is fetched again

    with Corpus(out, create=False) as c:
        urls = [r[0] for r in c.db.execute("SELECT image_url FROM provenance WHERE query=?", (Q,))]
        assert sorted(urls) == sorted(sandbox.expected(Q)), text     # every result exactly once
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
