"""Batches for fit, from uint8 face arrays in memory: every epoch a pure function of (seed, epoch).

Epoch E's order is a permutation drawn from numpy's generator seeded with (seed, E), and batch
b of it is augmented with the stateless seed (seed, E, b). Nothing carries over from one epoch
to the next, so a run resumed at epoch E (after a kill, or with --resume) sees exactly the
batches an uninterrupted run sees there. The dropout generators inside the model are reseeded
the same way by callbacks.ReseedModel.

The arrays come from the checked face cache (facecache.py): decoding is done once, not every
epoch, so the two cores spend the epoch on the model (bench/train.py measures the ratio to
Keras fed the same array directly).
"""
from __future__ import annotations

import numpy as np

from .augment import augment


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    return np.random.default_rng([seed, epoch]).permutation(n)


def batch_seed(seed: int, epoch: int, batch: int) -> np.ndarray:
    return np.array([(seed * 65537 + batch) % 2 ** 31, epoch], np.int32)


def train_batches(X: np.ndarray, labels, weights, n_classes: int, *, batch: int, seed: int,
                  epochs: range, augmentation: str = "faces"):
    """(x float32 [b,S,S,1], one-hot y, per-sample weight) for each epoch in `epochs`, in turn.

    X: uint8 [N, S, S]; labels: int [N]; weights: float [N] (class weights per sample).
    """
    import tensorflow as tf
    labels = np.asarray(labels, np.int32)
    weights = np.asarray(weights, np.float32)
    n, side = len(X), X.shape[1]
    steps = -(-n // batch)

    def gen():
        for epoch in epochs:
            order = epoch_order(n, seed, epoch)
            for b in range(steps):
                idx = order[b * batch:(b + 1) * batch]
                yield X[idx], labels[idx], weights[idx], batch_seed(seed, epoch, b)

    spec = (tf.TensorSpec((None, side, side), tf.uint8), tf.TensorSpec((None,), tf.int32),
            tf.TensorSpec((None,), tf.float32), tf.TensorSpec((2,), tf.int32))

    def prepare(x, y, w, s):
        x = augment(tf.cast(x, tf.float32)[..., None], s, augmentation)
        return x, tf.one_hot(y, n_classes), w

    ds = tf.data.Dataset.from_generator(gen, output_signature=spec).apply(
        tf.data.experimental.assert_cardinality(len(epochs) * steps))
    return _quiet(ds.map(prepare, num_parallel_calls=1).prefetch(2))


def eval_batches(X: np.ndarray, labels, n_classes: int, batch: int):
    """Validation batches in order, no augmentation."""
    import tensorflow as tf
    labels = np.asarray(labels, np.int32)
    ds = tf.data.Dataset.from_tensor_slices((X, labels)).batch(batch).map(
        lambda x, y: (tf.cast(x, tf.float32)[..., None], tf.one_hot(y, n_classes)))
    return _quiet(ds.prefetch(2))


def _quiet(ds):
    """AUTOTUNE off: with it, fit stalled 35-40 s at epoch boundaries here (SETUP-NOTES.md)."""
    import tensorflow as tf
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


def to_size(X: np.ndarray, size: int) -> np.ndarray:
    """uint8 [N, H, W] -> uint8 [N, size, size] with the kernel evaluation uses."""
    from .data import resize_gray
    if X.shape[1:3] == (size, size):
        return np.asarray(X, np.uint8)
    return np.stack([resize_gray(x, size)[..., 0] for x in X]).astype(np.uint8)
