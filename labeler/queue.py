"""Which faces the labeler shows, in which order, and where it starts.

Only ids (plus the reviewed flag) are read when the app opens, so a 100,000-face corpus
opens in well under a second; full rows are fetched a few at a time when they are shown.
"""
from __future__ import annotations

import hashlib
import sqlite3
from collections import OrderedDict

from corpus.catalog import LABEL_SOURCES

STATUS_FILTERS = {
    "unreviewed": "status='ok' AND reviewed=0",
    "all": "status IN ('ok', 'rejected')",
    "rejected": "status='rejected'",
}
ORDERS = ("id", "random", "confidence", "issues")


class QueueError(ValueError):
    pass


def _random_key(item_id: int, seed: str) -> bytes:
    # A keyed hash rather than random.shuffle: the same seed gives the same order after a
    # restart, so "reopen at the first unreviewed item" lands where the user left off.
    return hashlib.blake2b(f"{seed}:{item_id}".encode(), digest_size=8).digest()


def doubt_scores(db, ids_labels: dict[int, str | None]) -> dict[int, float]:
    """Per item: a model's probability of the item's current label (low = doubted); an
    out-of-sample row (crossval) wins over in-sample ones, then the newest.

    Items without a prediction are left out; a label the model does not know counts as 0.
    The lookup runs in SQLite's JSON functions: 4x faster than json.loads on 100,000 rows.
    """
    out: dict[int, float] = {}
    rows = db.execute(
        "SELECT p.item_id, (SELECT json_extract(p.probs, '$[' || j.key || ']')"
        "   FROM json_each(p.classes) j WHERE j.value = i.label)"
        " FROM predictions p JOIN items i ON i.id = p.item_id"
        " WHERE json_valid(p.classes) AND json_valid(p.probs)"   # a bad row must not stop us
        " ORDER BY p.sample = 'oos', p.at")
    for item_id, prob in rows:                    # later rows overwrite: oos, then newest
        if item_id in ids_labels:
            try:
                out[item_id] = float(prob or 0.0)
            except (TypeError, ValueError):
                out[item_id] = 0.0
    return out


def issue_ranks(db) -> dict[int, int]:
    """item id -> rank in the last `curate issues` ranking (none before one ran)."""
    try:
        return dict(db.execute("SELECT item_id, rank FROM label_issues"))
    except sqlite3.OperationalError:
        return {}


class ItemQueue:
    """The ordered ids of the faces to show, a cursor, and a small cache of rows."""

    def __init__(self, corpus, *, status: str = "unreviewed", label: str | None = None,
                 order: str = "id", seed: str = "0", kind: str = "face", row_cache: int = 256,
                 source: str | None = None):
        if status not in STATUS_FILTERS:
            raise QueueError(f"unknown --status {status!r}; use one of {', '.join(STATUS_FILTERS)}")
        if order not in ORDERS:
            raise QueueError(f"unknown --order {order!r}; use one of {', '.join(ORDERS)}")
        if source is not None and source not in LABEL_SOURCES:
            raise QueueError(f"unknown --source {source!r}; use one of {', '.join(LABEL_SOURCES)}")
        self.corpus = corpus
        self.kind = kind
        self.label = corpus.taxonomy.canonical(label) if label else None
        where = ["kind=?", STATUS_FILTERS[status]]
        args: list = [kind]
        if self.label:
            where.append("label=?")
            args.append(self.label)
        if source:          # where the current label came from (web: corrections sent to serve)
            where.append("label_source=?")
            args.append(source)
        sql = f"SELECT id, reviewed, label FROM items WHERE {' AND '.join(where)} ORDER BY id"
        rows = corpus.db.execute(sql, args).fetchall()
        self.reviewed = {r[0] for r in rows if r[1]}
        ids = [r[0] for r in rows]
        if order == "random":
            ids.sort(key=lambda i: _random_key(i, seed))
        elif order == "confidence":
            scores = doubt_scores(corpus.db, {r[0]: r[2] for r in rows})
            # Most doubted first; items the model never scored come after, in id order.
            ids.sort(key=lambda i: (i not in scores, scores.get(i, 0.0), i))
        elif order == "issues":
            ranks = issue_ranks(corpus.db)
            if not ranks:
                raise QueueError("no issues to order by: run `python -m curate issues "
                                 f"{corpus.root}` first")
            # Most likely wrong first; faces with no issue after them, in id order.
            ids.sort(key=lambda i: (i not in ranks, ranks.get(i, 0), i))
        self.ids = ids
        self.index = {item_id: n for n, item_id in enumerate(ids)}
        self._rows: OrderedDict[int, dict] = OrderedDict()
        self._row_cache = row_cache
        self.pos = self.first_unreviewed()

    def __len__(self) -> int:
        return len(self.ids)

    def first_unreviewed(self, start: int = 0) -> int:
        for n in range(start, len(self.ids)):
            if self.ids[n] not in self.reviewed:
                return n
        for n in range(0, min(start, len(self.ids))):
            if self.ids[n] not in self.reviewed:
                return n
        return min(start, max(len(self.ids) - 1, 0)) if self.ids else 0

    @property
    def current_id(self) -> int | None:
        return self.ids[self.pos] if self.ids else None

    @property
    def done(self) -> int:
        return len(self.reviewed)

    @property
    def remaining(self) -> int:
        return len(self.ids) - len(self.reviewed)

    def move(self, step: int) -> bool:
        new = max(0, min(len(self.ids) - 1, self.pos + step))
        changed = new != self.pos
        self.pos = new
        return changed

    def goto(self, item_id: int) -> bool:
        if item_id not in self.index:
            return False
        self.pos = self.index[item_id]
        return True

    def bring(self, item_id: int) -> bool:
        """Go to item_id, inserting it here if the queue lacks it (an undo of a face reviewed
        in an earlier session, which the unreviewed filter left out), so undo is visible."""
        if item_id not in self.index:
            row = self.rows([item_id]).get(item_id)
            if row is None or row["kind"] != self.kind:
                return False
            self.ids.insert(self.pos, item_id)
            self.index = {i: n for n, i in enumerate(self.ids)}
        return self.goto(item_id)

    def around(self, ahead: int, behind: int = 1, pos: int | None = None) -> list[int]:
        """Ids near pos, nearest first ahead, so the prefetcher decodes what comes next first."""
        p = self.pos if pos is None else pos
        out = self.ids[p + 1:p + 1 + ahead]
        out += self.ids[max(0, p - behind):p][::-1]
        return out

    # ------------------------------------------------------------------ rows
    def rows(self, ids: list[int]) -> dict[int, dict]:
        """Rows for ids, from the cache or one query for the missing ones."""
        missing = [i for i in ids if i not in self._rows]
        if missing:
            qs = ",".join("?" * len(missing))
            for r in self.corpus.db.execute(f"SELECT * FROM items WHERE id IN ({qs})", missing):
                self._rows[r["id"]] = dict(r)
        out = {}
        for i in ids:
            if i in self._rows:
                self._rows.move_to_end(i)
                out[i] = self._rows[i]
        while len(self._rows) > self._row_cache:
            self._rows.popitem(last=False)
        return out

    def row(self, item_id: int) -> dict:
        return self.rows([item_id])[item_id]

    def refresh(self, item_id: int) -> dict:
        """Re-read a row after the app changed it, and keep the reviewed set in step."""
        self._rows.pop(item_id, None)
        row = self.row(item_id)
        if item_id not in self.index:
            return row
        if row["reviewed"]:
            self.reviewed.add(item_id)
        else:
            self.reviewed.discard(item_id)
        return row
