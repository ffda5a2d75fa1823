"""Training-time augmentation of gray face batches, as a pure function of (seed, epoch, batch).

Every random number comes from a stateless generator keyed by the batch's own seed, so epoch
E's batches are the same whether the run got there uninterrupted or was killed and resumed
(stateful generators restart from the seed on resume and replay epoch 1: issue 9, item 3).

One projective transform per image does flip, rotation, scaling and shift in one resampling
pass (cheaper and sharper than four separate layers); brightness and contrast follow.
"""
from __future__ import annotations

import math

# name -> settings: flip (bool), rotate (max degrees), scale (max relative change), shift (max
# share of the side), brightness (max share of 255), contrast (max relative change)
AUGMENTATIONS = {
    "none": {},
    "flip": {"flip": True},
    "faces": {"flip": True, "rotate": 10.0, "scale": 0.1, "shift": 0.1, "brightness": 0.1,
              "contrast": 0.2},
}


def describe(name: str) -> str:
    s = AUGMENTATIONS[name]
    if not s:
        return "none"
    parts = ["horizontal flip"] if s.get("flip") else []
    parts += [f"{k} {v:g}" + (" deg" if k == "rotate" else "") for k, v in s.items()
              if k != "flip"]
    return ", ".join(parts)


def augment(x, seed, name: str):
    """x: float32 [n, S, S, 1] in 0..255; seed: int32 [2] tensor. Same seed, same output."""
    import tensorflow as tf
    s = AUGMENTATIONS[name]
    if not s:
        return x
    n, side = tf.shape(x)[0], tf.shape(x)[1]
    u = tf.random.stateless_uniform([n, 7], seed=seed) * 2.0 - 1.0     # each in -1..1
    if any(k in s for k in ("rotate", "scale", "shift")) or s.get("flip"):
        x = _affine(x, u, s, side)
    if s.get("brightness"):
        x = x + (u[:, 5] * s["brightness"] * 255.0)[:, None, None, None]
    if s.get("contrast"):
        mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
        x = (x - mean) * (1.0 + u[:, 6] * s["contrast"])[:, None, None, None] + mean
    return tf.clip_by_value(x, 0.0, 255.0)


def _affine(x, u, s, side):
    """Output pixel p samples the input at c + M (p - c) + t, M = rotation/scale . flip."""
    import tensorflow as tf
    f = tf.cast(side, tf.float32)
    angle = u[:, 0] * math.radians(s.get("rotate", 0.0))
    scale = 1.0 + u[:, 1] * s.get("scale", 0.0)
    tx, ty = u[:, 2] * s.get("shift", 0.0) * f, u[:, 3] * s.get("shift", 0.0) * f
    flip = tf.where(u[:, 4] < 0.0, -1.0, 1.0) if s.get("flip") else tf.ones_like(angle)
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    c = (f - 1.0) / 2.0
    a0, a1 = cos * flip, -sin
    b0, b1 = sin * flip, cos
    zero = tf.zeros_like(a0)
    transforms = tf.stack([a0, a1, c - a0 * c - a1 * c + tx,
                           b0, b1, c - b0 * c - b1 * c + ty, zero, zero], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=x, transforms=transforms, output_shape=tf.shape(x)[1:3], fill_value=0.0,
        interpolation="BILINEAR", fill_mode="REFLECT")
