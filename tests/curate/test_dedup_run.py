"""The corpus pass: keep rule, conflicts, bad bytes, reruns, threshold changes and the CLI."""
import io
import subprocess
import sys

from PIL import Image

from curate.dedup import REGISTRY
from curate.dedup.run import dedup

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def _png(img):
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _fill(corpus, shared_data, n=8):
    files = sorted((shared_data / "fer2013_images" / "train").glob("*/*.jpg"))[::97][:n]
    ids = []
    for f in files:
        iid, _ = corpus.add_bytes(f.read_bytes(), fmt="JPEG", kind="face", width=48, height=48,
                                  label=f.parent.name, label_source="import",
                                  provenance={"source_dataset": "fer2013", "orig_name": f.name})
        ids.append(iid)
    return ids


def test_keep_rule_conflicts_and_rerun(shared_data, corpus):
    ids = _fill(corpus, shared_data)
    src = Image.open(corpus.path_of(ids[0])).convert("L")
    label = corpus.item(ids[0])["label"]
    other = next(c for c in ("happy", "sad") if c != label)
    # A bigger copy scraped under another query, and a copy a person labeled.
    big, _ = corpus.add_bytes(_png(src.resize((96, 96))), fmt="PNG", kind="face", width=96,
                              height=96, label=other, label_source="query")
    human, _ = corpus.add_bytes(_png(src.resize((50, 50))), fmt="PNG", kind="face", width=50,
                                height=50, label=label, label_source="human", user="ann")
    bad, _ = corpus.add_bytes(b"\xff\xd8\xff\xe0 truncated jpeg", fmt="JPEG", kind="face")

    rep = dedup(corpus)
    assert corpus.item(human)["status"] == "ok"          # human label beats import and size
    for dup in (ids[0], big):
        row = corpus.item(dup)
        assert row["status"] == "duplicate"
        assert row["reason"].startswith(f"duplicate of item {human} (")
    assert [(c["item"], c["label"], c["kept_label"]) for c in rep.conflicts] == \
        [(big, other, label)]
    assert corpus.item(bad)["status"] == "failed"
    assert "cannot decode" in corpus.item(bad)["reason"]
    rows = corpus.db.execute("SELECT item_id, kept_id, conflict FROM duplicate_groups"
                             " ORDER BY item_id").fetchall()
    assert [tuple(r) for r in rows] == [(ids[0], human, 0), (big, human, 1), (human, human, 0)]

    events = corpus.db.execute("SELECT count(*) FROM label_events").fetchone()[0]
    again = dedup(corpus)
    assert (again.hashed, again.marked, again.restored) == (0, 0, 0)
    assert corpus.db.execute("SELECT count(*) FROM label_events").fetchone()[0] == events
    assert len(again.groups) == len(rep.groups)

    # Exact-only un-marks what no longer qualifies; loosening marks it again.
    strict = dedup(corpus, methods=("exact",))
    assert strict.restored >= 1
    assert all(corpus.item(x)["status"] == "ok" for x in ids)
    back = dedup(corpus)
    assert back.marked == strict.restored


def test_new_items_only_are_hashed(shared_data, corpus):
    ids = _fill(corpus, shared_data, n=5)
    first = dedup(corpus, sheet=False)
    assert first.hashed == 5
    extra = sorted((shared_data / "fer2013_images" / "test").glob("*/*.jpg"))[0]
    corpus.add_bytes(extra.read_bytes(), fmt="JPEG", kind="face")
    assert dedup(corpus, sheet=False).hashed == 1
    # one row per method (exact, phash, its zoom probe) per item
    assert corpus.db.execute("SELECT count(*) FROM dedup_hashes").fetchone()[0] == \
        len(REGISTRY) * 6
    assert all(corpus.item(x)["status"] == "ok" for x in ids)


