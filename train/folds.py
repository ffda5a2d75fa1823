"""K folds over labeled faces that never cut through a unit `curate split` keeps together.

A unit is what must not be seen by a model that scores one of its members: one subject, the
faces cut from one source photo, one face identity (dlib embedding, for subject-less faces
with a source photo), and one pair of dedup's look-alikes (near copies whose labels differ).
Byte-identical copies are one item already, and dedup's duplicates are not status ok, so they
never reach a fold. Units are dealt to folds by scikit-learn's StratifiedGroupKFold, so each
fold's class mix is close to the whole's.
"""
from __future__ import annotations

import warnings

import numpy as np


class FoldError(ValueError):
    pass


def _lookalikes(corpus) -> list[tuple[int, int]]:
    if not corpus.db.execute("SELECT 1 FROM sqlite_master WHERE name='dedup_lookalikes'"
                             ).fetchone():
        return []
    return [(a, b) for a, b in corpus.db.execute("SELECT a, b FROM dedup_lookalikes")]


def face_units(corpus, item_ids: list[int], *, identity: bool = True,
               progress: bool = False) -> list[int]:
    """A unit number per item id; items that must stay together share one."""
    from curate.split import group_units
    wanted = set(item_ids)
    rows = [r for r in corpus.db.execute("SELECT * FROM items WHERE kind='face' ORDER BY id")
            if r["id"] in wanted]
    uf, _ = group_units(corpus, rows, identity=identity, pairs=_lookalikes(corpus),
                        progress=progress)
    numbers: dict = {}
    return [numbers.setdefault(uf.find(("item", i)), len(numbers)) for i in item_ids]


def assign_folds(labels: list[str], units: list[int], k: int, seed: int) -> list[int]:
    """Fold number (0..k-1) per face; all faces of a unit get the same one."""
    from sklearn.model_selection import StratifiedGroupKFold
    if k < 2:
        raise FoldError(f"--folds must be at least 2 (got {k})")
    n_units = len(set(units))
    if n_units < k:
        raise FoldError(f"only {n_units} independent units (subjects, source photos, "
                        f"identities) among {len(labels)} faces: too few for {k} folds")
    fold = np.full(len(labels), -1)
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # "The least populated class has only n members": a rare class is simply in fewer folds
        warnings.simplefilter("ignore", UserWarning)
        for f, (_, held) in enumerate(splitter.split(np.zeros(len(labels)), labels, units)):
            fold[held] = f
    return fold.tolist()


def hold_out(units: list[int], fraction: float, seed: int) -> list[bool]:
    """Whole units, in a seeded order, until `fraction` of the faces is held out (for val)."""
    order = sorted(set(units))
    np.random.default_rng(seed).shuffle(order)
    size: dict[int, int] = {}
    for u in units:
        size[u] = size.get(u, 0) + 1
    want, held, n = max(1, round(fraction * len(units))), set(), 0
    for u in order[:-1]:         # at least one unit is left to train on
        if n >= want:
            break
        held.add(u)
        n += size[u]
    return [u in held for u in units]
