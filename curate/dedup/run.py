"""The corpus pass behind `python -m curate dedup`: hash, search, group, keep one, record.

What is compared: faces with faces (one size, grayscale, so they compare directly), and
images with frames (whole pictures). A face is never compared with a whole image: a crop is
not a duplicate of the photo it came from. Every item with bytes whose status is ok takes
part, plus the items an earlier run marked duplicate, so a rerun regroups everything
(idempotent) and a changed threshold can also un-mark.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from corpus import ImageError, now, save_stage, to_pil
from corpus.sheets import contact_sheet

from . import REGISTRY
from .base import to_signed, to_unsigned
from .groups import conflicts, group_pairs, stars
from .verify import MAX_RESIDUAL, prepare, same_picture

USER = "curate.dedup"
REASON_PREFIX = "duplicate of item "
FAMILIES = {"face": ("face",), "image": ("image", "frame")}
BATCH = 256
SHEET_GROUPS = 40
THUMB_CACHE = 2048          # prepared pictures kept (~130 KB each); candidates come in clusters

DDL = """
CREATE TABLE IF NOT EXISTS dedup_hashes (
    item_id INTEGER NOT NULL REFERENCES items(id),
    method  TEXT NOT NULL,                 -- exact | phash | phash-zoom
    version INTEGER NOT NULL,
    hash    INTEGER,                       -- uint64 stored as signed 64-bit; NULL: not decodable
    error   TEXT,
    PRIMARY KEY (item_id, method)
);
-- One row per member of a duplicate group, the kept item included (kept_id = item_id).
CREATE TABLE IF NOT EXISTS duplicate_groups (
    item_id   INTEGER PRIMARY KEY REFERENCES items(id),
    kept_id   INTEGER NOT NULL REFERENCES items(id),
    method    TEXT NOT NULL,               -- kept | exact | phash
    distance  INTEGER NOT NULL,            -- Hamming distance of the phash to the kept item
    conflict  INTEGER NOT NULL DEFAULT 0,  -- 1: its label disagrees with the kept item's
    threshold INTEGER NOT NULL,
    at        TEXT NOT NULL
);
-- Near matches left apart because their dataset/human labels differ (look-alikes, a < b):
-- `train crossval` keeps each pair in one fold, `curate issues` lists them.
CREATE TABLE IF NOT EXISTS dedup_lookalikes (
    a  INTEGER NOT NULL REFERENCES items(id),
    b  INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (a, b)
);
"""


@dataclass
class DedupReport:
    candidates: int = 0
    hashed: int = 0
    failed: list = field(default_factory=list)          # (item id, reason)
    groups: list = field(default_factory=list)          # [{"kept": id, "members": [...]}]
    conflicts: list = field(default_factory=list)       # dicts: item, label, kept, kept_label
    lookalikes: list = field(default_factory=list)      # near matches left apart: (a, b) ids
    marked: int = 0
    restored: int = 0
    sheet: str | None = None

    @property
    def duplicates(self) -> int:
        return sum(len(g["members"]) - 1 for g in self.groups)


def _candidates(corpus) -> list:
    return list(corpus.db.execute(
        "SELECT * FROM items WHERE sha256 IS NOT NULL AND (status='ok' OR (status='duplicate'"
        " AND reason LIKE ?)) ORDER BY id", (REASON_PREFIX + "%",)))


def _hash_missing(corpus, rows, methods, report, progress: bool = True) -> None:
    have = {(r[0], r[1]) for r in corpus.db.execute(
        "SELECT item_id, method FROM dedup_hashes WHERE " + " OR ".join(
            "(method=? AND version=?)" for _ in methods),
        [x for m in methods for x in (m.name, m.version)])}
    todo = [r for r in rows if any((r["id"], m.name) not in have for m in methods)]
    for start in tqdm(range(0, len(todo), BATCH), desc="dedup: hashing", unit="batch",
                      disable=not progress or len(todo) < BATCH):
        batch = todo[start:start + BATCH]
        out = []
        for row in batch:
            try:
                img = to_pil(corpus.read_bytes(row), "RGB")
                out.append((row, [(m, to_signed(m.hash_image(img)), None) for m in methods]))
            except (ImageError, OSError) as exc:
                out.append((row, [(m, None, str(exc)) for m in methods]))
        with corpus.transaction():      # one commit per batch: a kill loses at most a batch
            for row, hashes in out:
                for m, h, err in hashes:
                    corpus.db.execute("INSERT OR REPLACE INTO dedup_hashes VALUES (?,?,?,?,?)",
                                      (row["id"], m.name, m.version, h, err))
                if hashes[0][2] and row["status"] == "ok":
                    reason = f"dedup: cannot decode: {hashes[0][2]}"
                    corpus.set_status(row["id"], "failed", reason=reason, user=USER)
                    report.failed.append((row["id"], reason))
        report.hashed += len(batch)


def _hashes(corpus, method) -> dict:
    return {r[0]: to_unsigned(r[1]) for r in corpus.db.execute(
        "SELECT item_id, hash FROM dedup_hashes WHERE method=? AND version=? AND hash IS NOT NULL",
        (method.name, method.version))}


def _methods(names=None) -> list:
    names = list(REGISTRY) if names is None else list(names)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ValueError(f"unknown dedup method(s) {unknown}; known: {sorted(REGISTRY)}")
    return [REGISTRY[n]() for n in names]


class Thumbs:
    """verify.py's check for hash matches: thumbnails made only for candidates, kept in a
    bounded cache, and each pair's verdict remembered (stars() asks again)."""

    def __init__(self, corpus, max_residual: float):
        self.corpus, self.max_residual = corpus, max_residual
        self.cache: OrderedDict = OrderedDict()
        self.verdicts: dict = {}

    def get(self, item_id: int):
        if item_id in self.cache:
            self.cache.move_to_end(item_id)
            return self.cache[item_id]
        try:
            stack = prepare(to_pil(self.corpus.read_bytes(item_id), "RGB"))
        except (ImageError, OSError):
            stack = None
        self.cache[item_id] = stack
        if len(self.cache) > THUMB_CACHE:
            self.cache.popitem(last=False)
        return stack

    def similar(self, a: int, b: int) -> bool:
        key = (min(a, b), max(a, b))
        if key not in self.verdicts:
            x, y = self.get(a), self.get(b)
            self.verdicts[key] = (x is not None and y is not None
                                  and same_picture(x, y, self.max_residual))
        return self.verdicts[key]


