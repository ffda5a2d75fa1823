from train.callbacks import prune


def test_prune_keeps_what_the_state_names(tmp_path):
    for name in ("epoch-001.keras", "epoch-002.keras", "epoch-003.keras", ".tmp-epoch-004.keras",
                 ".state.json.abc.tmp", "state.json", "notes.txt"):
        (tmp_path / name).write_text("x")
    prune(tmp_path, {"ckpt": "epoch-003.keras", "best": {"ckpt": "epoch-001.keras"}})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "epoch-001.keras", "epoch-003.keras", "notes.txt", "state.json"]
    prune(tmp_path, {"ckpt": None, "best": None})          # a fresh run: nothing to keep
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "state.json"]
