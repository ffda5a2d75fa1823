"""The trained model as one compiled function over a batch of faces.

Faces arrive at the serving corpus's face size (they are stored as `curate extract` stores
them) and reach the model through train.data.as_trained: brought to the training corpus's
face size when the two differ, then resized with the kernel training used, so the model sees
a web face the way it saw its training faces. The function is traced once for
any batch size (input_signature with a free batch dimension): a plain call would run layer by
layer in eager mode, and predict_on_batch retraces for every new face count.
"""
from __future__ import annotations

import numpy as np


class Classifier:
    def __init__(self, model_path):
        import tensorflow as tf

        from train.card import load_model
        from train.data import face_size_of

        self.model, self.card = load_model(model_path)
        self.classes: list[str] = list(self.card["classes"])
        self.size = int(self.card["input_size"])
        self.face_size = face_size_of(self.card)     # the training faces' side
        self.name = self.card.get("name") or "model"
        spec = tf.TensorSpec([None, self.size, self.size, 1], tf.float32)
        self._fn = tf.function(lambda x: self.model(x, training=False), input_signature=[spec])
        self(np.zeros((1, self.size, self.size, 1), np.float32))      # trace now, not on a request

    def prepare(self, crops: list[np.ndarray]) -> np.ndarray:
        """uint8 gray crops (any size) -> float32 N x size x size x 1 in 0..255."""
        from train.data import as_trained
        out = np.empty((len(crops), self.size, self.size, 1), np.float32)
        for i, c in enumerate(crops):
            out[i] = as_trained(c, self.size, self.face_size)
        return out

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._fn(x))

    def info(self) -> dict:
        card = self.card
        return {"name": self.name, "classes": self.classes, "input_size": self.size,
                "six_class": bool(card.get("six_class")), "preset": card.get("preset"),
                "params": card.get("params"), "written_at": card.get("written_at"),
                "metrics": card.get("metrics") or {}, "extractor": card.get("extractor")}
