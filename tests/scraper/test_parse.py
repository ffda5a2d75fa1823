"""`python -m scraper parse` on every saved page in ../shared/data/search_pages, as a user runs it."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.cmd_parse import parse_file

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["image_url", "thumbnail_url", "source_page", "title", "width", "height"]

# (engine, file under search_pages, exit code, result lines)
CASES = [
    ("bing", "bing/retrievalgo_bing_images_golang_gopher.html", 0, 47),
    ("bing", "bing/retrievalgo_bing_images_golang_gopher_pastyear.html", 0, 27),
    ("bing", "bing/phrona_bing_images_async_rust_programming.html", 0, 35),
    ("duckduckgo", "duckduckgo/phrona_duckduckgo_images_ijs_rust_programming.json", 0, 99),
    # The wrong engine for the markup: not recognised.
    ("bing", "duckduckgo/phrona_duckduckgo_images_ijs_rust_programming.json", 4, 0),
    ("bing", "google/aris_google_images_basic_html_papaya.html", 4, 0),
    ("duckduckgo", "bing/retrievalgo_bing_images_golang_gopher.html", 4, 0),
]
GOOGLE_CASES = [
    ("google", "google/aris_google_images_basic_html_papaya.html", 0, 20),
    ("google", "google/lyrus_google_images_js_challenge.html", 3, 0),
    ("google", "google/phrona_google_images_captcha_sorry_page.html", 3, 0),
]
if importlib.util.find_spec("scraper.engines.google") is not None:
    CASES += GOOGLE_CASES


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "scraper", "parse", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("engine,name,code,n", CASES, ids=[f"{c[0]}:{Path(c[1]).stem}" for c in CASES])
def test_cli_on_real_pages(shared_data, engine, name, code, n):
    proc = run_cli("--engine", engine, shared_data / "search_pages" / name)
    assert proc.returncode == code, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == n
    for line in lines:
        row = json.loads(line)
        assert list(row) == KEYS and (row["image_url"] or row["thumbnail_url"])
    if code:
        # One line saying why, on stderr; nothing on stdout.
        assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1
        assert ("blocked" if code == 3 else "unrecognised") in proc.stderr


def test_cli_block_page_exit_3(tmp_path):
    page = tmp_path / "captcha.html"
    page.write_text("<html><body><h1>One last step</h1>Please solve the challenge below to "
                    "continue</body></html>")
    proc = run_cli("--engine", "bing", page)
    assert proc.returncode == 3 and "captcha" in proc.stderr


def test_cli_output_matches_the_function(shared_data):
    path = shared_data / "search_pages" / "bing" / "phrona_bing_images_async_rust_programming.html"
    rows = [json.loads(line) for line in run_cli("--engine", "bing", path).stdout.splitlines()]
    assert rows == [r.to_dict() for r in parse_file("bing", path)]


def test_cli_reads_stdin(shared_data):
    path = shared_data / "search_pages" / "duckduckgo" / "phrona_duckduckgo_images_ijs_rust_programming.json"
    proc = subprocess.run([sys.executable, "-m", "scraper", "parse", "--engine", "duckduckgo", "-"],
                          cwd=ROOT, input=path.read_bytes(), capture_output=True, timeout=60)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 99


def test_cli_bad_arguments(tmp_path):
    missing = run_cli("--engine", "bing", tmp_path / "nope.html")
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert run_cli("--engine", "altavista", tmp_path / "nope.html").returncode == 2
