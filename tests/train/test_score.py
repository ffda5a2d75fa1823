import io
import json

from PIL import Image

from train.score import score


def test_scores_every_ok_face_once(fer_run, corpus, shared_data):
    run, card = fer_run
    files = sorted((shared_data / "fer2013_images" / "test" / "happy").glob("*.jpg"))[:6]
    ids = []
    for i, f in enumerate(files):
        img = Image.open(f).convert("L")
        if i == 0:
            img = img.resize((100, 100))          # a 100 px face scored by a 48 px model
        buf = io.BytesIO()
        img.save(buf, "PNG")
        ids.append(corpus.add_bytes(buf.getvalue(), fmt="PNG", kind="face",
                                    label="happy" if i < 4 else None, label_source="import")[0])
    corpus.set_status(ids[1], "rejected", reason="blurry")
    corpus.path_of(ids[2]).write_bytes(b"\x89PNG\r\n\x1a\n damaged on disk")
    r = score(run, corpus.root, progress=False)
    assert r["faces"] == 5 and r["scored"] == 4 and r["already_scored"] == 0
    assert [u["item_id"] for u in r["unreadable"]] == [ids[2]]
    rows = corpus.db.execute("SELECT item_id, model, classes, probs FROM predictions"
                             " ORDER BY item_id").fetchall()
    assert [row[0] for row in rows] == [ids[0], ids[3], ids[4], ids[5]]
    for row in rows:
        assert row[1] == run.name and json.loads(row[2]) == card["classes"]
        assert abs(sum(json.loads(row[3])) - 1) < 1e-3
    again = score(run, corpus.root, progress=False)
    # only the unreadable face is tried again (and is still unreadable)
    assert again["scored"] == 0 and again["already_scored"] == 4 and len(again["unreadable"]) == 1
    assert score(run, corpus.root, rescore=True, progress=False, name="other")["scored"] == 4
    assert corpus.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 8


def test_rows_say_whether_the_model_trained_on_the_face(fer_run, fer_small, tmp_path):
    """Train-split faces are in-sample, val/test faces out-of-sample; a run from before
    seen_faces.json marks only the corpus's train split, and says 'unknown' for the rest."""
    import shutil

    from corpus import Corpus
    run, card = fer_run
    root = tmp_path / "copy"
    shutil.copytree(fer_small.root, root)          # a copy: the same faces, another path
    r = score(run, root, progress=False)
    with Corpus(root, create=False) as c:
        got = {(split, sample): n for split, sample, n in c.db.execute(
            "SELECT i.split, p.sample, COUNT(*) FROM predictions p JOIN items i"
            " ON i.id=p.item_id GROUP BY 1, 2")}
    n = {s: fer_small.count(kind="face", split=s) for s in ("train", "val", "test")}
    assert got == {("train", "in"): n["train"], ("val", "oos"): n["val"],
                   ("test", "oos"): n["test"]}
    assert r["sample"] == {"in": n["train"], "oos": n["val"] + n["test"], "unknown": 0}
    old = tmp_path / "old-run"
    shutil.copytree(run, old)
    (old / "seen_faces.json").unlink()
    # scored on another corpus than the one it trained on: it cannot tell
    assert score(old, root, progress=False, rescore=True)["sample"]["unknown"] == sum(n.values())
    r = score(old, fer_small.root, progress=False, name="legacy")     # the corpus it trained on
    assert r["sample"] == {"in": n["train"], "oos": 0, "unknown": n["val"] + n["test"]}
    fer_small.db.execute("DELETE FROM predictions WHERE model='legacy'")
