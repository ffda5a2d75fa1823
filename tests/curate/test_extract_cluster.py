"""`curate extract --cluster` on real Dask clusters: the same faces and byte-identical crops as
the local pool, a worker killed mid-run, the driver killed and rerun, undecodable images."""
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from corpus import Corpus
from curate.extract import pending_images, run_extract

from .extract_run import start_until_committed

ROOT = Path(__file__).resolve().parents[2]


def photo_files(shared_data):
    """Every photo, with the truncated JPEG (undecodable) and the tiny animated GIF."""
    return [p for p in sorted((shared_data / "photos").glob("*/*"))
            if p.suffix not in (".mp4", ".md")]


def new_corpus(root: Path, shared_data) -> Corpus:
    c = Corpus(root)
    for p in photo_files(shared_data):
        c.add_bytes(p.read_bytes(), label="happy", label_source="query",
                    provenance={"engine": "bing", "query": "happy", "image_url": f"http://h/{p.name}"})
    return c


def snapshot(c: Corpus) -> dict:
    """Everything a user sees of an extraction, keyed by content (item ids may differ)."""
    sha = dict(c.db.execute("SELECT id, sha256 FROM items"))
    images = {}
    for r in c.db.execute("SELECT i.*, e.outcome, e.n_faces, e.n_small, e.reason AS why"
                          " FROM items i JOIN extractions e ON e.image_id = i.id"):
        faces = tuple(
            (f["idx"], f["left"], f["top"], f["right"], f["bottom"], f["score"], f["landmarks"],
             f["rotation"], sha[f["face_id"]])
            for f in c.db.execute("SELECT * FROM faces WHERE image_id=? ORDER BY idx", (r["id"],)))
        images[r["sha256"]] = (r["status"], r["reason"], r["outcome"], r["n_faces"],
                               r["n_small"], r["why"], faces)
    crops = {f["sha256"]: (c.path_of(f).read_bytes(), f["status"], f["reason"], f["label"],
                           f["label_source"], sha[f["parent_id"]], f["meta"])
             for f in c.items(kind="face", status=None)}
    return {"images": images, "crops": crops}


def check_once_each(c: Corpus, n_images: int) -> None:
    """Nothing lost, nothing stored twice."""
    assert not pending_images(c)
    rows = c.db.execute("SELECT image_id, COUNT(*) FROM extractions GROUP BY image_id").fetchall()
    assert len(rows) == n_images and all(n == 1 for _, n in rows)
    n_face_rows = c.db.execute("SELECT COUNT(*) FROM faces").fetchone()[0]
    assert n_face_rows == c.db.execute("SELECT SUM(n_faces + n_small) FROM extractions").fetchone()[0]
    assert c.count(kind="face", status=None) == c.db.execute(
        "SELECT COUNT(DISTINCT face_id) FROM faces").fetchone()[0]
    assert c.db.execute("SELECT COUNT(*) FROM provenance p JOIN items i ON i.id = p.item_id"
                        " WHERE i.kind='face'").fetchone()[0] == c.count(kind="face", status=None)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, shared_data):
    """The local 2-process pool's result on the real photos."""
    c = new_corpus(tmp_path_factory.mktemp("ref") / "c", shared_data)
    run_extract(c, workers=2, batch=4, progress=False, write_stage=False)
    snap = snapshot(c)
    c.close()
    assert len(snap["images"]) == len(photo_files(shared_data)) and len(snap["crops"]) >= 20
    return snap


def test_local_cluster_gives_the_local_faces_byte_for_byte(tmp_path, shared_data, reference):
    c = new_corpus(tmp_path / "c", shared_data)
    stats = run_extract(c, cluster="local:2", batch=4, progress=False)
    snap = snapshot(c)
    assert snap == reference
    assert stats.errors == 1 and stats.images == len(photo_files(shared_data))
    check_once_each(c, stats.images)
    # The undecodable JPEG is recorded as the local path records it: failed, with the reason.
    bad = c.db.execute("SELECT i.status, i.reason, e.outcome FROM items i JOIN extractions e"
                       " ON e.image_id = i.id WHERE e.outcome='error'").fetchone()
    assert bad["status"] == "failed" and "Truncated" in bad["reason"]
    assert (c.root / "stages/02_faces.pkl").is_file()
    c.close()


def test_scheduler_and_worker_processes_with_shared_paths(tmp_path, shared_data, reference,
                                                          dask_processes):
    """send="paths": the workers read the images and write the crops in the corpus folder
    themselves (same machine here, so the folder is 'shared'); the driver only records rows."""
    c = new_corpus(tmp_path / "c", shared_data)
    stats = run_extract(c, cluster=dask_processes.address, send="paths", batch=4,
                        progress=False, write_stage=False)
    assert snapshot(c) == reference
    check_once_each(c, stats.images)
    assert list((c.root / "tmp").glob("worker-*")), "the workers did not write the crops"
    c.close()


def test_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path, shared_data, reference,
                                                            dask_processes):
    c = new_corpus(tmp_path / "c", shared_data)
    n_images = c.count(kind="image")
    # mid-task: the worker holds an extract task when it is killed
    stats, killed = dask_processes.run_killing_a_worker(
        lambda: run_extract(c, cluster=dask_processes.address, batch=2, progress=False,
                            write_stage=False), "ferkit-extract")
    assert snapshot(c) == reference
    check_once_each(c, n_images)
    assert stats.images == n_images
    dask_processes.wait_for_workers()       # the nanny started a new worker process
    assert killed not in dask_processes.worker_pids().values()
    c.close()


def test_driver_killed_then_rerun_resumes_where_the_catalog_says(tmp_path, shared_data,
                                                                 reference, dask_processes):
    root = tmp_path / "c"
    c = new_corpus(root, shared_data)
    n_images = c.count(kind="image")
    c.close()
    proc, done_at_kill = start_until_committed(
        root, ["--cluster", "local:2", "--batch", "2", "--no-progress"], 2,
        stderr=subprocess.PIPE)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)          # the driver only: no clean-up, no goodbye
    proc.wait()
    assert 2 <= done_at_kill < n_images, ("the kill must land mid-run", proc.stderr.read())
    # Its local cluster's worker processes notice and exit: nothing is left running.
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
    c = Corpus(root, create=False)
    mid = c.db.execute("SELECT COUNT(*) FROM extractions").fetchone()[0]
    stats = run_extract(c, cluster=dask_processes.address, progress=False, write_stage=False)
    assert stats.images == n_images - mid and stats.skipped_done == mid
    assert snapshot(c) == reference
    check_once_each(c, n_images)
    c.close()


def test_cli_refuses_a_bad_cluster_spec(tmp_path):
    root = tmp_path / "c"
    Corpus(root).close()
    res = subprocess.run([sys.executable, "-m", "curate", "extract", str(root), "--cluster",
                          "local:0"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "local:N needs N >= 1" in res.stderr
