"""The classes TOML file: the shipped classes.toml and clear errors for bad files."""
from pathlib import Path

import pytest

from corpus import FER_CLASSES
from scraper.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_config_has_the_7_fer_classes_with_several_queries():
    cfg = load_config(ROOT / "classes.toml")
    assert cfg.class_names == list(FER_CLASSES)
    assert all(len(c.queries) >= 3 for c in cfg.classes)
    assert cfg.defaults["engine"] == "google"
    queries = [q for c in cfg.classes for q in c.queries]
    assert len(queries) == len(set(queries))


def test_short_form_select_and_duplicate_queries():
    cfg = parse_config({"classes": {"happy": ["a  b", "A B", "c"], "sad": {"queries": ["d"]}}})
    assert [(c.name, c.queries) for c in cfg.classes] == [("happy", ["a b", "c"]), ("sad", ["d"])]
    assert cfg.select(["sad"]).class_names == ["sad"]
    with pytest.raises(ConfigError, match="angry"):
        cfg.select(["angry"])


@pytest.mark.parametrize("text, message", [
    ("", "no \\[classes"),
    ("[classes.happy]\nqueries = []\n", "non-empty list"),
    ("[classes.happy]\nqueries = [1]\n", "non-empty list"),
    ("[defaults]\nspeed = 3\n[classes]\nhappy = ['x']\n", "unknown default"),
    ("[defaults]\nmax_results = 'many'\n[classes]\nhappy = ['x']\n", "must be int"),
    ("[classes\nhappy", "not valid TOML"),
    ("[classes.\"../evil\"]\nqueries = ['x']\n", "not usable"),
])
def test_bad_files_say_why(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such classes file"):
        load_config(tmp_path / "absent.toml")
