"""A real Dask cluster for tests: `dask scheduler` and `dask worker` as subprocesses on 127.0.0.1.

    with DaskProcesses(tmp_path, nworkers=2) as dp:
        dp.address              # tcp://127.0.0.1:PORT (a free port the scheduler picked)
        dp.worker_pids()        # {worker address: pid}
        dp.client()             # a Client for looking at (or killing) workers

Free ports only (--port 0, the address is read from the scheduler file), no dashboards, and
the worker runs from the repository root so it imports this checkout of ferkit. Each process
exits on its own if the test process dies (tests/dask_parent_watch.py), so an interrupted test
run leaves nothing behind.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WATCH = str(Path(__file__).with_name("dask_parent_watch.py"))


class DaskProcesses:
    def __init__(self, tmp: Path, nworkers: int = 2):
        self.tmp, self.nworkers = Path(tmp), nworkers
        self.procs: list[subprocess.Popen] = []
        self.address: str | None = None
        self._client = None

    def _start(self, *args: str, log: str) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=str(ROOT), FERKIT_TEST_PARENT=str(os.getpid()))
        proc = subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=ROOT, env=env,
                                start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=open(self.tmp / log, "wb"))
        self.procs.append(proc)
        return proc

    def __enter__(self) -> "DaskProcesses":
        sched_file = self.tmp / "scheduler.json"
        try:
            self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--dashboard-address", "127.0.0.1:0",
                        "--scheduler-file", str(sched_file), "--preload", WATCH,
                        log="scheduler.log")
            deadline = time.monotonic() + 60
            while not sched_file.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            self.address = json.loads(sched_file.read_text())["address"]
            self._start("worker", self.address, "--host", "127.0.0.1", "--nworkers",
                        str(self.nworkers), "--nthreads", "1", "--no-dashboard",
                        "--dashboard-address", "127.0.0.1:0",
                        "--death-timeout", "30", "--preload", WATCH, "--preload-nanny", WATCH,
                        log="worker.log")
            self.client().wait_for_workers(self.nworkers, timeout=60)
        except BaseException:
            self.close()
            raise
        return self

    def client(self):
        if self._client is None:
            from dask.distributed import Client
            self._client = Client(self.address, timeout="20s", set_as_default=False)
        return self._client

    def worker_pids(self) -> dict[str, int]:
        return self.client().run(os.getpid)

    def wait_for_workers(self, n: int | None = None, timeout: float = 60) -> None:
        self.client().wait_for_workers(n or self.nworkers, timeout=timeout)

    def run_killing_a_worker(self, work, key_prefix: str):
        """work() in a thread while the first worker seen running a `key_prefix` task is
        SIGKILLed; (work's result, the killed pid). work's exception is raised here."""
        out: dict = {}

        def drive():
            try:
                out["result"] = work()
            except BaseException as exc:        # re-raised in the caller's thread below
                out["error"] = exc
        runner = threading.Thread(target=drive)
        runner.start()
        killed = self.kill_busy_worker(key_prefix, runner.is_alive)
        runner.join(300)
        if "error" in out:
            raise out["error"]
        assert killed is not None, f"no {key_prefix} task was seen running: no kill happened"
        return out["result"], killed

    def kill_busy_worker(self, key_prefix: str, still_running, timeout: float = 120):
        """SIGKILL the first worker process seen holding a task whose key starts with
        key_prefix (mid-task, no clean-up), while still_running() is true; its pid, or None
        when no such task showed up in time."""
        client, deadline = self.client(), time.monotonic() + timeout
        while still_running() and time.monotonic() < deadline:
            busy = [w for w, keys in client.processing().items()
                    if any(str(k).startswith(key_prefix) for k in keys)]
            if busy:
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                return pid
            time.sleep(0.01)
        return None

    def logs(self) -> str:
        return "\n".join((self.tmp / name).read_text(errors="replace")[-3000:]
                         for name in ("scheduler.log", "worker.log") if (self.tmp / name).exists())

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        for proc in reversed(self.procs):
            try:
                os.killpg(proc.pid, signal.SIGKILL)     # the nanny's workers too
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)
        self.procs.clear()

    def __exit__(self, *exc) -> None:
        self.close()
