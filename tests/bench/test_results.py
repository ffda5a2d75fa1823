"""Every benchmark takes --no-progress, like every long command of the suite (bench/results.py)."""
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
# serve_flask_baseline is the server bench/serve.py starts, results.py a helper: not commands
COMMANDS = sorted(p.name for p in BENCH.glob("*.py")
                  if p.name not in ("results.py", "serve_flask_baseline.py", "__init__.py"))


def test_the_list_is_not_empty():
    assert {"train.py", "issues.py", "dedup.py", "extract.py"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_benchmark_accepts_no_progress(name):
    done = subprocess.run([sys.executable, str(BENCH / name), "--help"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--no-progress" in done.stdout
