"""A small real corpus with planted label noise, and a real crossval run on it (session-wide).

Shared by tests/train (crossval), tests/curate (issues) and tests/labeler (--order issues):
FER2013 happy/surprise/neutral faces with subjects shared across classes (so folds must keep
units whole), 12 labels flipped on purpose, one blank face, one scraped copy with another
label (a dedup conflict) and a look-alike pair (CK+ S130's anger peak, and a rescaled copy of it
that another dataset labels disgust); then a real
`curate dedup` and a real 3-fold tiny crossval.
"""
from __future__ import annotations

import io
import random
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image

EASY = ("happy", "surprise", "neutral")


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def build_noisy_corpus(root: Path, shared: Path, per_class: int = 40, flips: int = 12,
                       seed: int = 3) -> dict:
    from corpus import Corpus
    from curate.dedup.run import dedup
    c = Corpus(root)
    rng = random.Random(seed)
    ids, truth = [], {}
    for label in EASY:
        for f in sorted((shared / "fer2013_images" / "train" / label).glob("*.jpg"))[:per_class]:
            n = len(ids)
            iid, _ = c.add_bytes(_png(Image.open(f).convert("L")), fmt="PNG", kind="face",
                                 width=48, height=48, label=label, label_source="import",
                                 subject=f"p{n % 30}",       # ~4 faces per person, any class
                                 provenance={"source_dataset": "fer2013", "orig_name": f.name,
                                             "source_split": "train"})
            ids.append(iid)
            truth[iid] = label
    planted = rng.sample(ids, flips)
    for iid in planted:
        c.set_label(iid, rng.choice([x for x in EASY if x != truth[iid]]), source="import",
                    user="planter")
    blank, _ = c.add_bytes(_png(Image.new("L", (48, 48), 128)), fmt="PNG", kind="face",
                           width=48, height=48, label="happy", label_source="import",
                           provenance={"source_dataset": "blanks", "orig_name": "gray.png"})
    original = next(i for i in ids if i not in planted)
    copy_label = next(x for x in EASY if x != truth[original])
    copy, _ = c.add_bytes(_png(Image.open(c.path_of(original)).resize((96, 96))), fmt="PNG",
                          kind="face", width=96, height=96, label=copy_label,
                          label_source="query", provenance={"engine": "bing",
                                                            "query": f"{copy_label} face"})
    ck = shared / "ckplus48" / "CK+48"
    pair = []
    # Two trusted labels on one picture: a look-alike pair (dedup leaves it apart, reports it).
    # (S130's real disgust peak is no near copy of its anger peak: dedup's aligned check sees
    # the moved mouth, so it is not reported at all.)
    anger = Image.open(ck / "anger" / "S130_007_00000018.png").convert("L")
    for label, data, name in (("angry", _png(anger), "S130_007_00000018.png"),
                              ("disgust", _png(anger.resize((64, 64), Image.BICUBIC)),
                               "S130_007_00000018_64px.png")):
        iid, _ = c.add_bytes(data, fmt="PNG", kind="face", label=label, label_source="import",
                             subject="S130",
                             provenance={"source_dataset": "CK+48", "orig_name": name})
        pair.append(iid)
    dedup(c, sheet=False)
    c.close()
    return {"root": root, "ids": ids, "truth": truth, "planted": planted, "blank": blank,
            "original": original, "copy": copy, "copy_label": copy_label, "pair": pair}


@pytest.fixture(scope="session")
def noisy_template(shared_data, tmp_path_factory) -> dict:
    """The noisy corpus plus a finished 3-fold tiny crossval run on it (~30-60 s)."""
    from train.crossval import crossval
    info = build_noisy_corpus(tmp_path_factory.mktemp("noisy") / "corpus", shared_data)
    info["run"] = info["root"].parent / "runs" / "cv"
    info["card"] = crossval(info["root"], info["run"], folds=3, preset="tiny", epochs=4,
                            batch=32, patience=10, progress=False,
                            log=lambda m: print(m, file=sys.stderr))
    return info


@pytest.fixture
def noisy(noisy_template, tmp_path) -> dict:
    """A fresh copy of the noisy corpus (with its crossval predictions) for one test."""
    dest = tmp_path / "corpus"
    shutil.copytree(noisy_template["root"], dest)
    return {**noisy_template, "root": dest}