def _probes(methods, name: str) -> list:
    return [m for m in methods if m.probe_of == name]


def find_groups(corpus, rows, threshold: int | None = None, methods=None,
                thumbs: Thumbs | None = None) -> tuple[list, dict]:
    """Connected components of rows (one family) under the methods; and hashes per method.

    Near (non-exact) matches must also pass thumbs.similar when thumbs is given.
    """
    methods = _methods(methods)
    by_method = {m.name: _hashes(corpus, m) for m in methods}
    pairs = []
    for m in methods:
        if m.probe_of:
            continue
        hashes = by_method[m.name]
        probes = [by_method[p.name] for p in _probes(methods, m.name)]
        ids = np.array([r["id"] for r in rows if r["id"] in hashes
                        and all(r["id"] in p for p in probes)], dtype=np.int64)
        if len(ids) < 2:
            continue
        i, j, _ = m.pairs(np.array([hashes[x] for x in ids], dtype=np.uint64), threshold,
                          [np.array([p[x] for x in ids], dtype=np.uint64) for p in probes])
        found = zip(ids[i].tolist(), ids[j].tolist())
        if not m.exact and thumbs is not None:
            found = [(a, b) for a, b in found if thumbs.similar(a, b)]
        pairs.extend(found)
    return group_pairs(pairs), by_method


# Labels set by a dataset or a person. Two such labels that differ on a near (not exact) match
# mean two expressions of one posed face (CK+ anger vs disgust of S130 differ by 4 hash bits),
# not one picture twice: the pair is reported as look-alikes and neither is marked.
TRUSTED_SOURCES = ("import", "human")


def _trusted_disagree(a, b) -> bool:
    return (a["label_source"] in TRUSTED_SOURCES and b["label_source"] in TRUSTED_SOURCES
            and a["label"] is not None and b["label"] is not None and a["label"] != b["label"])


def hash_distance(by_method, a: int, b: int) -> int | None:
    """Bits between two items' phashes, either one's zoom probe standing in for its hash."""
    ph, pz = by_method.get("phash", {}), by_method.get("phash-zoom", {})
    if a not in ph or b not in ph:
        return None
    pairs = [(ph[a], ph[b])] + [(x, y) for x, y in ((pz.get(a), ph[b]), (ph[a], pz.get(b)))
                                if x is not None and y is not None]
    return min(bin(x ^ y).count("1") for x, y in pairs)


def _closeness(by_method, t, thumbs, lookalikes: list):
    ex = by_method.get("exact", {})

    def close(a, b) -> bool:
        if a["id"] in ex and ex.get(a["id"]) == ex.get(b["id"]):
            return True
        dist = hash_distance(by_method, a["id"], b["id"])
        near = dist is not None and dist <= t and thumbs.similar(a["id"], b["id"])
        if near and _trusted_disagree(a, b):
            lookalikes.append((a["id"], b["id"]))
            return False
        return near
    return close


def _describe(member, kept, by_method) -> tuple[str, int]:
    ex = by_method.get("exact", {})
    if member["id"] == kept["id"]:
        return "kept", 0
    if member["id"] in ex and ex.get(member["id"]) == ex.get(kept["id"]):
        return "exact", 0
    dist = hash_distance(by_method, member["id"], kept["id"])
    return "phash", -1 if dist is None else dist


