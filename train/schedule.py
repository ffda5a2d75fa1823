"""How many epochs a run gets (--epochs, shortened by --time-budget) and its learning rate.

Planner: after each epoch it estimates the next epoch's duration (median of the last three,
train + validation) and stops the run cleanly when that epoch would not end inside the
budget; the epochs it still expects to fit are the plan. Time counts from the start of the
`train fit` command (decoding and model building included), and a resumed run adds the time
its earlier commands had spent up to their last checkpoint.

CosineSchedule: linear warm-up over the first epoch, then cosine decay to 1 % of the rate at
the planned last epoch. Set per batch from (epoch, batch), never from counters that a resume
could reset. Under a time budget the plan follows the measured epoch times, so the rate
reaches its floor as the budget ends rather than at --epochs.
"""
from __future__ import annotations

import math
import statistics
import time

import keras

SCHEDULES = ("cosine", "plateau")
FLOOR = 0.01


class Planner(keras.callbacks.Callback):
    def __init__(self, state: dict, epochs: int, budget_min: float | None, started: float):
        super().__init__()
        self.state, self.epochs, self.started = state, epochs, started
        self.budget_s = None if budget_min is None else budget_min * 60.0
        self.spent_before = float((state.get("plan") or {}).get("spent_s", 0.0))
        # (epoch, seconds) of every epoch so far; an invocation's first epoch includes graph
        # tracing, so it is dropped from the estimate once others exist
        self.seconds = [(h["epoch"], h["seconds"]) for h in state["history"]]
        self.first_epoch_here = state["epoch"] + 1
        self.stopped, self.t0 = False, None
        self.planned = self._plan(state["epoch"])

    def spent(self) -> float:
        return self.spent_before + time.perf_counter() - self.started

    def epoch_estimate(self) -> float | None:
        steady = [s for e, s in self.seconds if e != self.first_epoch_here]
        recent = (steady or [s for _, s in self.seconds])[-3:]
        return statistics.median(recent) if recent else None

    def _plan(self, done: int) -> int:
        est = self.epoch_estimate()
        if self.budget_s is None or est is None:
            return self.epochs
        fit_more = int(max(0.0, self.budget_s - self.spent() - self.reserve(est)) // est)
        return max(done, min(self.epochs, done + fit_more))

    @staticmethod
    def reserve(est: float) -> float:
        """Kept back for writing the checkpoint, the best model and the card."""
        return 5.0 + 0.05 * est

    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        self.seconds.append((done, time.perf_counter() - self.t0))
        self.planned = self._plan(done)
        if self.budget_s is not None and self.planned <= done < self.epochs:
            self.stopped = True
            self.model.stop_training = True

    def snapshot(self) -> dict:
        return {"planned_epochs": self.planned, "epochs": self.epochs,
                "budget_s": self.budget_s, "spent_s": round(self.spent(), 1)}


class CosineSchedule(keras.callbacks.Callback):
    def __init__(self, base_lr: float, steps: int, planner: Planner, *, start_epoch: int = 0,
                 end_epoch: int | None = None, warmup_epochs: float = 1.0):
        """end_epoch: where the decay ends; None: the planner's planned last epoch."""
        super().__init__()
        self.base, self.steps, self.planner = base_lr, steps, planner
        self.start, self.end, self.warmup = start_epoch, end_epoch, warmup_epochs
        self.epoch = start_epoch

    def rate(self, t: float) -> float:
        """The learning rate at t epochs into the run (fractional)."""
        into = t - self.start
        if into < self.warmup:
            return self.base * (into + 1.0 / self.steps) / self.warmup
        end = self.planner.planned if self.end is None else self.end
        span = max(end - self.start - self.warmup, 1e-9)
        p = min(1.0, (into - self.warmup) / span)
        return self.base * (FLOOR + (1 - FLOOR) * 0.5 * (1 + math.cos(math.pi * p)))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.model.optimizer.learning_rate = self.rate(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        if batch:
            self.model.optimizer.learning_rate = self.rate(self.epoch + batch / self.steps)
