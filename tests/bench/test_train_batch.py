"""bench/train_batch.py: one real model per batch size, each trained for whole epochs, the
first size the ratios' baseline."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.train_batch import measure, models_by_batch  # noqa: E402


def test_each_batch_trains_its_own_model_for_the_timed_rounds():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (48, 48, 48), dtype=np.uint8)
    y = rng.integers(0, 7, 48).astype(np.int32)
    epochs = models_by_batch(x, y, 7, preset="tiny", batches=[16, 8], seed=1)
    assert list(epochs) == [16, 8]
    models = {b: go.__defaults__[0] for b, go in epochs.items()}
    assert models[16] is not models[8]
    res = measure(epochs, len(x), rounds=2, progress=False)
    assert list(res) == ["16", "8"]
    assert res["16"]["ratio"] == 1.0
    for r in res.values():
        assert len(r["epoch_seconds"]) == 2 and r["images_per_s"] > 0
    # rounds + 1 epochs each (the untimed first one included), of ceil(48 / batch) steps
    assert models[16].optimizer.iterations.numpy() == 3 * 3
    assert models[8].optimizer.iterations.numpy() == 3 * 6