def dedup(corpus, threshold: int | None = None, *, methods=None,
          max_residual: float | None = None, sheet: bool = True,
          progress: bool = True) -> DedupReport:
    """Find, group and mark duplicates in a corpus. Safe to rerun; see the module docstring.

    methods: names from the registry (default all: exact, phash and its zoom probe); ("exact",)
    for posed sets where near-identical pictures are different expressions. max_residual: how
    much of a near match may be left in its worst block once aligned (verify.MAX_RESIDUAL).
    """
    corpus.ensure(DDL)
    names = list(REGISTRY) if methods is None else list(methods)
    methods = _methods(names)
    t = REGISTRY["phash"].default_threshold if threshold is None else int(threshold)
    report = DedupReport()
    rows = _candidates(corpus)
    report.candidates = len(rows)
    _hash_missing(corpus, rows, methods, report, progress)
    rows = _candidates(corpus)          # items that failed to decode are gone now
    by_id = {r["id"]: r for r in rows}
    thumbs = Thumbs(corpus, MAX_RESIDUAL if max_residual is None else float(max_residual))
    desired, at = {}, now()
    for kinds in FAMILIES.values():
        fam = [r for r in rows if r["kind"] in kinds]
        components, by_method = find_groups(corpus, fam, t, names, thumbs)
        close = _closeness(by_method, t, thumbs, report.lookalikes)
        for members in (g for ids in components for g in stars([by_id[x] for x in ids], close)):
            kept = members[0]
            bad = {m["id"] for m in conflicts(kept, members)}
            entry = {"kept": kept["id"], "members": []}
            for m in members:
                how, dist = _describe(m, kept, by_method)
                desired[m["id"]] = (kept["id"], how, dist, int(m["id"] in bad))
                entry["members"].append({"id": m["id"], "method": how, "distance": dist,
                                         "label": m["label"], "conflict": m["id"] in bad})
                if m["id"] in bad:
                    report.conflicts.append({"item": m["id"], "label": m["label"],
                                             "kept": kept["id"], "kept_label": kept["label"]})
            report.groups.append(entry)
    report.lookalikes = sorted({tuple(sorted(p)) for p in report.lookalikes})
    _apply(corpus, rows, desired, t, at, report)
    _snapshot(corpus, desired, t, names, thumbs.max_residual)
    if sheet:
        report.sheet = str(write_sheet(corpus, report))
    return report


def _apply(corpus, rows, desired, t, at, report) -> None:
    # One transaction: statuses and the group table always agree, whatever moment a kill hits.
    with corpus.transaction():
        for r in rows:
            want = desired.get(r["id"])
            if want and want[1] != "kept":
                reason = f"{REASON_PREFIX}{want[0]} ({want[1]}, distance {want[2]})"
                if r["status"] != "duplicate" or r["reason"] != reason:
                    corpus.set_status(r["id"], "duplicate", reason=reason, user=USER)
                    report.marked += 1
            elif r["status"] == "duplicate":
                corpus.set_status(r["id"], "ok", reason=None, user=USER)
                report.restored += 1
        corpus.db.execute("DELETE FROM duplicate_groups")
        corpus.db.executemany("INSERT INTO duplicate_groups VALUES (?,?,?,?,?,?,?)",
                              [(i, *v, t, at) for i, v in sorted(desired.items())])
        corpus.db.execute("DELETE FROM dedup_lookalikes")
        corpus.db.executemany("INSERT INTO dedup_lookalikes VALUES (?,?)", report.lookalikes)


def _snapshot(corpus, desired, t, names, max_residual) -> None:
    ids = sorted(desired)
    save_stage(corpus, "dedup", {
        "ids": np.array(ids, dtype=np.int64),
        "kept": np.array([desired[i][0] for i in ids], dtype=np.int64),
        "method": [desired[i][1] for i in ids],
        "distance": np.array([desired[i][2] for i in ids], dtype=np.int64),
        "conflict": np.array([desired[i][3] for i in ids], dtype=bool),
        "meta": {"threshold": t, "methods": sorted(names), "max_residual": max_residual}})


def write_sheet(corpus, report: DedupReport, limit: int = SHEET_GROUPS):
    """reports/duplicates.png: conflicting groups first, then the largest; kept item first."""
    order = sorted(report.groups, key=lambda g: (not any(m["conflict"] for m in g["members"]),
                                                  -len(g["members"]), g["kept"]))
    sections = []
    for g in order[:limit]:
        members = sorted(g["members"], key=lambda m: (m["method"] != "kept", m["id"]))
        imgs, caps = [], []
        for m in members[:10]:
            try:
                imgs.append(to_pil(corpus.read_bytes(m["id"]), "RGB"))
            except (ImageError, OSError):
                continue
            tag = "KEEP" if m["method"] == "kept" else f"d{m['distance']}"
            caps.append(f"{tag} #{m['id']} {m['label'] or '-'}{' !' if m['conflict'] else ''}")
        flag = " CONFLICT" if any(m["conflict"] for m in members) else ""
        sections.append((f"keep #{g['kept']}{flag}", imgs, caps))
    title = (f"{len(report.groups)} duplicate groups, {report.duplicates} duplicates, "
             f"{len(report.conflicts)} label conflicts"
             + (f" (first {limit} groups shown)" if len(order) > limit else ""))
    return contact_sheet(sections or [("no duplicates", [], [])],
                         corpus.root / "reports" / "duplicates.png", cols=10, cell=96,
                         title=title)
