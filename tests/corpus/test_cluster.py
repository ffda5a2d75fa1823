"""corpus.cluster on real Dask clusters: specs, unreachable schedulers, workers that differ from
the driver, and an input that kills every worker that touches it."""
import os

import dask
import pytest

from corpus.cluster import ClusterError, ClusterSpec, connect, parse_cluster, run_batches


def test_specs():
    assert parse_cluster("local:3") == ClusterSpec(local=3)
    assert parse_cluster(" tcp://10.0.0.5:8786 ") == ClusterSpec(address="tcp://10.0.0.5:8786")
    for bad, says in (("local:0", "N >= 1"), ("local", "expected local:N"),
                      ("10.0.0.5:8786", "expected local:N"), ("/nope/s.json", "does not exist")):
        with pytest.raises(ClusterError, match=says):
            parse_cluster(bad)


def test_unreachable_scheduler_and_no_workers_are_clear_errors():
    from dask.distributed import Client, LocalCluster

    from corpus.cluster import LOCAL_HTTP
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:1"):
        with connect("tcp://127.0.0.1:1", timeout_s=1):
            pass
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None,
                      scheduler_port=0, scheduler_kwargs=LOCAL_HTTP) as empty:
        with pytest.raises(ClusterError, match="no Dask worker joined"):
            with connect(empty.scheduler_address, wait_s=1):
                pass
        # Workers that all go away mid-run: Dask would wait for ever, the run stops.
        with Client(empty, set_as_default=False) as client:
            with pytest.raises(ClusterError, match="has had no worker for 1 s"):
                list(run_batches(client, double, [[(1, 1)]], no_worker_s=1))


# Work functions run on the workers, which import them from this module by name.
def double(items):
    return [2 * x for x in items]


def pid_fingerprint():
    return {"pid": os.getpid()}


def die_on_13(items):
    if 13 in items:
        os._exit(1)             # a crash in native code looks like this to Dask
    return [-x for x in items]


def test_batches_come_back_per_item_and_a_differing_worker_stops_the_run(dask_processes):
    client = dask_processes.client()
    batches = [[(f"t{i}", i) for i in range(k, k + 3)] for k in range(0, 30, 3)]
    got = dict(run_batches(client, double, batches, window=2))
    assert got == {f"t{i}": 2 * i for i in range(30)}
    # A fingerprint that cannot match (each process has its own pid) stands in for a worker
    # with other library versions: the run stops before any of its results is used.
    with pytest.raises(ClusterError, match="a worker differs from this driver: pid: worker"):
        list(run_batches(client, double, batches, fingerprint=pid_fingerprint))


def test_an_input_that_kills_its_workers_is_pinned_down_and_the_rest_go_on():
    # Zero allowed failures: the first worker death fails the task (the default, 3, would
    # only take longer). The batch is split, the others finish, 13 alone comes back failed.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with connect("local:1") as client:
            batches = [[(i, i) for i in range(10, 16)]]
            got = dict(run_batches(client, die_on_13, batches))
    assert {k: v for k, v in got.items() if k != 13} == {i: -i for i in (10, 11, 12, 14, 15)}
    assert type(got[13]).__name__ == "KilledWorker"


def test_a_worker_that_cannot_import_the_work_says_so(dask_processes, tmp_path, monkeypatch):
    # A module only this process can import stands in for a worker started without ferkit.
    (tmp_path / "ferkit_nowhere.py").write_text("def work(items):\n    return items\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import ferkit_nowhere
    with pytest.raises(ClusterError, match="No module named 'ferkit_nowhere'.*PYTHONPATH"):
        list(run_batches(dask_processes.client(), ferkit_nowhere.work, [[(1, 1)]]))
