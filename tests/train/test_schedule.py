import math
import time

import pytest

from train.schedule import FLOOR, CosineSchedule, Planner


def state_with(epoch_seconds: list[float]) -> dict:
    return {"epoch": len(epoch_seconds), "plan": None,
            "history": [{"epoch": i + 1, "seconds": s} for i, s in enumerate(epoch_seconds)]}


def test_plan_fits_the_epochs_left_in_the_budget():
    # five epochs of 10 s (the first, with graph tracing, of 30 s) and 100 s already spent of
    # a 5-minute budget: 200 s left, minus the reserve for the final save -> 19 more epochs
    st = state_with([30, 10, 10, 10, 10])
    p = Planner(st, epochs=100, budget_min=5, started=time.perf_counter() - 100)
    assert p.epoch_estimate() == 10
    assert p.planned == 5 + int((300 - 100 - p.reserve(10)) // 10)
    assert Planner(st, epochs=12, budget_min=5, started=time.perf_counter() - 100).planned == 12
    assert Planner(st, epochs=100, budget_min=None, started=time.perf_counter()).planned == 100
    # the budget already spent: no epoch more
    assert Planner(st, epochs=100, budget_min=1, started=time.perf_counter() - 100).planned == 5


def test_resumed_plan_counts_the_earlier_commands_time():
    st = state_with([10, 10])
    st["plan"] = {"spent_s": 250.0}
    p = Planner(st, epochs=100, budget_min=5, started=time.perf_counter())
    assert p.planned == 2 + int((300 - 250 - p.reserve(10)) // 10)


def test_cosine_warms_up_then_decays_to_the_floor_at_the_planned_end():
    st = state_with([10, 10])
    planner = Planner(st, epochs=11, budget_min=None, started=time.perf_counter())
    c = CosineSchedule(0.01, steps=100, planner=planner)
    assert c.rate(0) == pytest.approx(0.01 / 100)                 # first step of warm-up
    assert c.rate(0.5) == pytest.approx(0.01 * 0.51)
    assert c.rate(1.0) == pytest.approx(0.01)                     # warm-up done: the peak
    assert c.rate(6.0) == pytest.approx(0.01 * (FLOOR + (1 - FLOOR) * 0.5))   # half-way
    assert c.rate(11.0) == pytest.approx(0.01 * FLOOR)
    assert c.rate(30.0) == pytest.approx(0.01 * FLOOR)            # never below the floor
    rates = [c.rate(t / 10) for t in range(10, 111)]
    assert all(a >= b for a, b in zip(rates, rates[1:]))
    planner.planned = 6                                           # a budget shortened the run
    assert c.rate(6.0) == pytest.approx(0.01 * FLOOR)
    # a fine-tuning phase: no warm-up, its own end
    f = CosineSchedule(0.001, steps=10, planner=planner, start_epoch=2, end_epoch=4,
                       warmup_epochs=0)
    assert f.rate(2) == pytest.approx(0.001) and f.rate(4) == pytest.approx(0.001 * FLOOR)
    assert f.rate(3) == pytest.approx(0.001 * (FLOOR + (1 - FLOOR) * 0.5 * (1 + math.cos(
        math.pi / 2))))
