import subprocess
import sys
import textwrap

import pytest

from corpus import Corpus, CorpusError, TaxonomyError


def test_same_bytes_stored_once_with_every_provenance(corpus):
    a, new_a = corpus.add_bytes(b"\xff\xd8\xffjpegish", fmt="JPEG", label="happy",
                                label_source="query", provenance={"engine": "google",
                                                                  "image_url": "http://x/1.jpg"})
    b, new_b = corpus.add_bytes(b"\xff\xd8\xffjpegish", fmt="JPEG",
                                provenance={"engine": "bing", "image_url": "http://y/2.jpg"})
    assert (new_a, new_b) == (True, False) and a == b
    assert [p["engine"] for p in corpus.provenance(a)] == ["google", "bing"]
    item = corpus.item(a)
    path = corpus.path_of(item)
    assert path.read_bytes() == b"\xff\xd8\xffjpegish"
    # the path is the hash, never the URL or the label
    sha = item["sha256"]
    assert item["path"] == f"objects/{sha[:2]}/{sha[2:4]}/{sha}.jpg"


def test_failed_items_are_recorded_with_reason(corpus):
    i = corpus.add_failed("HTTP 404", provenance={"image_url": "http://x/missing.jpg"})
    row = corpus.item(i)
    assert row["status"] == "failed" and row["reason"] == "HTTP 404" and row["path"] is None
    with pytest.raises(CorpusError, match="no stored bytes"):
        corpus.path_of(row)


def test_label_history_and_undo_across_reopen(tmp_path):
    c = Corpus(tmp_path / "c")
    i, _ = c.add_bytes(b"GIF89a....", fmt="GIF", label="sad", label_source="query")
    c.set_label(i, "Happiness", source="human", user="ann")
    c.set_status(i, "rejected", reason="cartoon", user="ann")
    c.close()
    c = Corpus(tmp_path / "c")
    assert c.item(i)["label"] == "happy" and c.item(i)["status"] == "rejected"
    c.undo(user="ann")
    assert c.item(i)["status"] == "ok" and c.item(i)["label"] == "happy"
    c.undo(user="ann")
    assert c.item(i)["label"] == "sad" and c.item(i)["label_source"] == "query"
    assert c.undo(user="ann") is None
    assert [e["action"] for e in c.label_history(i)] == ["label", "label", "reject"]
    c.set_status(i, "rejected", reason="blurry", user="bob")
    c.set_label(i, "fear", source="human", user="bob", restore=True)
    assert (c.item(i)["status"], c.item(i)["label"]) == ("ok", "fear")
    c.undo(user="bob")              # one undo takes back label and restore together
    assert (c.item(i)["status"], c.item(i)["label"], c.item(i)["reason"]) == \
        ("rejected", "sad", "blurry")


def test_unknown_label_is_refused_with_known_classes(corpus):
    i, _ = corpus.add_bytes(b"\x89PNG\r\n\x1a\nxx", fmt="PNG")
    with pytest.raises(TaxonomyError, match="known: angry, disgust"):
        corpus.set_label(i, "bored", source="human")
    corpus.set_taxonomy(corpus.taxonomy.with_classes(["contempt"]))
    corpus.set_label(i, "Contemptuous", source="human")
    assert corpus.item(i)["label"] == "contempt"


def test_catalog_is_wal_and_open_without_create_refuses(tmp_path, corpus):
    assert corpus.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(CorpusError, match="not a corpus"):
        Corpus(tmp_path / "nothing", create=False)


def test_kill_during_writes_leaves_only_whole_items(tmp_path):
    """A real process killed with SIGKILL mid-loop: every committed item has its whole file."""
    root = tmp_path / "k"
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(__import__('pathlib').Path(__file__).resolve().parents[2])!r})
        from corpus import Corpus
        c = Corpus({str(root)!r})
        i = 0
        while True:
            data = b"\\x89PNG\\r\\n\\x1a\\n" + os.urandom(200_000)
            c.add_bytes(data, fmt="PNG", provenance={{"source_id": str(i)}})
            i += 1
            if i == 20:
                print("ready", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    proc.kill()
    proc.wait()
    c = Corpus(root)
    rows = list(c.items())
    assert len(rows) >= 20
    import hashlib
    for r in rows:
        assert hashlib.sha256(c.read_bytes(r)).hexdigest() == r["sha256"]
    assert not any((root / "tmp").iterdir())   # partial writes cleaned on open


def test_opening_does_not_delete_a_live_writers_temp_file(tmp_path):
    c = Corpus(tmp_path / "c")
    live = tmp_path / "c" / "tmp" / f"obj-{__import__('os').getppid()}-abc"
    dead = tmp_path / "c" / "tmp" / "obj-999999999-abc"
    live.write_bytes(b"partial")
    dead.write_bytes(b"partial")
    Corpus(tmp_path / "c").close()
    assert live.exists() and not dead.exists()
    c.close()
