"""Start `python -m curate extract` as a real subprocess and stop it once it has committed work."""
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_until_committed(root: Path, args: list, at_least: int, **popen_kw):
    """The running process and how many images its catalog had marked done (>= at_least,
    unless it ended or 120 s passed first); the caller kills it."""
    cmd = [sys.executable, "-m", "curate", "extract", str(root), *map(str, args)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, **popen_kw)
    db = sqlite3.connect(f"file:{root / 'catalog.sqlite'}?mode=ro", uri=True, timeout=30)
    done, deadline = 0, time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = db.execute("SELECT COUNT(*) FROM extractions").fetchone()[0]
            except sqlite3.OperationalError:      # table not created yet
                pass
            if done >= at_least:
                break
            time.sleep(0.02)
    finally:
        db.close()
    return proc, done
