"""Which arithmetic and batch size training uses on this machine (GPU, or CPU with or without bf16).

`choose()` is a pure function of what the machine has, so the choice a GPU machine makes is
tested on any machine; `detect()` looks at the real one, `apply()` sets Keras's global policy.

- A GPU: float16 mixed precision (Keras keeps float32 master weights and scales the loss) and
  a 4x larger batch with the learning rate scaled by the same factor's square root, so the
  GPU is kept busy and the run stays close to the CPU recipe.
- A CPU with bfloat16 instructions (avx512_bf16, as on some of this project's AMD EPYC
  machines, or Intel's AMX): bfloat16 mixed precision. It trained 1.32-1.38x faster than
  float32 there and as well per epoch (docs/train.md, issue 11 runs 1-3).
- Anything else: float32. `--precision float16` still works on a CPU (slowly): that is how the
  GPU's arithmetic is tested on machines without one.
The saved model.keras is always float32, so it runs the same on a machine without either.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

PRECISIONS = {"float32": "float32", "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}
GPU_BATCH_FACTOR = 4
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})      # /proc/cpuinfo flags


@dataclass(frozen=True)
class Plan:
    precision: str          # a key of PRECISIONS
    batch: int
    lr: float
    why: str

    def as_dict(self) -> dict:
        return asdict(self)


def choose(*, gpus: int, cpu_flags: frozenset | set = frozenset(), requested: str = "auto",
           batch: int = 64, lr: float = 1e-3, batch_given: bool = False) -> Plan:
    """The precision, batch and learning rate a run uses; `batch_given`: the user chose it."""
    if requested not in ("auto", *PRECISIONS):
        raise ValueError(f"unknown precision {requested!r}; choose auto, "
                         f"{', '.join(PRECISIONS)}")
    bf16 = sorted(BF16_FLAGS & set(cpu_flags))
    if requested == "bfloat16" and not gpus and not bf16:
        raise ValueError("this CPU has no bfloat16 instructions (avx512_bf16 or amx_bf16): "
                         "bfloat16 would be emulated and slow; use float32")
    if gpus and requested == "auto":
        factor = 1 if batch_given else GPU_BATCH_FACTOR
        return Plan("float16", batch * factor, lr * factor ** 0.5,
                    f"{gpus} GPU(s): float16 mixed precision"
                    + ("" if batch_given else f", batch x{factor}, learning rate "
                                              f"x{factor ** 0.5:g}"))
    if requested == "auto" and not gpus and bf16:
        return Plan("bfloat16", batch, lr, f"no GPU, a CPU with bfloat16 instructions "
                                           f"({', '.join(bf16)}): bfloat16 mixed precision")
    if requested == "auto":
        return Plan("float32", batch, lr, "no GPU: float32")
    note = " (no GPU: float16 runs emulated on the CPU, slowly)" \
        if requested == "float16" and not gpus else ""
    return Plan(requested, batch, lr, f"precision {requested} as asked{note}")


def cpu_flags() -> frozenset:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def gpu_count() -> int:
    import tensorflow as tf
    return len(tf.config.list_physical_devices("GPU"))


def apply(plan: Plan) -> None:
    import keras
    keras.mixed_precision.set_global_policy(PRECISIONS[plan.precision])


def as_float32(model):
    """A float32 copy of a mixed-precision model (same layers, same weights)."""
    if all(layer.dtype_policy.name == "float32" for layer in model.layers):
        return model
    config = _float32_config(model.get_config())
    copy = model.__class__.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def _float32_config(obj):
    if isinstance(obj, dict):
        if obj.get("class_name") == "DTypePolicy" and isinstance(obj.get("config"), dict):
            return {**obj, "config": {**obj["config"], "name": "float32"}}
        return {k: _float32_config(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_float32_config(v) for v in obj]
    if obj in ("mixed_float16", "mixed_bfloat16"):
        return "float32"
    return obj
