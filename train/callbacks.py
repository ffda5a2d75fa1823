"""Keras callbacks for fit: a tqdm bar per epoch, and checkpoints a kill -9 cannot corrupt.

Resume needs more than the weights: the optimizer's state (inside the .keras file), the epoch,
the history so far, where EarlyStopping and ReduceLROnPlateau had got to (their counters are
reset by Keras at the start of every fit() call, so they are restored after that), and random
numbers that do not depend on how the run got to an epoch (ReseedModel, pipeline.py).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import keras
from tqdm import tqdm

from .card import write_json


def _float(v):
    return float(keras.ops.convert_to_numpy(v))


class TqdmProgress(keras.callbacks.Callback):
    def __init__(self, steps: int, epochs: int, enabled: bool = True):
        super().__init__()
        self.steps, self.epochs, self.enabled, self.bar = steps, epochs, enabled, None

    def on_epoch_begin(self, epoch, logs=None):
        if self.enabled:
            self.bar = tqdm(total=self.steps, desc=f"epoch {epoch + 1}/{self.epochs}",
                            unit="batch", file=sys.stderr, leave=True, dynamic_ncols=True)

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(1)
            if logs and batch % 5 == 0:
                self.bar.set_postfix(loss=f"{logs.get('loss', 0):.3f}",
                                     acc=f"{logs.get('accuracy', 0):.3f}", refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            logs = logs or {}
            self.bar.set_postfix({k: f"{v:.3f}" for k, v in logs.items()
                                  if k in ("loss", "accuracy", "val_loss", "val_accuracy")})
            self.bar.close()
            self.bar = None


class _Resumable:
    """Counters a Keras callback keeps in memory (patience used up, best value so far, and
    for the plateau its cooldown), saved in state.json each epoch and put back on --resume,
    so a resumed run stops and lowers the learning rate when an uninterrupted one would."""
    COUNTERS = {"wait": "wait", "best": "best"}

    def __init__(self, restored: dict | None = None, **kw):
        super().__init__(**kw)
        self.restored = restored

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        for key, attr in (self.COUNTERS.items() if self.restored else ()):
            setattr(self, attr, self.restored[key])

    def snapshot(self) -> dict:
        out = {key: getattr(self, attr) for key, attr in self.COUNTERS.items()}
        return {k: None if v is None else (float(v) if k == "best" else int(v))
                for k, v in out.items()}


class ResumableEarlyStopping(_Resumable, keras.callbacks.EarlyStopping):
    pass


class ResumablePlateau(_Resumable, keras.callbacks.ReduceLROnPlateau):
    COUNTERS = {"wait": "wait", "best": "best", "cooldown": "cooldown_counter"}


class ReseedModel(keras.callbacks.Callback):
    """Sets every random generator inside the model (dropout) to a state derived from its own
    seed and the epoch, at the start of each epoch. Keras saves these states in the .keras file
    but the counters also advance during validation and resume paths differ; deriving them
    from (seed, epoch) makes epoch E's dropout masks the same however the run got there."""
    STRIDE = 2 ** 20            # counter values reserved per epoch (one per training step)

    def on_epoch_begin(self, epoch, logs=None):
        import numpy as np
        for layer in self.model._flatten_layers(include_self=True, recursive=True):
            for gen in getattr(layer, "_seed_generators", ()):
                state = np.asarray(gen.state.numpy())
                gen.state.assign(np.array([state[0], epoch * self.STRIDE], state.dtype))


class AveragedWeights(keras.callbacks.SwapEMAWeights):
    """With `fit --ema`: the averaged weights are in the model while it is validated and
    saved (this callback must come before Checkpointer), the raw ones while it trains.

    So every checkpoint holds the averaged weights in the model and the raw ones in the
    optimizer's average slots. `in_model`: the model was loaded from such a checkpoint, so
    the first epoch swaps back before training. Keras's own end-of-run step, which copies
    the average over the raw weights after the planned last epoch, is skipped: it would make
    the last checkpoint differ from the others (and a run lengthened on --resume would then
    train on from the average); the saved model comes from the checkpoints either way."""

    def __init__(self, in_model: bool = False):
        super().__init__(swap_on_epoch=True)
        self._ema_weights_in_model = in_model

    def on_epoch_end(self, epoch, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True


class Checkpointer(keras.callbacks.Callback):
    """Each epoch: model+optimizer to epoch-NNN.keras, then state.json (the commit point).

    state.json is replaced atomically and names the checkpoint files it relies on, so after a
    kill at any moment the newest state.json and the files it names are whole and agree.
    Must come after the early-stopping and plateau callbacks in the list (it records them).
    """

    def __init__(self, ckpt_dir: Path, state: dict, early: ResumableEarlyStopping,
                 plateau: ResumablePlateau | None, planner, monitor: str = "val_accuracy"):
        super().__init__()
        self.dir, self.state, self.early, self.plateau = Path(ckpt_dir), state, early, plateau
        self.planner, self.monitor, self.lr = planner, monitor, None

    def on_epoch_begin(self, epoch, logs=None):
        # the rate this epoch ran with (ReduceLROnPlateau changes it in on_epoch_end)
        self.lr = _float(self.model.optimizer.learning_rate)
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        seconds = round(time.perf_counter() - self.t0, 3)      # train + validation passes
        done = epoch + 1
        name = f"epoch-{done:03d}.keras"
        tmp = self.dir / f".tmp-{name}"
        self.model.save(tmp)
        tmp.replace(self.dir / name)
        st = self.state
        st["history"].append({"epoch": done, **logs, "learning_rate": self.lr, "seconds": seconds})
        best = st.get("best")
        score = logs.get(self.monitor)
        if score is not None and (best is None or score > best[self.monitor]):
            st["best"] = {"epoch": done, "ckpt": name, self.monitor: score,
                          "val_loss": logs.get("val_loss")}
        st["epoch"], st["ckpt"] = done, name
        st["early"] = self.early.snapshot()
        st["plateau"] = self.plateau.snapshot() if self.plateau else None
        st["plan"] = self.planner.snapshot()
        if self.model.stop_training:
            st["stopped_by"] = ("early stopping" if self.early.wait >= self.early.patience
                                else "time budget")
        st["stopped_early"] = st.get("stopped_by") == "early stopping"
        write_json(self.dir / "state.json", st)
        prune(self.dir, st)


def prune(ckpt_dir: Path, state: dict) -> None:
    """Delete checkpoint files the state no longer names (and temp files of a killed save)."""
    keep = {state.get("ckpt"), (state.get("best") or {}).get("ckpt"), "state.json"}
    for p in Path(ckpt_dir).iterdir():
        stale = p.name.startswith(("epoch-", ".tmp-")) or p.name.endswith(".tmp")
        if p.name not in keep and stale:
            p.unlink(missing_ok=True)
