"""The expression CNN: conv blocks (conv-BN-ReLU x2, max-pool, dropout), a dense head, softmax.

Pixel scaling and augmentation are layers of the model, so the saved .keras file takes plain
0..255 gray faces and every caller (fit, evaluate, predict, score, the benchmark's in-RAM
baseline) feeds it the same thing; augmentation layers are inactive outside training.
"""
from __future__ import annotations

# Presets name a size of network; "tiny" keeps tests and the demo to seconds per epoch.
PRESETS = {
    "tiny": {"width": 8, "blocks": 2, "dense": 32},
    "small": {"width": 16, "blocks": 3, "dense": 64},
    "base": {"width": 32, "blocks": 3, "dense": 128},
    "large": {"width": 64, "blocks": 4, "dense": 256},
}


def augmentation(seed: int):
    """Flip, small rotation/shift/zoom, brightness/contrast: what a face crop can vary by."""
    import keras
    from keras import layers
    return keras.Sequential([
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomRotation(0.03, fill_mode="nearest", seed=seed + 1),     # about +-11 degrees
        layers.RandomTranslation(0.08, 0.08, fill_mode="nearest", seed=seed + 2),
        layers.RandomZoom(0.1, fill_mode="nearest", seed=seed + 3),
        layers.RandomBrightness(0.1, value_range=(0.0, 1.0), seed=seed + 4),
        layers.RandomContrast(0.2, seed=seed + 5),
    ], name="augment")


def build(n_classes: int, size: int, *, preset: str = "base", dropout: float = 0.25,
          seed: int = 1234, augment: bool = True):
    import keras
    from keras import layers
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    p = PRESETS[preset]
    if size < 2 ** p["blocks"] * 2:
        raise ValueError(f"input size {size} too small for {p['blocks']} pooling blocks")
    inp = keras.Input((size, size, 1), name="face")
    x = layers.Rescaling(1.0 / 255)(inp)
    if augment:
        x = augmentation(seed)(x)
    for b in range(p["blocks"]):
        filters = p["width"] * 2 ** b
        for _ in range(2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(momentum=0.9)(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(dropout, seed=seed + 10 + b)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(p["dense"], use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(0.5, seed=seed + 99)(x)
    out = layers.Dense(n_classes, activation="softmax", name="probs")(x)
    return keras.Model(inp, out, name=f"ferkit_{preset}_{size}")


def compile_model(model, lr: float = 1e-3):
    import keras
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=lr),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def load(path):
    import keras
    return keras.models.load_model(path)
