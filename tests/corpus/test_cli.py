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


def test_print_json_writes_one_line_per_object():
    import io
    import json

    from corpus.cli import print_json
    out = io.StringIO()
    docs = [{"image": "été.jpg", "note": "two\nlines", "faces": [{"box": [1, 2, 3, 4]}]},
            {"error": "truncated"}]
    for d in docs:
        print_json(d, out)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == docs and "été" in lines[0]
