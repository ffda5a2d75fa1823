"""Folds keep every unit `curate split` keeps together (subject, source photo, look-alikes)."""
from collections import Counter, defaultdict

from train.folds import assign_folds, face_units, hold_out


def _fill(corpus, n=60):
    """n faces (tiny distinct PNGs), three classes; subjects, a shared parent, a look-alike."""
    import io

    from PIL import Image
    ids = []
    parent, _ = corpus.add_bytes(b"GIF89a parent photo", fmt="GIF", kind="image")
    for i in range(n):
        buf = io.BytesIO()
        Image.new("L", (8, 8), i).save(buf, "PNG")
        ids.append(corpus.add_bytes(
            buf.getvalue(), fmt="PNG", kind="face", width=8, height=8,
            label=("happy", "sad", "neutral")[i % 3], label_source="import",
            subject=f"s{i // 6}" if i < 30 else None,           # 5 subjects of 6 faces
            parent_id=parent if i in (40, 41, 42) else None)[0])
    corpus.ensure("CREATE TABLE IF NOT EXISTS dedup_lookalikes (a INTEGER, b INTEGER)")
    corpus.db.execute("INSERT INTO dedup_lookalikes VALUES (?, ?)", (ids[50], ids[55]))
    return ids


def test_no_unit_spans_two_folds(corpus):
    ids = _fill(corpus)
    units = face_units(corpus, ids, identity=False)
    # the units are what split groups: subjects, one source photo, the look-alike pair
    assert len({units[i] for i in range(6)}) == 1 and units[0] != units[6]
    assert units[40] == units[41] == units[42] and units[50] == units[55]
    assert len(set(units)) == 5 + 1 + 1 + (60 - 30 - 3 - 2)
    labels = [corpus.item(i)["label"] for i in ids]
    folds = assign_folds(labels, units, 3, seed=1)
    by_unit = defaultdict(set)
    for u, f in zip(units, folds):
        by_unit[u].add(f)
    assert all(len(fs) == 1 for fs in by_unit.values())
    assert sorted(Counter(folds)) == [0, 1, 2]
    assert folds == assign_folds(labels, units, 3, seed=1)            # deterministic


def test_hold_out_takes_whole_units_and_leaves_some():
    units = [0] * 5 + [1] * 5 + list(range(2, 22))
    held = hold_out(units, 0.2, seed=0)
    for u in set(units):
        assert len({h for h, v in zip(held, units) if v == u}) == 1
    assert 6 <= sum(held) <= 10
    assert not all(hold_out([7, 7, 8], 0.9, seed=0))                # never everything
