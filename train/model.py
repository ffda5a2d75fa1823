"""The expression CNNs: a registry of presets, each a family of conv blocks plus a dense head.

Families:
- "plain": conv-BN-ReLU x2, max-pool, dropout per block (widths double each block), then
  flatten, dense-BN-ReLU, dropout 0.5, softmax. tiny/small/base/large.
- "vgg": the same blocks four deep (48 -> 3 px), dropout rising with depth (deeper features
  over-fit first on 28k faces), same head. "vgg-light": the same with half the dropout.
  Issue 11's full-data runs and their figures: docs/train.md.
A depthwise-separable (mini-Xception-like) family was measured and left out: on this CPU its
depthwise convolutions trained 3.5x slower per image than the vgg preset (docs/train.md).

Pixel scaling is a layer of the model, so the saved .keras file takes plain 0..255 gray faces
and every caller (fit, evaluate, predict, score, the benchmark's baseline) feeds it the same
thing. Augmentation happens before the model (augment.py), seeded per epoch and batch.
The layer named "features" ends the convolutional base: `fit --init` keeps everything up to
it and replaces what follows when the classes differ (transfer.py).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    family: str
    widths: tuple           # filters per block
    dense: int
    dropout: tuple          # per block
    about: str
    head_dropout: float = 0.5


PRESETS = {
    "tiny": Preset("plain", (8, 16), 32, (0.25,) * 2, "tests and the demo: seconds per epoch"),
    "small": Preset("plain", (16, 32, 64), 64, (0.25,) * 3, "quick runs"),
    "base": Preset("plain", (32, 64, 128), 128, (0.25,) * 3,
                   "the first wave's network (879 k parameters at 48 px)"),
    "large": Preset("plain", (64, 128, 256, 512), 256, (0.25,) * 4, "wide plain blocks"),
    "vgg": Preset("vgg", (32, 64, 128, 256), 256, (0.1, 0.2, 0.3, 0.4),
                  "VGG-style, 4 blocks; FER2013 at 48 px (docs/train.md)"),
    # run 3 of the vgg preset ended its 88 minutes still under-fitting (augmented train
    # accuracy 0.68, validation 0.66, both rising): the same blocks with half the dropout
    "vgg-light": Preset("vgg", (32, 64, 128, 256), 256, (0.05, 0.1, 0.15, 0.2),
                        "vgg with half the dropout, for short (CPU) budgets (docs/train.md)",
                        head_dropout=0.3),
}
FEATURES = "features"          # name of the layer that ends the convolutional base


def build(n_classes: int, size: int, *, preset: str = "base", seed: int = 1234):
    import keras
    from keras import layers
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    p = PRESETS[preset]
    if size < 2 ** len(p.widths) * 2:
        raise ValueError(f"input size {size} too small for {len(p.widths)} pooling blocks")
    inp = keras.Input((size, size, 1), name="face")
    x = layers.Rescaling(1.0 / 255)(inp)
    for b, (filters, drop) in enumerate(zip(p.widths, p.dropout)):
        for _ in range(2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(momentum=0.9)(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(drop, seed=seed + 10 + b)(x)
    x = layers.Flatten(name=FEATURES)(x)
    return keras.Model(inp, head(x, n_classes, p.dense, seed, p.head_dropout),
                       name=f"ferkit_{preset}_{size}")


def head(features, n_classes: int, dense: int, seed: int, dropout: float = 0.5):
    """dense-BN-ReLU, dropout, softmax (kept float32 under mixed precision)."""
    from keras import layers
    x = layers.Dense(dense, use_bias=False, name="head_dense")(features)
    x = layers.BatchNormalization(momentum=0.9, name="head_bn")(x)
    x = layers.ReLU(name="head_relu")(x)
    x = layers.Dropout(dropout, seed=seed + 99, name="head_dropout")(x)
    return layers.Dense(n_classes, activation="softmax", dtype="float32", name="probs")(x)


def compile_model(model, lr: float = 1e-3, label_smoothing: float = 0.0,
                  ema: float | None = None):
    """RMSProp (the product's optimizer) on one-hot targets, so labels can be smoothed.
    ema: keep an exponential moving average of the weights with this momentum per step
    (Keras's optimizer does it; callbacks.AveragedWeights swaps it in to validate and save)."""
    import keras
    averaging = {"use_ema": True, "ema_momentum": ema} if ema is not None else {}
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=lr, **averaging),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
                  metrics=["accuracy"])
    return model


def load(path, compile: bool = True):
    import keras
    return keras.models.load_model(path, compile=compile)
