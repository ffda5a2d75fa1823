"""`python -m scraper run` as a real subprocess: every class of a config, taxonomy extended."""
import argparse
import importlib
import socket
import subprocess

import pytest

from corpus import Corpus
from scraper.__main__ import COMMANDS

from .test_cmd_query import scraper


def test_run_scrapes_every_class_of_a_config(sandbox, tmp_path):
    cfg = tmp_path / "classes.toml"
    cfg.write_text('[classes.happy]\nqueries = ["joyful face", "laughing face"]\n'
                   '[classes.contempt]\nqueries = ["contemptuous face"]\n', encoding="utf-8")
    out = tmp_path / "c"
    proc = scraper("run", "--config", str(cfg), "--out", str(out), "--base-url", sandbox.url,
                   "--max-results", "6", "--queries-per-class", "1", "--no-progress",
                   stderr=subprocess.PIPE)
    text, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, text + err
    assert "TOTAL (2 queries): found 12" in text
    # Each query's line once, on stdout (issue 9: it was printed on stdout and stderr too).
    for head in ("[happy] 'joyful face': found 6", "[contempt] 'contemptuous face': found 6"):
        assert text.count(head) == 1 and head not in err, (text, err)
    assert "browsing google for 'joyful face'" in err       # progress notes: stderr
    with Corpus(out, create=False) as c:
        assert "contempt" in c.taxonomy.classes
        assert {i["label"] for i in c.items()} == {"happy", "contempt"}
        queries = {r[0] for r in c.db.execute("SELECT DISTINCT query FROM provenance")}
        assert queries == {"joyful face", "contemptuous face"}


def test_bad_config_exits_2_with_the_reason(tmp_path):
    cfg = tmp_path / "classes.toml"
    cfg.write_text("[classes.happy]\nqueries = []\n", encoding="utf-8")
    proc = scraper("run", "--config", str(cfg), "--out", str(tmp_path / "c"))
    text, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "non-empty list of query strings" in text
    assert not (tmp_path / "c").exists()                 # nothing created for a bad config


def test_nothing_listening_at_base_url_is_connection_refused(tmp_path):
    """Issue 9: port 9 with nothing there said "unrecognised page (layout change?)", exit 4."""
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=2).close()
        pytest.skip("something listens on 127.0.0.1:9 here")
    except ConnectionRefusedError:
        pass
    cfg = tmp_path / "classes.toml"
    cfg.write_text('[classes]\nhappy = ["joyful face"]\nsad = ["gloomy face"]\n', encoding="utf-8")
    proc = scraper("run", "--config", str(cfg), "--out", str(tmp_path / "c"),
                   "--base-url", "http://127.0.0.1:9", "--no-progress", stderr=subprocess.PIPE)
    text, err = proc.communicate(timeout=120)
    assert proc.returncode == 5, text + err
    assert "UNREACHABLE: the search site could not be reached: connection refused " \
           "(ERR_CONNECTION_REFUSED loading http://127.0.0.1:9/search?q=joyful+face" in text
    assert "[sad] 'gloomy face': FAILED (unreachable: connection refused" in text
    assert "unrecognised" not in text + err
    assert err.count("browsing google") == 1          # the second query did not try again


def test_every_command_accepts_no_progress():
    for name, (module, _) in COMMANDS.items():
        p = argparse.ArgumentParser()
        importlib.import_module(module).add_arguments(p)
        assert "--no-progress" in p._option_string_actions, name
