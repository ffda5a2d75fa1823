"""Chromium's footprint: one folder per browser, a watchdog that ends it with the scraper, and
the removal of what a dead scraper left behind.

Each Browser gets one folder, `/tmp/ferkit-chromium-<pid>-<start>-XXXXXX`, named after the
scraper process that owns it (its pid and start time, so a reused pid is not taken for the
owner). `profile/` inside is Chromium's --user-data-dir and `tmp/` is the TMPDIR of
chromedriver and Chromium, so the `org.chromium.Chromium.*` folders they create land in it,
not in /tmp.

chromedriver runs in a session (process group) of its own, which Chromium and all its helper
processes inherit. A watchdog process, in its own session too so a kill of the scraper's group
does not take it along, reads a pipe whose only writer is the scraper: when the scraper dies,
kill -9 included, the pipe reaches end-of-file and the watchdog SIGKILLs that group. A normal
close tells it to stand down first, so it never signals a group id that may have been reused.
(A parent-death signal set in a preexec_fn would reach chromedriver only, not Chromium, and
preexec_fn is unsafe once the downloader's threads exist.)

At each start remove_stale() removes what dead owners left: ferkit folders whose owner process
is gone (after killing any process still using them), older ferkit folders without an owner in
the name that no process uses, and Chromium's own `org.chromium.Chromium.*` folders in /tmp
(from earlier versions, or other programs) only when no live process can own them. Other
users' folders and young ones are never touched: Chromium is run concurrently here.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREFIX = "ferkit-chromium-"
OWNED = re.compile(r"^ferkit-chromium-(\d+)-(\d+)-")
CHROMIUM_TMP = "org.chromium.Chromium."
MIN_AGE_S = 60          # a younger folder may belong to a Chromium that is still starting

WATCHDOG = """
import os, signal, sys
pgid = int(sys.stdin.readline())
if pgid > 1 and not sys.stdin.readline():   # end of file: the scraper died without closing
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
"""


# ---------------------------------------------------------------------- processes
def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].decode().split()
    except (OSError, IndexError):
        return None


def start_ticks(pid: int) -> int | None:
    """When the process started, in clock ticks since boot; None if it is gone (or a zombie)."""
    fields = _stat(pid)
    if not fields or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def alive(pid: int, ticks: int) -> bool:
    """Whether process `pid` is still the one that started at `ticks`."""
    return start_ticks(pid) == ticks


def _pids():
    return (int(e) for e in os.listdir("/proc") if e.isdigit())


def processes_naming(path: str | Path) -> list[int]:
    """Live processes whose command line mentions `path` (Chromium names its profile)."""
    needle, found = str(path).encode(), []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if needle in fh.read() and start_ticks(pid) is not None:
                    found.append(pid)
        except OSError:
            continue
    return found


def _chromium_starts() -> list[float]:
    """Start times (epoch seconds) of every live chromium / chromedriver process."""
    with open("/proc/stat") as fh:
        boot = next(float(line.split()[1]) for line in fh if line.startswith("btime"))
    hz, out = os.sysconf("SC_CLK_TCK"), []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/comm") as fh:
                if not fh.read().startswith("chrom"):
                    continue
        except OSError:
            continue
        ticks = start_ticks(pid)
        if ticks is not None:
            out.append(boot + ticks / hz)
    return out


def _bound_sockets() -> set[str]:
    """Paths of the Unix sockets some live process has bound (Chromium's SingletonSocket)."""
    try:
        with open("/proc/net/unix") as fh:
            return {parts[7] for parts in (line.split() for line in fh) if len(parts) >= 8}
    except OSError:
        return set()


def kill_group(pgid: int | None) -> None:
    if pgid:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# ---------------------------------------------------------------------- our folder
def make_home() -> Path:
    """A new folder owned by this process, with profile/ and tmp/ inside."""
    me = os.getpid()
    home = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{me}-{start_ticks(me)}-"))
    (home / "profile").mkdir()
    (home / "tmp").mkdir()
    return home


class Watchdog:
    """SIGKILLs a process group when this process dies; stand_down() on a normal close."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", WATCHDOG], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)

    def guard(self, pgid: int) -> None:
        try:
            self.proc.stdin.write(f"{pgid}\n".encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass        # the watchdog itself was killed: the browser still works, unguarded

    def stand_down(self) -> None:
        try:
            self.proc.stdin.write(b"0\nstand down\n")     # harmless if guard() never ran
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------- stale folders
def _stale_ferkit(path: Path, now: float) -> bool:
    owner = OWNED.match(path.name)
    if owner:
        if alive(int(owner.group(1)), int(owner.group(2))):
            return False
        for pid in processes_naming(path):          # orphans of a dead scraper
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        return True
    # An older ferkit's folder names no owner: stale once no live process uses it.
    return now - path.stat().st_mtime > MIN_AGE_S and not processes_naming(path)


def _stale_chromium_tmp(path: Path, now: float, sockets: set[str], starts: list[float]) -> bool:
    made = path.stat().st_mtime
    if now - made <= MIN_AGE_S:
        return False
    socket = path / "SingletonSocket"
    if os.path.lexists(socket):                     # a Chromium's: alive while it listens
        return str(socket) not in sockets
    # chromedriver's scoped_dir (empty, names nobody): its maker started before making it,
    # so no live chromium/chromedriver that old means its maker is gone.
    return not any(t <= made + 1 for t in starts)


def remove_stale(root: str | Path | None = None) -> list[Path]:
    """Remove folders left by dead browsers in `root` (the temp dir); the removed paths."""
    if not os.path.isdir("/proc"):
        return []
    root, now, uid = Path(root or tempfile.gettempdir()), time.time(), os.geteuid()
    sockets = starts = None
    removed = []
    for path in root.iterdir():
        try:
            if not path.is_dir() or path.is_symlink() or path.stat().st_uid != uid:
                continue
            if path.name.startswith(PREFIX):
                stale = _stale_ferkit(path, now)
            elif path.name.startswith(CHROMIUM_TMP):
                if sockets is None:
                    sockets, starts = _bound_sockets(), _chromium_starts()
                stale = _stale_chromium_tmp(path, now, sockets, starts)
            else:
                continue
        except OSError:
            continue                                 # removed meanwhile by someone else
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
