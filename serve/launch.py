"""Run a server as a child process and wait for its "ready on http://..." line (for scripts,
benchmarks and tests that need the real thing on a free port)."""
from __future__ import annotations

import queue
import signal
import subprocess
import threading
from pathlib import Path

READY = "ready on "


class Child:
    def __init__(self, cmd: list[str], *, cwd=None, log: Path | None = None):
        self.cmd, self.cwd, self.log_path = cmd, cwd, log
        self.proc: subprocess.Popen | None = None
        self.base = ""
        self._log = None

    def start(self, timeout: float = 600) -> "Child":
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        try:
            while True:
                line = lines.get(timeout=timeout)
                if line is None:
                    tail = self.log_path.read_text()[-3000:] if self.log_path else ""
                    raise RuntimeError(f"{self.cmd[:4]} exited ({self.proc.wait()}): {tail}")
                if READY in line:
                    self.base = line.split(READY)[1].split()[0].rstrip("/")
                    return self
        except queue.Empty:
            self.kill()
            raise RuntimeError(f"{self.cmd[:4]} not ready after {timeout} s") from None

    def _pump(self, lines: queue.Queue) -> None:
        for line in self.proc.stdout:
            lines.put(line)
        lines.put(None)

    def url(self, path: str) -> str:
        return self.base + path

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as after a crash or an OOM kill."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=20)
