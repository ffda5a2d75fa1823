import os
import pickle

import numpy as np
import pytest

from corpus import UnsafePickleError, load_stage, save_stage


def _payload():
    return {"X": np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4),
            "ids": np.array([3, 7], dtype=np.int64), "labels": ["happy", None],
            "boxes": np.zeros((2, 4), np.int32), "meta": {"size": 4, "classes": ("a", "b")}}


def test_round_trip_through_corpus_with_digest(corpus):
    path = save_stage(corpus, "faces", _payload())
    assert path.name == "02_faces.pkl"
    back = load_stage(corpus, "faces")
    assert np.array_equal(back["X"], _payload()["X"]) and back["labels"] == ["happy", None]
    assert load_stage(path)["meta"]["size"] == 4
    path.write_bytes(pickle.dumps(_payload() | {"labels": ["sad", None]}))
    with pytest.raises(UnsafePickleError, match="changed since"):
        load_stage(corpus, "faces")


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/ferkit-pwned",))


def test_malicious_pickle_is_refused_without_running(tmp_path):
    f = tmp_path / "01_evil.pkl"
    f.write_bytes(pickle.dumps({"X": np.zeros(2), "x": _Evil()}))
    if os.path.exists("/tmp/ferkit-pwned"):
        os.unlink("/tmp/ferkit-pwned")
    with pytest.raises(UnsafePickleError, match="posix.system|os.system"):
        load_stage(f)
    assert not os.path.exists("/tmp/ferkit-pwned")


def test_non_plain_objects_are_refused_on_save(corpus):
    with pytest.raises(UnsafePickleError):
        save_stage(corpus, "faces", {"X": np.zeros(1), "bad": object()})
