import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_every_package_lists_its_commands():
    for pkg, cmd in (("scraper", "parse"), ("curate", "dedup"), ("train", "evaluate")):
        out = _run(pkg, "--help")
        assert out.returncode == 0 and cmd in out.stdout


def test_not_a_corpus_is_one_clear_line_and_exit_2(tmp_path):
    out = _run("curate", "stats", str(tmp_path / "nothing"))
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"curate stats: {tmp_path / 'nothing'} is not a corpus (no catalog.sqlite); "
        f"create one with a scrape or an import first"]
    assert not (tmp_path / "nothing").exists()
