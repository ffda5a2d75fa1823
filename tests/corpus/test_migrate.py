"""A catalog written before predictions.sample existed is brought up to date when opened."""
import json
import sqlite3

from corpus import Corpus
from corpus.schema import SCHEMA_VERSION

# The predictions table and version exactly as schema version 1 wrote them.
V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
CREATE TABLE predictions (
    item_id  INTEGER NOT NULL,
    model    TEXT NOT NULL,
    classes  TEXT NOT NULL,
    probs    TEXT NOT NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (item_id, model)
);
INSERT INTO predictions VALUES (1, 'old-run', '["happy","sad"]', '[0.9,0.1]', '2026-01-01');
"""


def test_v1_predictions_gain_sample_run_fold(tmp_path):
    root = tmp_path / "old"
    root.mkdir()
    db = sqlite3.connect(root / "catalog.sqlite")
    db.executescript(V1)
    db.close()
    with Corpus(root, create=False) as c:
        cols = {r[1] for r in c.db.execute("PRAGMA table_info(predictions)")}
        assert {"sample", "run", "fold"} <= cols
        row = dict(c.db.execute("SELECT * FROM predictions").fetchone())
        assert row["model"] == "old-run" and json.loads(row["probs"]) == [0.9, 0.1]
        # nothing recorded whether that model had trained on the face: not claimed either way
        assert row["sample"] == "unknown" and row["run"] is None
        assert c.get_meta("schema_version") == SCHEMA_VERSION == 2
    with Corpus(root, create=False) as c:          # a second open changes nothing
        assert c.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 1


def test_new_catalog_has_current_schema(corpus):
    cols = {r[1] for r in corpus.db.execute("PRAGMA table_info(predictions)")}
    assert {"sample", "run", "fold"} <= cols
    assert corpus.get_meta("schema_version") == SCHEMA_VERSION
