"""Bring a catalog written by an older ferkit up to the current schema, in place.

`CREATE TABLE IF NOT EXISTS` creates new tables but never adds a column to a table an older
version created, so each schema step that changes an existing table is a migration here.
Each one checks what the catalog actually has (not only the version number), so it is safe
to run on every open, by two processes at once (BEGIN IMMEDIATE makes the second wait and
then find the work done), and after a kill at any moment (one transaction per step).
"""
from __future__ import annotations

import json
import sqlite3


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def _v2_prediction_sample(db: sqlite3.Connection) -> None:
    """predictions.sample / run / fold: whether a score is in-sample, and which run wrote it.

    Rows from before are 'unknown': nothing recorded whether their model had trained on the face.
    """
    have = _columns(db, "predictions")
    for col, ddl in (("sample", "TEXT NOT NULL DEFAULT 'unknown'"), ("run", "TEXT"),
                     ("fold", "INTEGER")):
        if col not in have:
            db.execute(f"ALTER TABLE predictions ADD COLUMN {col} {ddl}")


MIGRATIONS = [(2, _v2_prediction_sample)]


def migrate(db: sqlite3.Connection, target: int) -> list[int]:
    """Apply every step up to `target`; returns the versions applied (empty when current)."""
    applied = []
    for version, step in MIGRATIONS:
        if version > target:
            break
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            current = int(json.loads(row[0])) if row else 0
            if current < version:
                step(db)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                           (json.dumps(version),))
                applied.append(version)
            else:
                step(db)        # idempotent: repairs a catalog whose version ran ahead of it
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return applied
