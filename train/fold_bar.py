"""A tqdm bar per crossval fold, over all of the fold's batches (epochs x steps).

One bar per fold rather than fit's bar per epoch: a 5-fold run has dozens of epochs, and what a
user wants to see is how far the fold (and, from its label, the run) has got.
"""
from __future__ import annotations

import sys

import keras
from tqdm import tqdm


class FoldBar(keras.callbacks.Callback):
    def __init__(self, label: str, enabled: bool = True):
        super().__init__()
        self.label, self.enabled, self.bar, self.steps = label, enabled, None, 0

    def on_train_begin(self, logs=None):
        self.steps = self.params.get("steps") or 0
        self.bar = tqdm(total=self.steps * (self.params.get("epochs") or 0), desc=self.label,
                        unit="batch", file=sys.stderr, dynamic_ncols=True,
                        disable=not self.enabled)

    def on_epoch_begin(self, epoch, logs=None):
        self.bar.n = epoch * self.steps          # a resumed fold starts part-way
        self.bar.set_postfix(epoch=epoch + 1)

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update(1)

    def on_epoch_end(self, epoch, logs=None):
        val = (logs or {}).get("val_accuracy")
        self.bar.set_postfix(epoch=epoch + 1, val_acc=f"{val:.3f}" if val is not None else "-")

    def on_train_end(self, logs=None):
        self.bar.close()
