"""The GPU choice is a pure function, so it is tested here without a GPU; the float16 arithmetic
a GPU run uses is exercised for real on the CPU (slowly, on a tiny model)."""
import numpy as np
import pytest

from train.device import as_float32, choose


def test_gpu_gets_float16_and_a_larger_batch():
    p = choose(gpus=1, batch=64, lr=1e-3)
    assert (p.precision, p.batch) == ("float16", 256)
    assert p.lr == pytest.approx(2e-3) and "GPU" in p.why
    # a batch the user chose is kept
    assert choose(gpus=2, batch=32, lr=1e-3, batch_given=True).batch == 32
    # a CPU: bfloat16 where it has bfloat16 instructions, float32 otherwise or when asked
    assert choose(gpus=0, cpu_flags={"avx512_bf16", "avx2"}).precision == "bfloat16"
    assert "avx512_bf16" in choose(gpus=0, cpu_flags={"avx512_bf16"}).why
    assert choose(gpus=0, cpu_flags={"amx_bf16"}).precision == "bfloat16"
    assert choose(gpus=0, cpu_flags={"avx2", "avx512f"}).precision == "float32"
    assert choose(gpus=0, cpu_flags={"avx512_bf16"}, requested="float32").precision == "float32"
    assert choose(gpus=0, cpu_flags={"avx512_bf16"}, requested="bfloat16").precision == "bfloat16"
    assert choose(gpus=1, cpu_flags={"avx512_bf16"}).precision == "float16"      # GPU first
    with pytest.raises(ValueError, match="no bfloat16"):
        choose(gpus=0, cpu_flags={"avx2"}, requested="bfloat16")
    assert "slowly" in choose(gpus=0, requested="float16").why
    with pytest.raises(ValueError, match="unknown precision"):
        choose(gpus=0, requested="int8")


def test_mixed_precision_fit_resumes_and_saves_a_float32_model(fer_small, tmp_path):
    import keras

    from train.fit import fit
    from train.model import load
    kw = {"batch": 32, "preset": "tiny", "precision": "float16", "progress": False,
          "log": lambda m: None}
    fit(fer_small.root, tmp_path / "f16", epochs=1, **kw)
    card = fit(fer_small.root, tmp_path / "f16", epochs=2, resume=True, **kw)
    assert card["hyperparameters"]["precision"] == "float16"
    assert all(np.isfinite(h["loss"]) for h in card["history"])
    assert keras.mixed_precision.global_policy().name == "float32"      # put back after fit
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        ckpt = load(tmp_path / "f16" / "checkpoint" / "epoch-002.keras")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert type(ckpt.optimizer).__name__ == "LossScaleOptimizer"         # what a GPU run gets
    steps = -(-sum(card["data"]["counts"]["train"].values()) // 32)
    # resumed, not reset (loss scaling skips a step whose float16 gradients overflowed)
    assert 2 * steps - 3 <= int(ckpt.optimizer.iterations.numpy()) <= 2 * steps
    assert ckpt.get_layer(index=2).dtype_policy.name == "mixed_float16"
    model = load(tmp_path / "f16" / "model.keras")
    assert {layer.dtype_policy.name for layer in model.layers} == {"float32"}
    ckpt = load(tmp_path / "f16" / "checkpoint" / f"epoch-{card['metrics']['best_epoch']:03d}.keras",
                compile=False)
    x = np.random.default_rng(0).integers(0, 256, (3, 48, 48, 1)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(as_float32(ckpt)(x)), atol=1e-6)
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(ckpt(x)), atol=2e-2)
