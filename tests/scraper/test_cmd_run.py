"""`python -m scraper run` as a real subprocess: every class of a config, taxonomy extended."""
from corpus import Corpus

from .test_cmd_query import scraper


def test_run_scrapes_every_class_of_a_config(sandbox, tmp_path):
    cfg = tmp_path / "classes.toml"
    cfg.write_text('[classes.happy]\nqueries = ["joyful face", "laughing face"]\n'
                   '[classes.contempt]\nqueries = ["contemptuous face"]\n', encoding="utf-8")
    out = tmp_path / "c"
    proc = scraper("run", "--config", str(cfg), "--out", str(out), "--base-url", sandbox.url,
                   "--max-results", "6", "--queries-per-class", "1", "--no-progress")
    text, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, text
    assert "TOTAL (2 queries): found 12" in text
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
