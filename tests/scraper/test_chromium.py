"""Chromium dies with the scraper, and the next start removes what a dead one left (issue 9
item 7: each kill -9 during the browser phase left ~12 chromium/chromedriver processes, one
/tmp/ferkit-chromium-* profile and two /tmp/org.chromium.Chromium.* folders)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scraper import chromium
from scraper.browser import Browser

from .test_cmd_query import scraper


def folders_of(pid: int) -> list[Path]:
    return sorted(Path(tempfile.gettempdir()).glob(f"ferkit-chromium-{pid}-*"))


def group_and_children(pid: int) -> set[int]:
    """Every process below `pid`, plus every member of their process groups."""
    stats = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_bytes().rsplit(b")", 1)[1].split()
            stats[int(entry.parent.name)] = (int(fields[1]), int(fields[2]))  # ppid, pgid
        except (OSError, IndexError):
            continue
    below, grew = {pid}, True
    while grew:
        more = {p for p, (ppid, _) in stats.items() if ppid in below} - below
        below |= more
        grew = bool(more)
    groups = {stats[p][1] for p in below if p in stats} - {os.getpgid(0)}
    return (below | {p for p, (_, pg) in stats.items() if pg in groups}) - {pid}


def gone(pids, within: float = 15.0) -> set[int]:
    """The pids still alive after waiting up to `within` seconds (zombies count as gone)."""
    end = time.monotonic() + within
    left = set(pids)
    while left and time.monotonic() < end:
        left = {p for p in left if chromium.start_ticks(p) is not None}
        time.sleep(0.1)
    return left


def test_kill_9_in_the_browser_phase_leaves_no_chromium_and_next_start_cleans(sandbox, tmp_path):
    q = "kill during browsing face"
    batches = sandbox.hits.get("/sandbox/batch", 0)     # the sandbox serves the whole session
    proc = scraper("query", q, "--out", str(tmp_path / "c"), "--base-url", sandbox.url,
                   "--max-results", "0", "--no-progress")
    end, family = time.monotonic() + 90, set()
    try:
        # Browsing has begun once Chromium asked the sandbox for the results page.
        while time.monotonic() < end and proc.poll() is None:
            homes = folders_of(proc.pid)
            if homes and sandbox.hits.get("/sandbox/batch", 0) > batches and \
                    chromium.processes_naming(homes[0] / "profile"):
                family = group_and_children(proc.pid)
                break
            time.sleep(0.05)
        assert proc.poll() is None and family, "the browser phase was never seen:\n" + \
            (proc.communicate()[0] if proc.poll() is not None else "")
        # Even while a batch request of the sandbox is under way (kill -9 of the scraper only).
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    names = {Path(f"/proc/{p}/comm").read_text().strip() for p in family
             if Path(f"/proc/{p}/comm").exists()}
    assert {"chromedriver", "chromium"} <= names, names
    assert not gone(family), "left behind: chromium/chromedriver of the killed scraper"
    (home,) = folders_of(proc.pid)
    assert chromium.processes_naming(home) == []
    # Chromium's and chromedriver's own temp folders went into ours, not /tmp.
    assert {p.name.rsplit(".", 1)[0] for p in (home / "tmp").iterdir()} >= \
        {"org.chromium.Chromium", "org.chromium.Chromium.scoped_dir"}

    b = Browser(local=True)
    try:
        b.start()                               # the next start removes the dead one's folder
        assert not home.exists()
        live = b._home
        assert live.exists() and live.name.startswith(f"ferkit-chromium-{os.getpid()}-")
    finally:
        b.close()
    assert not live.exists()


def test_remove_stale_takes_only_what_dead_owners_left():
    # A short root, not tmp_path: a Unix socket's path may hold only 107 bytes, and pytest's
    # numbered tmp_path grows a digit at its 1,000th run (pytest-1000/...) and would not fit.
    root, old = Path(tempfile.mkdtemp(prefix="fk-")), time.time() - 86400
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True)
    dead_pid = int(done.stdout)
    me = os.getpid()
    dead = root / f"ferkit-chromium-{dead_pid}-12345-abc"
    reused = root / f"ferkit-chromium-{me}-1-abc"           # our pid, another start time
    mine = root / f"ferkit-chromium-{me}-{chromium.start_ticks(me)}-abc"
    legacy_old, legacy_new = root / "ferkit-chromium-k2j3h4", root / "ferkit-chromium-q9w8e7"
    live_sock, dead_sock = root / "org.chromium.Chromium.AAAAAA", root / "org.chromium.Chromium.BBBBBB"
    scoped_old = root / "org.chromium.Chromium.scoped_dir.CCCCCC"
    scoped_new = root / "org.chromium.Chromium.scoped_dir.DDDDDD"
    foreign = root / "org.chromium.Chromium.scoped_dir.EEEEEE"
    other = root / "something-else"
    for d in (dead, reused, mine, legacy_old, legacy_new, live_sock, dead_sock, scoped_old,
              scoped_new, foreign, other):
        (d / "profile").mkdir(parents=True)
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(live_sock / "SingletonSocket"))
    listening.listen()
    closed = socket.socket(socket.AF_UNIX)
    closed.bind(str(dead_sock / "SingletonSocket"))          # the file stays, bound by no one
    closed.close()
    # An orphan of the dead owner: a process still naming its profile.
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)",
                               f"--user-data-dir={dead / 'profile'}"])
    # Popen returns once exec has begun, but the kernel sets the new command line a moment
    # later; on a loaded machine remove_stale could look in between (CI failed so once).
    deadline = time.time() + 10
    while orphan.pid not in chromium.processes_naming(dead) and time.time() < deadline:
        time.sleep(0.02)
    for d in (dead, reused, mine, legacy_old, live_sock, dead_sock, scoped_old, foreign, other):
        os.utime(d, (old, old))
    if os.geteuid() == 0:
        os.chown(foreign, 65534, 65534)         # another user's: never touched
    else:
        os.utime(foreign)       # cannot give it away: make it young instead (after the ageing)
    try:
        removed = chromium.remove_stale(root)
        assert sorted(removed) == sorted([dead, reused, legacy_old, dead_sock, scoped_old])
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        for kept in (mine, legacy_new, live_sock, scoped_new, foreign, other):
            assert kept.exists(), kept
    finally:
        listening.close()
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()
        shutil.rmtree(root, ignore_errors=True)


def test_watchdog_ends_the_group_when_its_owner_dies():
    """The owner here is a child process that starts a process group and is then SIGKILLed."""
    child = subprocess.Popen([sys.executable, "-c", """
import subprocess, sys, time
from scraper.chromium import Watchdog
dog = Watchdog()
grp = subprocess.Popen(["sleep", "120"], start_new_session=True)
dog.guard(grp.pid)
print(grp.pid, dog.proc.pid, flush=True)
time.sleep(120)
"""], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        grp, dog = map(int, child.stdout.readline().split())
        assert chromium.start_ticks(grp) is not None
        child.kill()
        child.wait()
        assert not gone({grp, dog}), "the watchdog did not end the group"
    finally:
        child.stdout.close()
        if child.poll() is None:
            child.kill()
