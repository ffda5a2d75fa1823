"""bench/issues_curve.py reads bench/issues.py --top-only results into one line per way and seed."""
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH.parent))
from bench.issues_curve import series  # noqa: E402


def result(path, how, seed, tops, noisy=(0.50, 0.40), true=None):
    res = {"settings": {"tops": list(tops), "how": how, "fit_seed": seed},
           "noisy": {"accuracy": noisy[0], "macro_f1": noisy[1]},
           "tops": {str(n): {"fit": {"accuracy": a, "macro_f1": f}} for n, (a, f) in tops.items()}}
    if true:
        res["true_labels"] = {"accuracy": true[0], "macro_f1": true[1]}
    path.write_text(json.dumps(res))
    return path


def test_lines_per_way_and_seed_and_the_png(tmp_path):
    a = result(tmp_path / "a.json", "leave_out", None, {1000: (0.52, 0.41), 2000: (0.53, 0.42)},
               true=(0.54, 0.44))
    b = result(tmp_path / "b.json", "leave_out", 2, {0: (0.51, 0.39), 2000: (0.525, 0.415)})
    c = result(tmp_path / "c.json", "relabel", None, {2000: (0.505, 0.395)})
    lines, truth = series([a, b, c])
    # the default seed's line starts at the full run's noisy model; seed 2 at its own N = 0 fit
    assert lines[("leave_out", "default")] == {0: (0.50, 0.40), 1000: (0.52, 0.41),
                                               2000: (0.53, 0.42)}
    assert lines[("leave_out", 2)] == {0: (0.51, 0.39), 2000: (0.525, 0.415)}
    assert lines[("relabel", "default")] == {0: (0.50, 0.40), 2000: (0.505, 0.395)}
    assert truth == [("default", 0.54, 0.44)]
    png = tmp_path / "curve.png"
    done = subprocess.run([sys.executable, str(BENCH / "issues_curve.py"), str(a), str(b), str(c),
                           "--out", str(png)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert png.stat().st_size > 10000 and png.read_bytes()[:4] == b"\x89PNG"


def test_refuses_a_file_that_is_not_a_top_only_result(tmp_path):
    other = tmp_path / "full.json"
    other.write_text(json.dumps({"settings": {"folds": 5}}))
    done = subprocess.run([sys.executable, str(BENCH / "issues_curve.py"), str(other)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "not a --top-only result" in done.stderr