def test_cli(shared_data, corpus, tmp_path):
    _fill(corpus, shared_data, n=4)
    src = Image.open(corpus.path_of(1)).convert("L")
    corpus.add_bytes(_png(src), fmt="PNG", kind="face")
    out = subprocess.run([sys.executable, "-m", "curate", "dedup", str(corpus.root)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "1 groups, 1 duplicates" in out.stdout
    assert (corpus.root / "reports" / "duplicates.png").exists()
    missing = subprocess.run([sys.executable, "-m", "curate", "dedup", str(tmp_path / "nope")],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "not a corpus" in missing.stderr


def test_kill_9_mid_run_then_rerun_matches_an_uninterrupted_run(shared_data, corpus, tmp_path):
    import shutil
    import signal
    import sqlite3
    import time
    files = sorted((shared_data / "fer2013_images").glob("*/*/*.jpg"))[:1200]
    for f in files:
        corpus.add_bytes(f.read_bytes(), fmt="JPEG", kind="face", width=48, height=48,
                         label=f.parent.name, label_source="import")
    src = Image.open(corpus.path_of(1)).convert("L")
    corpus.add_bytes(_png(src), fmt="PNG", kind="face")
    corpus.close()
    reference = tmp_path / "reference"
    shutil.copytree(corpus.root, reference)

    cmd = [sys.executable, "-m", "curate", "dedup", str(corpus.root), "--no-sheet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = sqlite3.connect(corpus.root / "catalog.sqlite", timeout=30)
    killed_at = None
    deadline = time.time() + 60
    while proc.poll() is None and time.time() < deadline:
        try:
            n = db.execute("SELECT count(*) FROM dedup_hashes").fetchone()[0]
        except sqlite3.OperationalError:
            n = 0                                   # table not created yet
        if n > 0:
            proc.send_signal(signal.SIGKILL)
            killed_at = n
            break
        time.sleep(0.01)
    proc.wait()
    db.close()
    assert killed_at is not None and killed_at < 2 * len(files), "the run ended before the kill"

    for root in (corpus.root, reference):
        run = [*cmd[:4], str(root), *cmd[5:]]
        out = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr

    def state(root):
        c = sqlite3.connect(root / "catalog.sqlite")
        try:
            return (c.execute("SELECT id, status, reason FROM items ORDER BY id").fetchall(),
                    c.execute("SELECT item_id, kept_id, method, distance, conflict FROM"
                              " duplicate_groups ORDER BY item_id").fetchall(),
                    c.execute("SELECT count(*), count(DISTINCT item_id) FROM dedup_hashes"
                              ).fetchone())
        finally:
            c.close()
    got, want = state(corpus.root), state(reference)
    assert got == want
    n_items = len(got[0])          # byte-identical files are one item
    assert got[2] == (len(REGISTRY) * n_items, n_items)


def test_two_expressions_of_one_posed_face_are_not_duplicates(shared_data, corpus):
    """CK+ S130's anger and disgust peaks are a few hash bits apart. The aligned check sees the
    moved mouth and brows, whatever the labels say; and if a user loosens that check, trusted
    labels that differ still keep the pair apart (a look-alike) while scraped labels do not."""
    ck = shared_data / "ckplus48" / "CK+48"
    a, b = ck / "anger" / "S130_007_00000018.png", ck / "disgust" / "S130_012_00000009.png"
    ia, _ = corpus.add_bytes(a.read_bytes(), fmt="PNG", kind="face", width=48, height=48,
                             label="angry", label_source="import", subject="S130")
    ib, _ = corpus.add_bytes(b.read_bytes(), fmt="PNG", kind="face", width=48, height=48,
                             label="disgust", label_source="query", subject="S130")
    rep = dedup(corpus, sheet=False)
    assert not rep.groups and not rep.lookalikes
    assert corpus.item(ia)["status"] == corpus.item(ib)["status"] == "ok"
    loose = dedup(corpus, sheet=False, max_residual=0.5)
    assert len(loose.groups) == 1 and len(loose.conflicts) == 1
    corpus.set_label(ib, "disgust", source="import")
    rep = dedup(corpus, sheet=False, max_residual=0.5)
    assert rep.lookalikes == [(ia, ib)] and not rep.groups
    assert corpus.item(ia)["status"] == corpus.item(ib)["status"] == "ok"
    # kept for crossval's folds and curate issues
    assert [tuple(r) for r in corpus.db.execute("SELECT a, b FROM dedup_lookalikes")] == [(ia, ib)]
    corpus.set_label(ib, "disgust", source="query")
    rep = dedup(corpus, sheet=False, max_residual=0.5)
    assert not rep.lookalikes and len(rep.groups) == 1 and len(rep.conflicts) == 1
    assert corpus.db.execute("SELECT COUNT(*) FROM dedup_lookalikes").fetchone()[0] == 0
