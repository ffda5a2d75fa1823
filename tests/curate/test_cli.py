"""The `python -m curate` command set: every command takes --no-progress (scripts pass it to
all of them), and the long ones really run quietly with it."""
import io
import subprocess
import sys
from pathlib import Path

from PIL import Image

from curate.__main__ import COMMANDS

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "curate", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_every_command_documents_no_progress():
    missing = [name for name in COMMANDS if "--no-progress" not in _run(name, "--help").stdout]
    assert not missing, f"commands without --no-progress: {missing}"


def test_dedup_and_split_accept_no_progress_and_print_no_bar(shared_data, corpus):
    # enough faces that dedup hashes more than one batch (its bar used to show from 256 on)
    files = sorted((shared_data / "fer2013_images" / "train").glob("*/*.jpg"))[:300]
    for f in files:
        corpus.add_bytes(f.read_bytes(), fmt="JPEG", kind="face", width=48, height=48,
                         label=f.parent.name, label_source="import")
    buf = io.BytesIO()
    Image.open(files[0]).save(buf, "PNG")
    copy, _ = corpus.add_bytes(buf.getvalue(), fmt="PNG", kind="face")
    for cmd in (("dedup", corpus.root, "--no-sheet", "--no-progress"),
                ("split", corpus.root, "--no-progress"),
                ("stats", corpus.root, "--no-chart", "--no-progress")):
        out = _run(*cmd)
        assert out.returncode == 0, (cmd, out.stderr)
        assert out.stdout.strip(), cmd
        assert "it/s" not in out.stderr and "batch/s" not in out.stderr and "%|" not in \
            out.stderr, (cmd, out.stderr)
    # the planted copy was found (the run really happened)
    assert corpus.item(copy)["status"] == "duplicate"
