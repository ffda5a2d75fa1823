"""Xvfb for the labeler's real Tk windows, and small face corpora built from real photos."""
from __future__ import annotations

import csv
import gc
import io
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

ROOT_DIR = Path(__file__).resolve().parents[2]
YALE_SUBJECTS = ("01", "02", "03", "04", "05")
YALE_CONDITIONS = ("happy", "sad", "surprised", "normal", "sleepy", "wink")
# Where the face sits in a 320x243 Yale picture (measured by eye on a contact sheet).
YALE_BOX = (85, 45, 150, 150)
FACES_DDL = """CREATE TABLE IF NOT EXISTS faces (
    face_id INTEGER PRIMARY KEY, image_id INTEGER, left INTEGER, top INTEGER,
    right INTEGER, bottom INTEGER, score REAL)"""


def start_xvfb(screen: str = "1280x800x24"):
    """(process, ":N"): a private X server on a free display (Xvfb picks it, -displayfd)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", screen,
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    number = b""
    with os.fdopen(read, "rb") as fh:
        while not number.endswith(b"\n"):
            chunk = fh.read(1)
            if not chunk:
                break
            number += chunk
    if not number.strip():
        proc.kill()
        pytest.fail("Xvfb did not report a display number")
    return proc, f":{number.decode().strip()}"


def stop_xvfb(proc) -> None:
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def xvfb():
    """A private X server on a free display; DISPLAY points at it for the session."""
    proc, display = start_xvfb()
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    yield display
    stop_xvfb(proc)
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old


@pytest.fixture(scope="session")
def small_screen():
    """A second X server the size of a small laptop screen (1024x600), for layout tests.
    DISPLAY is left alone: windows are opened on it with Tk(screenName=...)."""
    proc, display = start_xvfb("1024x600x24")
    yield display
    stop_xvfb(proc)


def face_png(img: Image.Image, size: int = 100) -> bytes:
    buf = io.BytesIO()
    img.convert("L").resize((size, size), Image.BILINEAR).save(buf, "PNG")
    return buf.getvalue()


def yale_label(condition: str):
    return {"happy": "happy", "sad": "sad", "surprised": "surprise",
            "normal": "neutral"}.get(condition)


def build_face_corpus(root: Path, data: Path, *, muxspace: int = 8):
    """30 Yale faces with their source picture and a box in a `faces` table, plus a few
    muxspace crops imported without a parent. Returns the closed corpus' path."""
    from corpus import Corpus, to_pil
    c = Corpus(root)
    c.ensure(FACES_DDL)
    yale = data / "yalefaces" / "images"
    x, y, w, h = YALE_BOX
    for subject in YALE_SUBJECTS:
        for cond in YALE_CONDITIONS:
            raw = (yale / f"subject{subject}.{cond}").read_bytes()
            pil = to_pil(raw, "L")
            parent, _ = c.add_bytes(raw, fmt="GIF", kind="image", width=pil.width,
                                    height=pil.height, label=yale_label(cond),
                                    label_source="query" if yale_label(cond) else None,
                                    provenance={"source_dataset": "yalefaces",
                                                "orig_name": f"subject{subject}.{cond}"})
            face = face_png(pil.crop((x, y, x + w, y + h)))
            fid, created = c.add_bytes(face, fmt="PNG", kind="face", width=100, height=100,
                                       label=yale_label(cond),
                                       label_source="query" if yale_label(cond) else None,
                                       parent_id=parent, subject=f"yale{subject}",
                                       provenance={"source_dataset": "yalefaces",
                                                   "orig_name": f"subject{subject}.{cond}"})
            if created:
                with c.transaction():
                    c.db.execute("INSERT INTO faces VALUES (?,?,?,?,?,?,?)",
                                 (fid, parent, x, y, x + w, y + h, 1.0))
    mux = data / "muxspace"
    with open(mux / "legend_subset.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    added = 0
    for r in rows:
        label = c.taxonomy.maybe_canonical(r["emotion"])
        path = mux / "images" / Path(r["image"]).name
        if label is None or not path.is_file() or added >= muxspace:
            continue
        face = face_png(to_pil(path.read_bytes(), "L"))
        _, created = c.add_bytes(face, fmt="PNG", kind="face", width=100, height=100,
                                 label=label, label_source="import",
                                 provenance={"source_dataset": "muxspace",
                                             "orig_name": path.name})
        added += created
    c.close()
    return root


@pytest.fixture(scope="session")
def face_corpus_template(shared_data, tmp_path_factory):
    return build_face_corpus(tmp_path_factory.mktemp("labeler") / "template", shared_data)


@pytest.fixture
def face_corpus(face_corpus_template, tmp_path):
    """A fresh copy of the small real-face corpus (path), for one test to change."""
    dest = tmp_path / "faces"
    shutil.copytree(face_corpus_template, dest)
    return dest


def wait_for(predicate, timeout: float = 20.0, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def make_app(xvfb, face_corpus):
    """Build LabelerApps in this process on a fresh copy of the face corpus; closed after."""
    from corpus import Corpus
    from labeler.app import LabelerApp
    made = []

    def make(path=None, **kw):
        c = Corpus(path or face_corpus, create=False)
        kw.setdefault("user", "tester")
        kw.setdefault("out", io.StringIO())
        app = LabelerApp(c, **kw)
        app.root.update()
        made.append((app, c))
        return app

    yield make
    while made:
        app, c = made.pop()
        app.close()
        c.close()
    app = c = None
    free_tk()


def free_tk() -> None:
    """Free closed Tk windows now, on this (the main) thread.

    A closed app's widgets sit in reference cycles, so only the cyclic garbage collector frees
    them, on whichever thread happens to trigger it: if that is the next app's prefetch
    thread, Tcl deletes its interpreter from the wrong thread and aborts the whole process
    ("Fatal Python error: Aborted", seen in this suite).
    """
    gc.collect()


def press(app, event: str, times: int = 1):
    """Send a key event the way Tk delivers it to the window, then let it redraw."""
    for _ in range(times):
        app.root.event_generate(event)
        app.root.update()


@pytest.fixture
def images_corpus(tmp_path, shared_data):
    """A corpus as the scraper leaves it: three real pictures, no faces cut out yet."""
    from corpus import Corpus
    c = Corpus(tmp_path / "scraped")
    for cond in ("happy", "sad", "surprised"):
        raw = (shared_data / "yalefaces" / "images" / f"subject01.{cond}").read_bytes()
        c.add_bytes(raw, fmt="GIF", kind="image", width=320, height=243, label=yale_label(cond),
                    label_source="query", provenance={"engine": "sandbox", "query": cond})
    c.close()
    return tmp_path / "scraped"
