import io
import json
import os

import numpy as np
import pytest
from PIL import Image

from corpus import Corpus
from tests.train.test_data import png
from train.data import corpus_samples, iter_batches
from train.facecache import face_pixels, read_cache


@pytest.fixture
def small(tmp_path, shared_data):
    """6 FER2013 faces, one stored at 100 px (resized to 48 on the way in)."""
    c = Corpus(tmp_path / "c")
    files = sorted((shared_data / "fer2013_images" / "train" / "happy").glob("*.jpg"))[:6]
    for i, f in enumerate(files):
        c.add_bytes(png(f, 100 if i == 0 else None), fmt="PNG", kind="face", label="happy",
                    label_source="import", split="train")
    yield c
    c.close()


def test_cache_is_built_once_then_read_and_agrees_with_the_file_reader(small):
    samples = corpus_samples(small)
    x, bad, counts = face_pixels(small.root, samples, 48, log=print)
    assert bad == [] and counts == {"faces": 6, "from_cache": 0, "decoded": 6, "unusable": 0}
    assert x.shape == (6, 48, 48) and x.dtype == np.uint8
    # evaluate/score read files with iter_batches: the same pixels, resized face included
    idx, x_files, errors = next(iter_batches([s.path for s in samples], 48, batch=10))
    assert errors == [] and idx == list(range(6))
    np.testing.assert_array_equal(x, x_files[..., 0])
    # the second run reads the cache; a subset in another order too
    again, _, counts = face_pixels(small.root, samples[::-1][:4], 48)
    assert counts["from_cache"] == 4 and counts["decoded"] == 0
    np.testing.assert_array_equal(again, x[::-1][:4])


def test_damaged_cache_is_rebuilt_not_used(small):
    samples = corpus_samples(small)
    x, _, _ = face_pixels(small.root, samples, 48)
    meta = json.loads((small.root / "cache" / "faces-48.json").read_text())
    npy = small.root / "cache" / meta["array"]
    raw = bytearray(npy.read_bytes())
    raw[-5] ^= 0xFF                                       # one flipped byte in the pixels
    npy.write_bytes(bytes(raw))
    said = []
    assert len(read_cache(small.root, 48, log=said.append)[0]) == 0
    assert "does not match its recorded SHA-256" in said[0]
    again, _, counts = face_pixels(small.root, samples, 48, log=said.append)
    assert counts["decoded"] == 6
    np.testing.assert_array_equal(again, x)
    assert len(read_cache(small.root, 48)[0]) == 6        # rewritten whole


def test_changed_or_missing_face_files_are_caught_after_caching(small):
    samples = corpus_samples(small)
    face_pixels(small.root, samples, 48)
    # replaced by other (valid) image bytes: the catalog's SHA-256 no longer matches
    other = png(samples[2].path)
    Image.open(io.BytesIO(other)).rotate(90).save(samples[1].path, "PNG")
    os.unlink(samples[3].path)
    x, bad, counts = face_pixels(small.root, samples, 48)
    reasons = {s.item_id: r for s, r in bad}
    assert set(reasons) == {samples[1].item_id, samples[3].item_id}
    assert "SHA-256 differs" in reasons[samples[1].item_id]
    assert "missing" in reasons[samples[3].item_id]
    assert x.shape == (4, 48, 48) and counts["from_cache"] == 4
