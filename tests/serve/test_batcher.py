"""The micro-batcher: requests waiting together go to the model in one call, each gets its rows."""
import threading

import numpy as np
import pytest

from serve.batcher import MicroBatcher


class Recorder:
    """A model stand-in that records the batch sizes it was called with (the real model's
    batching is exercised by every server test; here the calls are what is checked)."""

    def __init__(self, fail=False):
        self.calls, self.fail = [], fail

    def __call__(self, x):
        self.calls.append(len(x))
        if self.fail:
            raise RuntimeError("model broke")
        return x.sum(axis=(1, 2)) * 10


def test_concurrent_requests_share_one_call():
    rec = Recorder()
    b = MicroBatcher(rec, window=5.0, max_items=8)      # the batch closes at 8 faces, not 5 s
    inputs = [np.full((2, 3, 1), i, np.float32) for i in range(4)]  # 4 requests x 2 faces
    futures = [None] * 4
    start = threading.Barrier(4)

    def client(i):
        start.wait()
        futures[i] = b.submit(inputs[i])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outs = [f.result(timeout=30) for f in futures]
    assert rec.calls == [8]
    for i, out in enumerate(outs):                      # each request gets its own rows back
        np.testing.assert_allclose(out, np.full(2, i * 30.0))
    assert b.stats.as_dict() == {"model_calls": 1, "requests": 4, "faces": 8, "largest_batch": 4}
    b.close()


def test_no_faces_never_reach_the_model_and_errors_reach_every_waiter():
    rec = Recorder(fail=True)
    b = MicroBatcher(rec, window=5.0, max_items=2)
    assert len(b.submit(np.zeros((0, 3, 1), np.float32)).result(timeout=5)) == 0
    f1, f2 = b.submit(np.ones((1, 3, 1))), b.submit(np.ones((1, 3, 1)))
    for f in (f1, f2):
        with pytest.raises(RuntimeError, match="model broke"):
            f.result(timeout=30)
    rec.fail = False
    assert b.submit(np.ones((2, 3, 1))).result(timeout=30).shape == (2,)   # it goes on
    b.close()
