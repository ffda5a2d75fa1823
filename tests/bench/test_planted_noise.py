"""bench/planted/noise.py: the planted flips the label benchmark scores every ranking against."""
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.planted.noise import PAIRS, flips, plant  # noqa: E402
from corpus import Corpus  # noqa: E402

CLASSES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]


def small_corpus(root, n: int) -> dict[int, str]:
    """n labeled faces in a new corpus (distinct bytes each); item id -> label."""
    t = {}
    with Corpus(root) as c:
        for k in range(n):
            iid, _ = c.add_bytes(bytes([k]) * 64, fmt="JPEG", kind="face", width=48, height=48,
                                 label=CLASSES[k % 7], label_source="import", split="train")
            t[iid] = CLASSES[k % 7]
    return t


def truth(n=2000):
    return {i: CLASSES[(i * 7919) % len(CLASSES)] for i in range(1, n + 1)}


def test_flips_are_15_percent_wrong_and_a_third_of_them_between_confusable_pairs():
    t = truth()
    wrong = flips(t, 0)
    assert len(wrong) == 300                                # 10 % uniform + 5 % paired
    assert all(wrong[i] != t[i] for i in wrong)             # every flip is a real change
    partner = {a: b for x, y in PAIRS for a, b in ((x, y), (y, x))}
    paired = [i for i in wrong if partner.get(t[i]) == wrong[i]]
    # the 100 paired flips, plus uniform draws that happened to land on the partner
    assert 100 <= len(paired) < 160
    assert len(Counter(wrong.values())) == len(CLASSES)     # uniform flips reach every class


def test_the_same_seed_gives_the_same_flips_and_another_seed_others():
    t = truth()
    assert flips(t, 0) == flips(dict(reversed(list(t.items()))), 0)   # order of truth: no matter
    assert flips(t, 0) != flips(t, 1)


def test_plant_writes_what_flips_draws_as_undoable_events(tmp_path):
    t = small_corpus(tmp_path / "c", 40)
    planted = plant(tmp_path / "c", t, 3)
    wrong = flips(t, 3)
    assert planted == set(wrong) and len(planted) == 6
    with Corpus(tmp_path / "c", create=False) as c:
        now = dict(c.db.execute("SELECT id, label FROM items"))
        events = c.db.execute("SELECT COUNT(*) FROM label_events WHERE user='bench-noise'"
                              " AND undone=0").fetchone()[0]
    assert {i: now[i] for i in wrong} == wrong and events == 6
    assert all(now[i] == t[i] for i in t if i not in wrong)


def test_true_labels_refuses_a_corpus_that_still_holds_planted_noise(tmp_path):
    import pytest
    from bench.planted.noise import true_labels
    from curate.issues import revert
    t = small_corpus(tmp_path / "c", 20)
    plant(tmp_path / "c", t, 0)
    with pytest.raises(SystemExit, match="still holds planted noise.*--revert --user bench-noise"):
        true_labels(tmp_path / "c")
    with Corpus(tmp_path / "c", create=False) as c:
        revert(c, "bench-noise")
    assert true_labels(tmp_path / "c") == t
