"""The real command in a subprocess, driven by real X key events from xdotool."""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading

import pytest

from corpus import Corpus
from tests.labeler.conftest import ROOT_DIR, wait_for

pytestmark = pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool not installed")


class AppProcess:
    def __init__(self, corpus_path, *args):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "labeler", str(corpus_path), *args],
            cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=dict(os.environ))
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(lambda: any(x.startswith("READY") for x in self.lines), 30,
                 f"the app to open (output so far: {self.lines})")
        out = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                              "ferkit labeler"], capture_output=True, text=True, timeout=30)
        self.window = out.stdout.split()[-1]

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def acks(self):
        return [x[4:] for x in self.lines if x.startswith("ACK ")]

    def key(self, *names, wait=True):
        for name in names:
            n = len(self.acks())
            subprocess.run(["xdotool", "key", "--window", self.window, name], check=True,
                           timeout=10)
            if wait:
                wait_for(lambda: len(self.acks()) > n, 15, f"ACK after key {name}")

    def title(self):
        return subprocess.run(["xdotool", "getwindowname", self.window], capture_output=True,
                              text=True, timeout=10).stdout.strip()

    def screenshot(self, path):
        subprocess.run(["import", "-window", self.window, str(path)], check=True, timeout=30)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        # The X server drops a dead client's windows a moment later; the next app's window
        # search must not find this one.
        wait_for(lambda: not subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "ferkit labeler"],
            capture_output=True, text=True, timeout=10).stdout.strip(), 10, "window gone")

    def close(self):
        if self.proc.poll() is None:
            self.kill9()


@pytest.fixture
def launch(xvfb):
    procs = []

    def start(*args):
        p = AppProcess(*args)
        procs.append(p)
        return p
    yield start
    for p in procs:
        p.close()


def read_items(path):
    c = Corpus(path, create=False)
    rows = {r["id"]: dict(r) for r in c.items(kind="face", status=None)}
    c.close()
    return rows


def test_real_keys_kill9_reopen_and_undo_across_restart(launch, face_corpus, artifacts):
    c = Corpus(face_corpus, create=False)
    first = next(c.items(kind="face"))["id"]
    probs = [0.02, 0.01, 0.02, 0.81, 0.04, 0.02, 0.08]
    c.db.execute("INSERT INTO predictions (item_id, model, classes, probs, at)"
                 " VALUES (?, 'cnn-demo', ?, ?, '2026-01-01')",
                 (first, json.dumps(list(c.taxonomy.classes)), json.dumps(probs)))
    c.close()
    app = launch(face_corpus, "--mode", "label", "--user", "alice")
    app.screenshot(artifacts / "labeler-label.png")
    app.key("4", "x", "space", "6")
    assert app.acks()[:2] == [f"label {first} happy", f"reject {first + 2}"]
    # the app prints ACK once the catalog has it, then redraws: the title follows a moment later
    wait_for(lambda: "5/37" in app.title() and "done 4" in app.title(), 15, "the title")
    # A burst of keys, and kill -9 as soon as the first of them is acknowledged, while
    # xdotool is still typing the rest.
    burst = ["1", "2", "3", "x", "space", "7", "5", "4", "1", "2", "3", "6"]
    typist = subprocess.Popen(["xdotool", "key", "--window", app.window, "--delay", "60",
                               *burst], stderr=subprocess.DEVNULL)
    wait_for(lambda: len(app.acks()) > 4, 15, "the first burst key acknowledged")
    app.kill9()
    typist.wait(timeout=30)
    acked = app.acks()
    assert 4 < len(acked) < 4 + len(burst)      # killed mid-burst
    rows = read_items(face_corpus)
    for ack in acked:
        action, item_id, *rest = ack.split()
        r = rows[int(item_id)]
        assert r["reviewed"] == 1, ack
        if action == "label":
            assert (r["label"], r["label_by"], r["label_source"]) == (rest[0], "alice", "human")
        if action == "reject":
            assert r["status"] == "rejected"
    done = sum(r["reviewed"] for r in rows.values())
    assert done == len(acked)               # nothing unacknowledged half-written either

    again = launch(face_corpus, "--user", "alice")
    ready = next(x for x in again.lines if x.startswith("READY"))
    assert ready == f"READY {37 - done} faces, 0 reviewed, starting at 1"
    last = acked[-1].split()
    again.key("ctrl+z")
    assert again.acks()[-1] == f"undo {'review' if last[0] == 'keep' else last[0]} {last[1]}"
    assert read_items(face_corpus)[int(last[1])]["reviewed"] == 0
    again.close()


def test_review_mode_real_keys_and_screenshot(launch, face_corpus, artifacts):
    app = launch(face_corpus, "--mode", "review", "--user", "bob")
    app.key("w", "c")
    rejected = [int(a.split()[1]) for a in app.acks()]
    app.screenshot(artifacts / "labeler-review.png")
    app.key("Return")
    rows = read_items(face_corpus)
    assert [rows[i]["status"] for i in rejected] == ["rejected", "rejected"]
    assert sum(r["reviewed"] for r in rows.values()) == 24
    wait_for(lambda: "page 2/2" in app.title(), 15, "the title to show page 2/2")
    app.key("question", wait=False)
    subprocess.run(["xdotool", "sync"], timeout=10, check=False)
    wait_for(lambda: app.proc.poll() is None, 2, "app alive")
    import time
    time.sleep(0.3)
    app.screenshot(artifacts / "labeler-help.png")


def test_help_and_bad_corpus(tmp_path):
    out = subprocess.run([sys.executable, "-m", "labeler", "--help"], cwd=ROOT_DIR,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for opt in ("--mode", "--label", "--status", "--order", "--user", "confidence"):
        assert opt in out.stdout
    bad = subprocess.run([sys.executable, "-m", "labeler", str(tmp_path / "nope")],
                         cwd=ROOT_DIR, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "is not a corpus" in bad.stderr
    assert not (tmp_path / "nope").exists()            # opening never creates a corpus


def test_no_display_on_a_corpus_without_faces_still_names_curate_extract(tmp_path):
    photo = ROOT_DIR.parent / "shared" / "data" / "photos" / "face_recognition" / "obama_small.jpg"
    if not photo.is_file():
        pytest.skip("shared data not found")
    with Corpus(tmp_path / "c") as c:
        c.add_bytes(photo.read_bytes(), fmt="JPEG", kind="image", width=1, height=1)
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    out = subprocess.run([sys.executable, "-m", "labeler", str(tmp_path / "c")], cwd=ROOT_DIR,
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 2 and "is DISPLAY set?" in out.stderr
    assert "1 images but no faces" in out.stderr and "-m curate extract" in out.stderr
