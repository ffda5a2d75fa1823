"""Storing an importer's Records in a corpus: idempotent, batched, every failure recorded.

- A row whose (source_dataset, source_id) already produced an item is skipped, so a rerun
  adds nothing. Rows that failed are tried again (a --map file may fix them); their failure
  record is replaced by the item, or kept once if they fail again.
- Rows are committed in batches inside one transaction: kill -9 loses at most the open
  batch, which the rerun then imports, so every row ends up exactly once.
- Sets that are already crops become faces (8-bit gray PNG, corpus face size); the source
  pixels are kept in face_originals when resizing changed them, so exports can be exact.
"""
from __future__ import annotations

import io
import itertools
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from corpus import ImageError, TaxonomyError, sniff, to_pil, verify
from corpus.images import square_face

from . import get_importer
from .base import ImportError_, Record, guess_subject
from .labels import CONFLICTS_DDL, LabelResolver, reconcile

DEFAULT_FACE_SIZE = 100
ORIGINALS_DDL = """
CREATE TABLE IF NOT EXISTS face_originals (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    width   INTEGER NOT NULL,
    height  INTEGER NOT NULL,
    pixels  BLOB NOT NULL        -- row-major uint8 gray, width*height bytes
);
"""
KEEP_ORIGINALS_UP_TO = 256       # side length; bigger sources are photos, not crops


@dataclass
class ImportReport:
    importer: str
    dataset: str
    source: str
    kind: str
    imported: int = 0
    same_bytes: int = 0           # new provenance for an item already in the corpus
    already: int = 0              # rows a previous run imported
    retried_ok: int = 0
    failed: list = field(default_factory=list)        # (source_id, reason)
    skipped: list = field(default_factory=list)       # (source_id, reason): not images at all
    conflicts: list = field(default_factory=list)
    labels: Counter = field(default_factory=Counter)
    classes_added: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.importer} {self.source} -> dataset {self.dataset!r} as {self.kind}s: "
                 f"{self.imported} imported, {self.same_bytes} already stored under another "
                 f"source (provenance added), {self.already} skipped (imported before), "
                 f"{len(self.failed)} failed, {len(self.conflicts)} label conflicts"
                 + (f", {len(self.skipped)} non-image files skipped" if self.skipped else "")]
        if self.labels:
            lines.append("  labels: " + ", ".join(f"{k} {v}" for k, v in sorted(
                self.labels.items(), key=lambda kv: str(kv[0]))))
        for sid, reason in self.skipped[:20]:
            lines.append(f"  skipped {sid}: {reason}")
        if len(self.skipped) > 20:
            lines.append(f"  ... and {len(self.skipped) - 20} more non-image files skipped")
        for sid, reason in self.failed[:20]:
            lines.append(f"  failed {sid}: {reason}")
        if len(self.failed) > 20:
            lines.append(f"  ... and {len(self.failed) - 20} more failures (status 'failed' "
                         f"in the catalog, with reasons)")
        for c in self.conflicts:
            lines.append(f"  conflict item {c['item_id']} ({c['source_id']}): {c['label']} vs "
                         f"{c['other_label'] or 'earlier conflicting labels'}; item left "
                         f"unlabeled for review")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def face_size_of(corpus, size: int | None) -> int:
    have = corpus.get_meta("face_size")
    if size is not None and have is not None and int(have) != size:
        raise ImportError_(f"{corpus.root} stores faces at {have}x{have}; cannot import at "
                           f"{size}x{size} (every face of a corpus has one size)")
    if have is None:
        corpus.set_meta("face_size", size or DEFAULT_FACE_SIZE)
    return int(corpus.get_meta("face_size"))


def make_face(gray: Image.Image, size: int) -> tuple[bytes, np.ndarray | None]:
    """PNG bytes of a size x size face, and the source pixels when resizing altered them."""
    square = square_face(gray, min(gray.size))      # the centre square, not resized
    orig = None
    if square.size != (size, size) and square.width <= KEEP_ORIGINALS_UP_TO:
        orig = np.asarray(square, dtype=np.uint8)
    buf = io.BytesIO()
    square_face(square, size).save(buf, format="PNG")
    return buf.getvalue(), orig


def _done_and_failed(corpus, dataset: str) -> tuple[set, dict]:
    rows = corpus.db.execute(
        "SELECT p.source_id, i.id, i.sha256 FROM provenance p JOIN items i ON i.id = p.item_id"
        " WHERE p.source_dataset = ?", (dataset,))
    done, failed = set(), {}
    for sid, item_id, sha in rows:
        if sha is None:
            failed[sid] = item_id
        else:
            done.add(sid)
    return done, failed


