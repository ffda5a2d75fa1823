"""Which faces a run trained on (RUN/seen_faces.json), so its scores can say in- or out-of-sample.

A model has memorised the labels of its training faces: its score for one of them says little
about whether the label is right. `fit` records the faces it trained and validated on; `score`
and `crossval` mark each prediction row with what it is (corpus/schema.py: sample).

Faces are named by the first 16 hex digits of their SHA-256 (the corpus stores bytes under it),
not by item id: the same face in a copy of the corpus, or imported again into another corpus,
is still a face the model has seen.
"""
from __future__ import annotations

from pathlib import Path

from .card import read_json, write_json

SEEN = "seen_faces.json"
KEY_LEN = 16


def face_keys(corpus, ids) -> dict[int, str]:
    """item id -> key (sha256 prefix) for the given ids."""
    ids, out = list(ids), {}
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        out.update((r[0], r[1][:KEY_LEN]) for r in corpus.db.execute(
            f"SELECT id, sha256 FROM items WHERE id IN ({','.join('?' * len(chunk))})"
            " AND sha256 IS NOT NULL", chunk))
    return out


def record_seen(out, corpus, train, val) -> Path:
    keys = face_keys(corpus, [s.item_id for s in train + val if s.item_id is not None])
    return write_json(Path(out) / SEEN, {
        "schema": "ferkit.seen/1", "key": f"sha256[:{KEY_LEN}]", "corpus": str(corpus.root),
        "train": sorted({keys[s.item_id] for s in train if s.item_id in keys}),
        "val": sorted({keys[s.item_id] for s in val if s.item_id in keys})})


class Seen:
    """Answers 'in' (trained on it), 'oos' (did not) or 'unknown' for a face of a corpus.

    A run from before seen_faces.json existed is judged from the corpus it was trained on: its
    faces now in the train split count as 'in' (the careful answer, since a split may have
    changed since), everything else as 'unknown'; on another corpus nothing can be said.
    """

    def __init__(self, run_dir, card: dict):
        path = Path(run_dir) / SEEN
        self.recorded = path.is_file()
        data = read_json(path) if self.recorded else {}
        self.train = set(data.get("train", ()))
        self.val = set(data.get("val", ()))
        self.trained_on = str((card.get("data") or {}).get("corpus") or "")

    def sample(self, key: str | None, split: str | None, corpus_root) -> str:
        if self.recorded:
            return "in" if key and key[:KEY_LEN] in self.train else "oos"
        if self.trained_on and self.trained_on == str(Path(corpus_root).resolve()):
            return "in" if split == "train" else "unknown"
        return "unknown"
