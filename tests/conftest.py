"""Fixtures shared by every test package. Real data comes from ../shared/data."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
ARTIFACTS = ROOT / "test-artifacts"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# the planted-noise corpus and its crossval run, shared by train, curate and labeler tests
from tests.noisy_corpus import noisy, noisy_template  # noqa: E402,F401


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (CI always has ../shared/data)")
    return SHARED_DATA


@pytest.fixture
def corpus(tmp_path):
    from corpus import Corpus
    c = Corpus(tmp_path / "corpus")
    yield c
    c.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests leave screenshots and PNGs a person should look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def dask_processes(tmp_path_factory):
    """A real `dask scheduler` + `dask worker --nworkers 2` on 127.0.0.1, shared by the
    cluster tests of every stage (starting one costs seconds on 2 cores)."""
    from tests.daskproc import DaskProcesses
    with DaskProcesses(tmp_path_factory.mktemp("dask"), nworkers=2) as procs:
        yield procs