def run_import(corpus, importer: str, path, *, dataset: str | None = None,
               mapping: dict | None = None, limit: int | None = None, size: int | None = None,
               as_kind: str | None = None, batch: int = 200, progress: bool = True,
               options: dict | None = None, subject_regex=None,
               **importer_options) -> ImportReport:
    """Import `path` with the named importer; importer options as keywords or `options`."""
    mod = get_importer(importer)
    options = {**(options or {}), **importer_options}
    path = Path(path)
    if not path.exists():
        raise ImportError_(f"{path} does not exist")
    kind = as_kind or mod.KIND
    dataset = dataset or mod.default_dataset(path)
    report = ImportReport(importer, dataset, str(path), kind)
    corpus.ensure(CONFLICTS_DDL + ORIGINALS_DDL)
    size = face_size_of(corpus, size) if kind == "face" else None
    done, failed_before = _done_and_failed(corpus, dataset)
    resolver = LabelResolver(corpus, mapping, log=lambda m: report.notes.append(m))
    records = mod.records(path, **options)
    if limit is not None:
        records = itertools.islice(records, limit)
    total = mod.count(path, **options) if progress and hasattr(mod, "count") else None
    bar = tqdm(total=min(total, limit) if total and limit else total, disable=not progress,
               unit="row", desc=f"import {dataset}")
    while True:
        chunk = list(itertools.islice(records, batch))
        if not chunk:
            break
        with corpus.transaction():
            for rec in chunk:
                if rec.skip:
                    report.skipped.append((rec.source_id, rec.skip))
                elif rec.source_id in done:
                    report.already += 1
                else:
                    if subject_regex is not None and rec.orig_name:
                        rec.subject = guess_subject(rec.orig_name, subject_regex)
                    _one(corpus, rec, kind, size, dataset, resolver, failed_before, report)
                    done.add(rec.source_id)
        bar.update(len(chunk))
    bar.close()
    report.notes += getattr(mod, "notes", lambda p, **o: [])(path, **options)
    report.classes_added = resolver.added
    return report


def _one(corpus, rec: Record, kind, size, dataset, resolver, failed_before, report) -> None:
    prov = {"source_dataset": dataset, "source_id": rec.source_id,
            "source_split": rec.source_split, "orig_name": rec.orig_name, **rec.extra}
    try:
        if rec.error:
            raise ImageError(rec.error)
        label = resolver.resolve(rec.label)
        data = rec.data if rec.data is not None or rec.pixels is not None \
            else rec.path.read_bytes()
        if kind == "face":
            gray = Image.fromarray(rec.pixels, "L") if rec.pixels is not None \
                else to_pil(data, "L")
            fmt = None if rec.pixels is not None else sniff(data)
            blob, orig = make_face(gray, size)
            stored = dict(fmt="PNG", width=size, height=size)
            # The crop's own size: identity grouping trusts embeddings of crops that were
            # big enough before resizing (curate.identity.usable), not of upscaled 48 px ones.
            meta = {**({"source_format": fmt} if fmt else {}), "source_size": list(gray.size)}
        else:
            info = verify(data)
            blob, orig = data, None
            stored = dict(fmt=info.format, width=info.width, height=info.height)
            meta = None
    except (ImageError, TaxonomyError, OSError) as exc:
        reason = str(exc) if not isinstance(exc, OSError) else f"cannot read: {exc}"
        report.failed.append((rec.source_id, reason))
        if rec.source_id in failed_before:   # recorded by an earlier run: once is enough
            corpus.db.execute("UPDATE items SET reason=? WHERE id=?",
                              (reason, failed_before[rec.source_id]))
        else:
            corpus.add_failed(reason, kind=kind, provenance=prov,
                              meta={"raw_label": rec.label} if rec.label else None)
        return
    if rec.source_id in failed_before:   # it failed before and works now: the item replaces it
        _drop_failure(corpus, failed_before.pop(rec.source_id))
        report.retried_ok += 1
    item_id, created = corpus.add_bytes(blob, kind=kind, label=label, label_source="import"
                                        if label else None, provenance=prov,
                                        subject=rec.subject, meta=meta, **stored)
    if created:
        report.imported += 1
        report.labels[label or "(unlabeled)"] += 1
        if orig is not None:
            corpus.db.execute("INSERT OR IGNORE INTO face_originals VALUES (?,?,?,?)",
                              (item_id, orig.shape[1], orig.shape[0], orig.tobytes()))
    else:
        report.same_bytes += 1
        conflict = reconcile(corpus, item_id, label, prov)
        if conflict:
            report.conflicts.append(conflict)


def _drop_failure(corpus, old: int) -> None:
    """Remove a failure record a retry superseded; keep it, marked, if anything refers to it."""
    corpus.db.execute("SAVEPOINT drop_failure")
    try:
        corpus.db.execute("DELETE FROM provenance WHERE item_id=?", (old,))
        corpus.db.execute("DELETE FROM items WHERE id=? AND sha256 IS NULL", (old,))
    except sqlite3.IntegrityError:   # e.g. a person's label event on it: history stays
        corpus.db.execute("ROLLBACK TO drop_failure")
        corpus.db.execute("UPDATE items SET reason = 'superseded by a later import: ' || reason"
                          " WHERE id=?", (old,))
    corpus.db.execute("RELEASE drop_failure")
