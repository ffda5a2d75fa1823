import json

import pytest

from train.card import CardError, locate, read_json, write_json


def test_write_json_is_atomic_and_leaves_no_temp(tmp_path):
    p = write_json(tmp_path / "d" / "x.json", {"a": [1, 2]})
    assert read_json(p) == {"a": [1, 2]}
    write_json(p, {"a": 3})
    assert json.loads(p.read_text()) == {"a": 3}
    assert [f.name for f in p.parent.iterdir()] == ["x.json"]


def test_write_json_failure_keeps_the_old_file(tmp_path):
    p = write_json(tmp_path / "x.json", {"ok": 1})
    with pytest.raises(TypeError):
        write_json(p, {"bad": object()})
    assert read_json(p) == {"ok": 1}
    assert [f.name for f in tmp_path.iterdir()] == ["x.json"]


def test_locate_errors_say_what_is_missing(tmp_path):
    with pytest.raises(CardError, match="no model here"):
        locate(tmp_path)
    (tmp_path / "model.keras").write_bytes(b"x")
    with pytest.raises(CardError, match="model_card.json"):
        locate(tmp_path)
    write_json(tmp_path / "model_card.json", {"classes": ["a", "b"]})
    with pytest.raises(CardError, match="input_size"):
        locate(tmp_path / "model.keras")
    write_json(tmp_path / "model_card.json", {"classes": ["a", "b"], "input_size": 48})
    model_file, card = locate(tmp_path)
    assert model_file == tmp_path / "model.keras" and card["input_size"] == 48
