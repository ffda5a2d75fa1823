"""The corpus: a directory with an SQLite catalog (WAL) and content-addressed files.

Every stage of ferkit reads and writes a corpus through this class, so the rules that keep
work safe live here once:
- bytes are stored under a path derived from their SHA-256 (never from a URL or a label),
  written to tmp/ first and renamed into place, so a partial file is never an item;
- an item row is inserted only after its file is in place, in one transaction with its
  provenance and first label event, so kill -9 leaves either all of it or none;
- the same bytes twice give one item with two provenance rows.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterator

from .migrate import migrate
from .objects import object_relpath, write_object
from .schema import CORE, SCHEMA_VERSION
from .taxonomy import Taxonomy

PROVENANCE_FIELDS = ("engine", "query", "page_url", "image_url", "http_status", "fetched_at",
                     "orig_name", "source_dataset", "source_id", "source_split")
# web: a correction sent through `python -m serve` (label_by web:<user>), unreviewed until a
# curator confirms it in the labeler; train fit leaves it out until then.
LABEL_SOURCES = ("query", "import", "human", "model", "web")
STATUSES = ("ok", "rejected", "failed", "duplicate")


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class CorpusError(Exception):
    """A corpus that cannot be opened or an operation it refuses; the message says why."""


class Corpus:
    CATALOG = "catalog.sqlite"

    def __init__(self, root: str | os.PathLike, *, create: bool = True, readonly: bool = False):
        self.root = Path(root).resolve()
        catalog = self.root / self.CATALOG
        if not catalog.exists() and not create:
            raise CorpusError(f"{self.root} is not a corpus (no {self.CATALOG}); "
                              f"create one with a scrape or an import first")
        if create:
            for sub in ("objects", "stages", "tmp", "reports"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        uri = f"file:{catalog}?mode=ro" if readonly else f"file:{catalog}"
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so each action is its own
        # transaction and nothing is left half-committed by Python's implicit transactions.
        self.db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30,
                                  check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        if not readonly:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(CORE)
            self._init_meta()
            migrate(self.db, SCHEMA_VERSION)     # an older catalog gains new columns in place
            self._clean_tmp()

    # ----------------------------------------------------------------- lifecycle
    @classmethod
    def open(cls, root, **kw) -> "Corpus":
        return cls(root, **kw)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _init_meta(self) -> None:
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                            (str(SCHEMA_VERSION),))
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('created_at', ?)", (now(),))

    def _clean_tmp(self) -> None:
        """Remove partial writes of killed processes (never items: rows follow the rename).

        Temp names carry the writer's pid; a live writer's files are left alone, because several
        processes (extract workers, the labeler beside a scrape) may share one corpus.
        """
        for p in (self.root / "tmp").glob("*"):
            parts = p.name.split("-")
            pid = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
            if pid is not None and pid != os.getpid() and pid_alive(pid):
                continue
            with contextlib.suppress(OSError):
                p.unlink()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.db.in_transaction:      # nested use joins the outer transaction
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def ensure(self, ddl: str) -> None:
        """Create a stage module's own tables (idempotent DDL)."""
        self.db.executescript(ddl)

    # ----------------------------------------------------------------- metadata
    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    @property
    def taxonomy(self) -> Taxonomy:
        classes = self.get_meta("classes")
        return Taxonomy(classes) if classes else Taxonomy()

    def set_taxonomy(self, taxonomy: Taxonomy) -> None:
        self.set_meta("classes", list(taxonomy.classes))

    # ----------------------------------------------------------------- objects
    def object_relpath(self, sha: str, fmt: str | None) -> str:
        return object_relpath(sha, fmt)

    def path_of(self, item: sqlite3.Row | int) -> Path:
        row = self.item(item) if isinstance(item, int) else item
        if not row["path"]:
            raise CorpusError(f"item {row['id']} has no stored bytes (status {row['status']})")
        return self.root / row["path"]

    def read_bytes(self, item: sqlite3.Row | int) -> bytes:
        return self.path_of(item).read_bytes()

    def _write_object(self, data: bytes, relpath: str) -> None:
        write_object(self.root, data, relpath, tmp_dir=self.root / "tmp")

    # ----------------------------------------------------------------- items
    def add_bytes(self, data: bytes, *, fmt: str | None = None, kind: str = "image",
                  width: int | None = None, height: int | None = None,
                  label: str | None = None, label_source: str | None = None,
                  user: str | None = None, provenance: dict | None = None,
                  parent_id: int | None = None, subject: str | None = None,
                  split: str | None = None, meta: dict | None = None,
                  status: str = "ok", reason: str | None = None) -> tuple[int, bool]:
        """Store bytes and record them. Returns (item_id, created).

        Same bytes already stored: no new item, the provenance is added to the existing one.
        """
        if not data:
            raise CorpusError("refusing to store zero bytes")
        sha = sha256_bytes(data)
        relpath = self.object_relpath(sha, fmt)
        self._write_object(data, relpath)
        with self.transaction():
            row = self.db.execute("SELECT id FROM items WHERE sha256=?", (sha,)).fetchone()
            if row:
                if provenance:
                    self._add_provenance(row["id"], provenance)
                return row["id"], False
            item_id = self._insert_item(sha=sha, kind=kind, path=relpath, format=fmt,
                                        width=width, height=height, status=status,
                                        reason=reason, parent_id=parent_id,
                                        subject=subject, split=split, meta=meta)
            if provenance:
                self._add_provenance(item_id, provenance)
            if label is not None:
                self._apply(item_id, "label", {"label": self.taxonomy.canonical(label),
                                                "label_source": label_source,
                                                "label_by": user, "label_at": now()}, user)
            return item_id, True

    def store_object(self, data: bytes, fmt: str | None = None) -> str:
        """Put bytes in their content-addressed place without recording an item; returns the
        relative path. Safe from any thread (tmp file + rename, no catalog access): parallel
        workers do the slow fsync here, and add_bytes of the same bytes then skips the write.
        Until add_bytes records it, the file is not an item."""
        if not data:
            raise CorpusError("refusing to store zero bytes")
        relpath = self.object_relpath(sha256_bytes(data), fmt)
        self._write_object(data, relpath)
        return relpath

    def add_failed(self, reason: str, *, kind: str = "image", provenance: dict | None = None,
                   label: str | None = None, meta: dict | None = None) -> int:
        """Record something that produced no usable bytes, so it is never silently dropped."""
        with self.transaction():
            item_id = self._insert_item(sha=None, kind=kind, path=None, format=None, width=None,
                                        height=None, status="failed", reason=reason,
                                        parent_id=None, subject=None, split=None, meta=meta,
                                        label=label)
            if provenance:
                self._add_provenance(item_id, provenance)
            return item_id

    def _insert_item(self, *, sha, kind, path, format, width, height, status, reason,
                     parent_id, subject, split, meta, label=None) -> int:
        if status not in STATUSES:
            raise CorpusError(f"unknown status {status!r}; expected one of {STATUSES}")
        cur = self.db.execute(
            "INSERT INTO items (sha256, kind, path, format, width, height, status, reason,"
            " parent_id, subject, split, created_at, meta, label)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha, kind, path, format, width, height, status, reason, parent_id, subject, split,
             now(), json.dumps(meta) if meta else None, label))
        return cur.lastrowid

    def _add_provenance(self, item_id: int, prov: dict) -> None:
        known = {k: prov.get(k) for k in PROVENANCE_FIELDS}
        extra = {k: v for k, v in prov.items() if k not in PROVENANCE_FIELDS}
        self.db.execute(
            f"INSERT INTO provenance (item_id, {', '.join(PROVENANCE_FIELDS)}, extra)"
            f" VALUES (?, {', '.join('?' * len(PROVENANCE_FIELDS))}, ?)",
            (item_id, *known.values(), json.dumps(extra) if extra else None))

    def add_provenance(self, item_id: int, prov: dict) -> None:
        with self.transaction():
            self._add_provenance(item_id, prov)

    def item(self, item_id: int) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM items WHERE id=?", (item_id,)).fetchone()
        if row is None:
            raise CorpusError(f"no item {item_id} in {self.root}")
        return row

    def items(self, *, kind: str | None = None, status: str | None = "ok",
              label: str | None = None, split: str | None = None,
              order: str = "id") -> Iterator[sqlite3.Row]:
        where, args = [], []
        for col, val in (("kind", kind), ("status", status), ("label", label), ("split", split)):
            if val is not None:
                where.append(f"{col}=?")
                args.append(val)
        sql = "SELECT * FROM items" + (" WHERE " + " AND ".join(where) if where else "")
        if order not in ("id", "random()"):
            raise CorpusError(f"unsupported order {order!r}")
        yield from self.db.execute(sql + f" ORDER BY {order}", args)

    def count(self, **filters) -> int:
        return sum(1 for _ in self.items(**filters))

    def provenance(self, item_id: int) -> list[dict]:
        rows = self.db.execute("SELECT * FROM provenance WHERE item_id=? ORDER BY id", (item_id,))
        return [dict(r) for r in rows]

    def item_meta(self, item: sqlite3.Row) -> dict:
        return json.loads(item["meta"]) if item["meta"] else {}

    # ----------------------------------------------------------------- labels & status
    def set_label(self, item_id: int, label: str | None, *, source: str, user: str | None = None,
                  reviewed: bool | None = None, restore: bool = False) -> int:
        """restore=True also sets status back to ok (a rejected face labeled after all), in the
        same event, so one undo takes back both."""
        if source not in LABEL_SOURCES:
            raise CorpusError(f"unknown label source {source!r}; expected one of {LABEL_SOURCES}")
        if label is not None:
            label = self.taxonomy.canonical(label)
        new = {"label": label, "label_source": source, "label_by": user, "label_at": now()}
        if reviewed is not None:
            new["reviewed"] = int(reviewed)
        if restore:
            new.update(status="ok", reason=None)
        with self.transaction():
            return self._apply(item_id, "label", new, user)

    def set_status(self, item_id: int, status: str, *, reason: str | None = None,
                   user: str | None = None, reviewed: bool | None = None) -> int:
        if status not in STATUSES:
            raise CorpusError(f"unknown status {status!r}; expected one of {STATUSES}")
        new = {"status": status, "reason": reason}
        if reviewed is not None:
            new["reviewed"] = int(reviewed)
        action = {"rejected": "reject", "ok": "restore"}.get(status, status)
        with self.transaction():
            return self._apply(item_id, action, new, user)

    def mark_reviewed(self, item_id: int, *, user: str | None = None) -> int:
        with self.transaction():
            return self._apply(item_id, "review", {"reviewed": 1}, user)

    def _apply(self, item_id: int, action: str, new: dict, user: str | None) -> int:
        """Change an item and log old and new values in label_events (inside a transaction)."""
        old = self.item(item_id)
        self.db.execute(f"UPDATE items SET {', '.join(f'{k}=?' for k in new)} WHERE id=?",
                        (*new.values(), item_id))
        cur = self.db.execute(
            "INSERT INTO label_events (item_id, action, old_label, old_source, old_status,"
            " old_reason, old_reviewed, new_label, new_source, new_status, new_reason,"
            " new_reviewed, user, at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (item_id, action, old["label"], old["label_source"], old["status"], old["reason"],
             old["reviewed"], new.get("label", old["label"]),
             new.get("label_source", old["label_source"]), new.get("status", old["status"]),
             new.get("reason", old["reason"]), new.get("reviewed", old["reviewed"]), user, now()))
        return cur.lastrowid

    def undo(self, *, user: str | None = None, event_id: int | None = None
             ) -> sqlite3.Row | None:
        """Undo the newest not-yet-undone event (of `user`, if given), or the event `event_id`
        if it is not undone yet. Returns it, or None."""
        with self.transaction():
            sql = "SELECT * FROM label_events WHERE undone=0"
            args: tuple = ()
            if user is not None:
                sql += " AND user IS ?"
                args = (user,)
            if event_id is not None:
                sql += " AND id=?"
                args += (event_id,)
            ev = self.db.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
            if ev is None:
                return None
            self.db.execute(
                "UPDATE items SET label=?, label_source=?, status=?, reason=?, reviewed=?"
                " WHERE id=?", (ev["old_label"], ev["old_source"], ev["old_status"],
                                ev["old_reason"], ev["old_reviewed"], ev["item_id"]))
            self.db.execute("UPDATE label_events SET undone=1 WHERE id=?", (ev["id"],))
            return ev

    def label_history(self, item_id: int) -> list[dict]:
        rows = self.db.execute("SELECT * FROM label_events WHERE item_id=? ORDER BY id",
                               (item_id,))
        return [dict(r) for r in rows]
