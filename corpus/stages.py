"""Stage snapshots: `stages/NN_<stage>.pkl`, numpy arrays + ids + labels + metadata.

Pickles are what notebook users asked for, but pickle.load runs whatever code the file names.
load_stage() uses an unpickler that resolves only the numpy reconstruction functions, so a
crafted file raises UnsafePickleError instead of running anything; when the corpus catalog
recorded the file's digest, that is checked too.
"""
from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path

import numpy as np

from .atomic import write_atomic

# Stage numbers fix the order files sort in; a stage not listed here gets 90.
STAGE_NUMBERS = {"images": 1, "faces": 2, "dedup": 3, "split": 4, "export": 5, "predictions": 6}

# The only globals a stage pickle may name: how numpy rebuilds arrays, dtypes and scalars
# (numpy 2 moved numpy.core to numpy._core; files written by either are accepted).
_ALLOWED = {
    (mod, name)
    for core in ("numpy.core", "numpy._core")
    for mod, name in ((f"{core}.multiarray", "_reconstruct"), (f"{core}.multiarray", "scalar"),
                      (f"{core}.numeric", "_frombuffer"))
} | {("numpy", "ndarray"), ("numpy", "dtype"), ("builtins", "set"), ("builtins", "frozenset"),
     ("builtins", "complex"), ("builtins", "slice"), ("builtins", "bytearray"),
     ("_codecs", "encode")}
_PLAIN = (type(None), bool, int, float, complex, str, bytes, bytearray)


class UnsafePickleError(pickle.UnpicklingError):
    pass


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise UnsafePickleError(f"refused: the pickle asks for {module}.{name}, which a stage "
                                f"file never contains (only numpy arrays and plain types)")


def _check_plain(obj, depth=0):
    if depth > 50:
        raise UnsafePickleError("refused: nesting deeper than 50 levels")
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            for x in obj.flat:
                _check_plain(x, depth + 1)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for x in obj:
            _check_plain(x, depth + 1)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _check_plain(k, depth + 1)
            _check_plain(v, depth + 1)
    elif not isinstance(obj, _PLAIN + (np.generic, np.dtype)):
        raise UnsafePickleError(f"refused: a stage file holds a {type(obj).__name__}")


def safe_loads(data: bytes):
    obj = _SafeUnpickler(io.BytesIO(data)).load()
    _check_plain(obj)
    return obj


def stage_filename(stage: str, number: int | None = None) -> str:
    if not stage.replace("_", "").isalnum():
        raise ValueError(f"stage name {stage!r} must be letters, digits and _")
    return f"{number if number is not None else STAGE_NUMBERS.get(stage, 90):02d}_{stage}.pkl"


def save_stage(corpus_or_dir, stage: str, payload: dict, *, number: int | None = None) -> Path:
    """Write payload atomically (tmp file, fsync, rename) and record its digest in the catalog.

    payload: {"X": ndarray, "ids": ndarray, "labels": list, "meta": dict, ...}: plain types only.
    """
    _check_plain(payload)
    corpus = corpus_or_dir if hasattr(corpus_or_dir, "db") else None
    stages_dir = (corpus.root if corpus else Path(corpus_or_dir)) / "stages"
    stages_dir.mkdir(parents=True, exist_ok=True)
    dest = stages_dir / stage_filename(stage, number)
    data = pickle.dumps(payload, protocol=4)
    write_atomic(dest, data, tmp_prefix=".tmp-")
    if corpus is not None:
        from .catalog import now
        n = len(payload.get("ids", ())) if "ids" in payload else None
        with corpus.transaction():
            corpus.db.execute("INSERT OR REPLACE INTO stages VALUES (?,?,?,?,?)",
                              (stage, str(dest.relative_to(corpus.root)),
                               hashlib.sha256(data).hexdigest(), n, now()))
    return dest


def load_stage(path_or_corpus, stage: str | None = None) -> dict:
    """Load a stage file safely: load_stage("x/stages/02_faces.pkl") or load_stage(corpus, "faces").

    With a corpus (object or directory), the digest recorded when it was written must match.
    """
    expected = None
    if stage is None:
        path = Path(path_or_corpus)
    else:
        from .catalog import Corpus
        corpus = path_or_corpus if hasattr(path_or_corpus, "db") else \
            Corpus(path_or_corpus, create=False, readonly=True)
        row = corpus.db.execute("SELECT path, sha256 FROM stages WHERE name=?",
                                (stage,)).fetchone()
        if row is None:
            raise FileNotFoundError(f"no stage {stage!r} recorded in {corpus.root}")
        path, expected = corpus.root / row["path"], row["sha256"]
    data = Path(path).read_bytes()
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise UnsafePickleError(f"refused: {path} changed since the catalog recorded it")
    return safe_loads(data)
