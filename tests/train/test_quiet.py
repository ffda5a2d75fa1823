import json
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.cli import run
from train.__main__ import COMMANDS
from train import quiet

ROOT = Path(__file__).resolve().parents[2]
# What importing TensorFlow 2.21 printed here, twice, before train.quiet.
SEEN = """WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1795798039.005838   13332 port.cc:153] oneDNN custom operations are on. You may see \
slightly different numerical results due to floating-point round-off errors from different \
computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.
"""


def test_banner_lines_go_and_everything_else_stays():
    other = "ImportError: libfoo.so: cannot open shared object file\n"
    assert quiet.without_banners(SEEN + other + SEEN) == other


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_train_command_takes_verbose_and_no_progress(name, capsys):
    with pytest.raises(SystemExit):
        run("python -m train", "", COMMANDS, [name, "--help"], common=quiet)
    text = capsys.readouterr().out
    assert "--verbose" in text and "--no-progress" in text


def test_score_is_quiet_and_prints_one_json_line_verbose_shows_the_banner(fer_run, fer_small,
                                                                          tmp_path):
    import shutil
    run_dir, card = fer_run
    corpus = tmp_path / "corpus"
    shutil.copytree(fer_small.root, corpus)
    cmd = [sys.executable, "-m", "train", "score", str(run_dir), str(corpus), "--no-progress"]
    done = subprocess.run(cmd + ["--json"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == ""                 # no banner, no bar
    (line,) = done.stdout.splitlines()
    r = json.loads(line)
    assert r["scored"] == fer_small.count(kind="face", status="ok") and r["classes"] == \
        card["classes"]
    again = subprocess.run(cmd + ["--verbose"], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "oneDNN custom operations" in again.stderr
    assert again.stdout.startswith(f"{r['model']}: scored 0 of {r['faces']} faces")


BAD_ARGS = {"fit": ["/nonexistent/corpus", "--out", "/nonexistent/run"],
            "evaluate": ["/nonexistent/run", "/nonexistent/data"],
            "predict": ["/nonexistent/run", "/nonexistent/photo.jpg"],
            "score": ["/nonexistent/run", "/nonexistent/corpus"],
            "crossval": ["/nonexistent/corpus", "--out", "/nonexistent/run"]}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_banner_from_any_command_even_when_it_imports_keras_at_module_level(name):
    # `fit` printed both banners twice: schedule.py imports Keras when the command module
    # loads, before the filter was set (seen once oneDNN is on, i.e. on every CPU since tfenv).
    done = subprocess.run([sys.executable, "-m", "train", name, *BAD_ARGS[name],
                           "--no-progress"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    assert not quiet.BANNER.search(done.stderr), done.stderr
    assert done.stderr.startswith(f"train {name}: "), done.stderr
