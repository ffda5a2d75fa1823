import numpy as np
import pytest

from train.model import PRESETS, build, compile_model, load


@pytest.mark.parametrize("preset,size", [("tiny", 48), ("small", 100)])
def test_build_shapes_and_softmax(preset, size):
    model = build(5, size, preset=preset)
    assert model.input_shape == (None, size, size, 1) and model.output_shape == (None, 5)
    x = np.random.default_rng(0).integers(0, 256, (3, size, size, 1)).astype(np.float32)
    p = model.predict(x, verbose=0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_inference_is_deterministic():
    model = build(3, 48, preset="tiny")
    x = np.full((2, 48, 48, 1), 128, np.float32)
    a, b = model(x, training=False).numpy(), model(x, training=False).numpy()
    np.testing.assert_array_equal(a, b)       # dropout only in training; no augmentation inside


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_preset_builds_and_trains_a_step(preset):
    model = compile_model(build(7, 48, preset=preset, seed=3), label_smoothing=0.1)
    assert model.get_layer("features") is not None and model.output_shape == (None, 7)
    x = np.random.default_rng(2).integers(0, 256, (8, 48, 48, 1)).astype(np.float32)
    y = np.eye(7, dtype=np.float32)[np.arange(8) % 7]
    before = [w.copy() for w in model.get_weights()]
    loss, acc = model.train_on_batch(x, y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_save_load_roundtrip(tmp_path):
    model = compile_model(build(4, 48, preset="tiny"))
    x = np.random.default_rng(1).integers(0, 256, (2, 48, 48, 1)).astype(np.float32)
    model.train_on_batch(x, np.eye(4, dtype=np.float32)[[0, 3]])   # optimizer state to keep
    model.save(tmp_path / "m.keras")
    again = load(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert type(again.optimizer).__name__ == "RMSprop"
    assert int(again.optimizer.iterations.numpy()) == 1
    for a, b in zip(again.optimizer.variables, model.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_bad_settings():
    with pytest.raises(ValueError, match="unknown preset"):
        build(3, 48, preset="huge")
    with pytest.raises(ValueError, match="too small"):
        build(3, 8, preset="large")
    assert set(PRESETS) >= {"tiny", "small", "base", "vgg"}
