"""Small real corpora cut from ../shared/data/fer2013_images, and one tiny model trained on one.

Built with Corpus.add_bytes directly (kind 'face', gray PNG, label_source 'import'):
train/ -> train or val by a seeded shuffle, test/ -> test, as curate's importer and split do.
"""
import io
import random
import sys
from pathlib import Path

import pytest
from PIL import Image

from corpus import Corpus

EASY = ("happy", "surprise", "neutral")


def build_fer_corpus(root: Path, shared: Path, classes=EASY, n_train=250, n_test=40,
                     seed=7, val_fraction=0.15) -> Corpus:
    c = Corpus(root)
    c.set_meta("face_size", 48)
    rng = random.Random(seed)
    for part, n in (("train", n_train), ("test", n_test)):
        for label in classes:
            files = sorted((shared / "fer2013_images" / part / label).glob("*.jpg"))[:n]
            for f in files:
                buf = io.BytesIO()
                Image.open(f).convert("L").save(buf, "PNG")
                split = part if part == "test" else ("val" if rng.random() < val_fraction
                                                     else "train")
                c.add_bytes(buf.getvalue(), fmt="PNG", kind="face", width=48, height=48,
                            label=label, label_source="import", split=split,
                            provenance={"source_dataset": "fer2013", "orig_name": f.name,
                                        "source_split": part})
    return c


@pytest.fixture(scope="session")
def fer_small(shared_data, tmp_path_factory):
    """~750 train/val + 120 test faces of happy/surprise/neutral (FER2013's easier classes)."""
    c = build_fer_corpus(tmp_path_factory.mktemp("fer") / "corpus", shared_data)
    yield c
    c.close()


@pytest.fixture(scope="session")
def fer_run(fer_small, tmp_path_factory):
    """A small model really fitted for 10 epochs (~25 s on 2 cores): (run dir, card)."""
    from train.fit import fit
    out = tmp_path_factory.mktemp("runs") / "small48"
    card = fit(fer_small.root, out, size=48, epochs=10, batch=32, preset="small",
               patience=10, progress=False, log=lambda m: print(m, file=sys.stderr))
    return out, card
