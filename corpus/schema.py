"""The catalog's core tables. Stage modules add their own tables with Corpus.ensure(DDL).

Kept as plain SQL so a user can open catalog.sqlite with the sqlite3 shell and read it.
"""

SCHEMA_VERSION = 2          # 2: predictions.sample / run / fold (corpus/migrate.py)

CORE = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per thing the corpus knows about: a stored image or face (sha256 set), or a
-- failure that produced no bytes (sha256 NULL, status 'failed', reason says why).
CREATE TABLE IF NOT EXISTS items (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT UNIQUE,
    kind         TEXT NOT NULL DEFAULT 'image',      -- image | face | frame
    path         TEXT,                               -- relative to the corpus root, derived from sha256
    format       TEXT,                               -- JPEG, PNG, GIF, WEBP, ... as sniffed
    width        INTEGER,
    height       INTEGER,
    status       TEXT NOT NULL DEFAULT 'ok',         -- ok | rejected | failed | duplicate
    reason       TEXT,
    label        TEXT,
    label_source TEXT,                               -- query | import | human | model | web
    label_by     TEXT,
    label_at     TEXT,
    reviewed     INTEGER NOT NULL DEFAULT 0,
    parent_id    INTEGER REFERENCES items(id),       -- face -> its source image
    subject      TEXT,
    split        TEXT,                               -- train | val | test
    created_at   TEXT NOT NULL,
    meta         TEXT                                -- JSON, stage-specific extras
);
CREATE INDEX IF NOT EXISTS items_kind_status ON items(kind, status);
CREATE INDEX IF NOT EXISTS items_label ON items(label);
CREATE INDEX IF NOT EXISTS items_parent ON items(parent_id);

-- Where an item came from. Several rows per item when the same bytes were found twice.
CREATE TABLE IF NOT EXISTS provenance (
    id             INTEGER PRIMARY KEY,
    item_id        INTEGER NOT NULL REFERENCES items(id),
    engine         TEXT,
    query          TEXT,
    page_url       TEXT,
    image_url      TEXT,
    http_status    INTEGER,
    fetched_at     TEXT,
    orig_name      TEXT,
    source_dataset TEXT,
    source_id      TEXT,
    source_split   TEXT,
    extra          TEXT
);
CREATE INDEX IF NOT EXISTS provenance_item ON provenance(item_id);
CREATE INDEX IF NOT EXISTS provenance_url ON provenance(engine, query, image_url);
CREATE INDEX IF NOT EXISTS provenance_source ON provenance(source_dataset, source_id);

-- Every change of label or status, newest last; undo walks it backwards.
CREATE TABLE IF NOT EXISTS label_events (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    action      TEXT NOT NULL,                       -- label | reject | restore | review
    old_label   TEXT, old_source TEXT, old_status TEXT, old_reason TEXT, old_reviewed INTEGER,
    new_label   TEXT, new_source TEXT, new_status TEXT, new_reason TEXT, new_reviewed INTEGER,
    user        TEXT,
    at          TEXT NOT NULL,
    undone      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS label_events_item ON label_events(item_id);
CREATE INDEX IF NOT EXISTS label_events_user ON label_events(user, undone);

-- Stage snapshots written under stages/, with the digest checked before loading.
CREATE TABLE IF NOT EXISTS stages (
    name       TEXT PRIMARY KEY,
    path       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    n_items    INTEGER,
    written_at TEXT NOT NULL
);
"""

# Written by `python -m train score` and `python -m train crossval`, read by the labeling GUI
# (top-3, --order confidence) and `curate issues`. `sample` says whether the model had seen the
# face's label when it scored it: 'in' (the face was in its train split: a memorised label looks
# confident), 'oos' (never trained on it: a crossval fold model, or a face outside the model's
# train split), 'unknown' (rows from before this column, or a model that recorded nothing).
PREDICTIONS = """
CREATE TABLE IF NOT EXISTS predictions (
    item_id  INTEGER NOT NULL REFERENCES items(id),
    model    TEXT NOT NULL,
    classes  TEXT NOT NULL,          -- JSON list of class names, in probs order
    probs    TEXT NOT NULL,          -- JSON list of floats
    at       TEXT NOT NULL,
    sample   TEXT NOT NULL DEFAULT 'unknown',   -- oos | in | unknown
    run      TEXT,                   -- run id: NAME@time the run started (crossval) or was written
    fold     INTEGER,                -- crossval: the fold whose model scored the face
    PRIMARY KEY (item_id, model)
);
"""
SAMPLES = ("oos", "in", "unknown")
CORE += PREDICTIONS
