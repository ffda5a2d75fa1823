"""Stats: the JSON counts match the catalog, the table and the chart are written."""
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from corpus import Taxonomy
from curate.dedup.run import dedup
from curate.split import split
from curate.stats import collect, format_table

ROOT = Path(__file__).resolve().parents[2]


def _build(corpus, shared_data):
    corpus.set_taxonomy(Taxonomy().with_classes(["contempt"]))
    for f in sorted((shared_data / "ckplus48" / "CK+48").glob("*/*.png"))[::7]:
        corpus.add_bytes(f.read_bytes(), fmt="PNG", kind="face", width=48, height=48,
                         label=f.parent.name, label_source="import", subject=f.name[:4],
                         provenance={"source_dataset": "ckplus48", "orig_name": f.name})
    for f in sorted((shared_data / "fer2013_images" / "train").glob("*/*.jpg"))[::40]:
        corpus.add_bytes(f.read_bytes(), fmt="JPEG", kind="face", width=48, height=48,
                         label=f.parent.name, label_source="import",
                         provenance={"source_dataset": "fer2013", "source_split": "train"})
    photo = shared_data / "photos" / "face_recognition" / "biden.jpg"
    img, _ = corpus.add_bytes(photo.read_bytes(), fmt="JPEG", kind="image",
                              label="happy", label_source="query",
                              provenance={"engine": "bing", "query": "happy face"})
    corpus.add_failed("HTTP 404", provenance={"engine": "bing", "query": "happy face"})
    # A face cut from the scraped photo: no provenance of its own, inherits "bing".
    face = sorted((shared_data / "fer2013_images" / "test").glob("happy/*.jpg"))[0]
    fid, _ = corpus.add_bytes(face.read_bytes(), fmt="JPEG", kind="face", parent_id=img,
                              label="happy", label_source="query")
    corpus.set_status(fid, "rejected", reason="not a face", user="ann")
    # A conflicting duplicate: the same CK+ picture re-encoded, labeled otherwise.
    first = corpus.item(1)
    from PIL import Image
    import io
    buf = io.BytesIO()
    Image.open(corpus.path_of(first)).save(buf, "BMP")
    corpus.add_bytes(buf.getvalue(), fmt="BMP", kind="face", label="happy", label_source="query")
    dedup(corpus, methods=("exact",), sheet=False)
    split(corpus, 0.1, 0.1, seed=0, keep_source_split=True, identity=False)


def test_counts_match_the_catalog(shared_data, corpus, artifacts):
    _build(corpus, shared_data)
    stats = collect(corpus)
    assert stats["schema"] == "ferkit.stats/1"
    assert stats["total"] == corpus.db.execute("SELECT count(*) FROM items").fetchone()[0]
    got = Counter()
    for r in stats["rows"]:
        got[(r["kind"], r["label"], r["split"], r["status"])] += r["count"]
    want = Counter(tuple(r) for r in corpus.db.execute(
        "SELECT kind, label, split, status FROM items"))
    assert got == want
    src = {r["source"]: 0 for r in stats["rows"]}
    for r in stats["rows"]:
        src[r["source"]] += r["count"]
    n_ck = corpus.db.execute("SELECT count(*) FROM provenance WHERE source_dataset='ckplus48'"
                             ).fetchone()[0]
    assert src["ckplus48"] == n_ck
    assert src["bing"] == 3            # the photo, the 404 and the face cut from the photo
    assert src["unknown"] == 1         # the re-encoded copy
    assert stats["by_status"] == dict(Counter(r[0] for r in corpus.db.execute(
        "SELECT status FROM items")))
    d = stats["duplicates"]
    assert (d["groups"], d["items"]) == (1, 1)
    assert d["conflicts"][0]["label"] == "happy" and d["conflicts"][0]["kept"] == 1
    ok_faces = corpus.count(kind="face", status="ok")
    assert sum(sum(v.values()) for v in stats["class_by_split"].values()) == ok_faces
    assert {r["reason"] for r in stats["top_reasons"]} == {"HTTP 404", "not a face"}
    text = format_table(stats)
    assert "conflict: item" in text and "ckplus48" in text and "contempt" in text


def test_cli_json_and_chart(shared_data, corpus, artifacts):
    _build(corpus, shared_data)
    out = subprocess.run([sys.executable, "-m", "curate", "stats", str(corpus.root), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 1            # JSON lines, as every --json
    doc = json.loads(out.stdout)
    expected = collect(corpus)
    assert doc["rows"] == expected["rows"] and doc["total"] == expected["total"]
    png = corpus.root / "reports" / "class_balance.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (artifacts / "class_balance_test.png").write_bytes(png.read_bytes())
    table = subprocess.run([sys.executable, "-m", "curate", "stats", str(corpus.root)],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0 and "train" in table.stdout and "chart:" in table.stdout


def test_web_feedback_is_counted(corpus, shared_data):
    faces = sorted((shared_data / "fer2013_images" / "test").glob("sad/*.jpg"))[:3]
    ids = [corpus.add_bytes(f.read_bytes(), fmt="JPEG", kind="face")[0] for f in faces]
    corpus.set_label(ids[0], "sad", source="web", user="web:alice", reviewed=False)
    corpus.set_label(ids[0], "angry", source="web", user="web:alice", reviewed=False)
    corpus.set_label(ids[1], "happy", source="web", user="web:bob", reviewed=False)
    corpus.set_label(ids[2], "happy", source="human", user="carol")
    corpus.mark_reviewed(ids[1], user="carol")
    stats = collect(corpus)
    assert stats["web_feedback"] == {"events": 3, "faces": 2, "users": 2, "unreviewed": 1}
    assert "web feedback: 3 corrections of 2 faces by 2 users, 1 waiting" in format_table(stats)


def test_import_label_conflicts_are_counted_and_listed(shared_data, corpus, tmp_path):
    """muxspace lists Avinash_30.jpg twice (SURPRISE, SADNESS): the import records a conflict,
    and stats shows it in the table and the JSON, until a person labels the image."""
    from curate.importers import run_import
    csv_path = shared_data / "muxspace" / "legend_subset.csv"
    rows = csv_path.read_text().splitlines()
    small = tmp_path / "legend.csv"
    small.write_text("\n".join([rows[0]] + [r for r in rows[1:] if "Avinash" in r]) + "\n")
    report = run_import(corpus, "csv-labels", small, images=csv_path.parent / "images",
                        progress=False)
    assert len(report.conflicts) == 1
    item = report.conflicts[0]["item_id"]
    stats = collect(corpus)
    lc = stats["label_conflicts"]
    assert (lc["items"], lc["open"]) == (1, 1)
    assert [(c["item"], sorted([c["label"], c["other_label"]]), c["current_label"])
            for c in lc["conflicts"]] == [(item, ["sad", "surprise"], None)]
    text = format_table(stats)
    assert "import label conflicts: 1 items (1 still unlabeled)" in text
    assert f"item {item}" in text and "Avinash_30.jpg" in text
    corpus.set_label(item, "surprise", source="human", user="ann")
    lc = collect(corpus)["label_conflicts"]
    assert (lc["items"], lc["open"]) == (1, 0)
    assert lc["conflicts"][0]["current_label"] == "surprise"
