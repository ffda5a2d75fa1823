"""oneDNN kernels are on for every train command, whatever the CPU (train/tfenv.py)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import train\n"
         "from tensorflow.python.util import _pywrap_util_port as port\n"
         "print(port.IsMklEnabled())\n")


def _probe(**env):
    base = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**base, **env})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()[-1]


def test_onednn_is_on_by_default_even_where_tensorflow_would_leave_it_off():
    # TensorFlow itself turns oneDNN on only on AVX-512 VNNI/BF16 or AMX CPUs; on an AVX2 CPU
    # this failed before tfenv.py (Eigen kernels, ~1.6x the CPU time per face).
    assert _probe() == "True"


def test_the_users_choice_wins():
    assert _probe(TF_ENABLE_ONEDNN_OPTS="0") == "False"
