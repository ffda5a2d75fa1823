"""Token buckets, on a clock the test moves by hand."""
from serve.ratelimit import RateLimiter


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_burst_then_rate():
    clock = Clock()
    lim = RateLimiter(2.0, 3, clock=clock)
    assert [lim.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert lim.take("a") == 0.5                  # one token comes back every 1/rate s
    assert lim.take("b") == 0.0                  # buckets are per client
    clock.t += 0.5
    assert lim.take("a") == 0.0 and lim.take("a") > 0
    clock.t += 100
    assert [lim.take("a") for _ in range(4)][:3] == [0.0, 0.0, 0.0]   # refills to burst only
    assert RateLimiter.retry_after(0.2) == "1" and RateLimiter.retry_after(2.1) == "3"


def test_off_and_forgetting_idle_clients():
    assert RateLimiter(0, 1).take("x") == 0.0 and not RateLimiter(0, 1).enabled
    clock = Clock()
    lim = RateLimiter(1.0, 1, clock=clock, idle_forget=60)
    for n in range(100):
        lim.take(f"client{n}")
    clock.t += 61
    lim.take("late")
    assert set(lim._buckets) == {"late"}
