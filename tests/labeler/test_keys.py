from labeler import keys


def test_grid_keys_are_24_distinct_plain_keys():
    assert len(keys.GRID_KEYS) == keys.GRID_COLS * keys.GRID_ROWS_N == 24
    assert len(set(keys.GRID_KEYS)) == 24
    # The review grid must not steal the review view's own keys.
    assert not set(keys.GRID_KEYS) & {"?", " "}


def test_label_help_names_every_class_and_action():
    classes = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral", "contempt"]
    text = keys.help_text("label", classes)
    for i, cls in enumerate(classes):
        assert f"{i + 1}" in text and cls in text
    for name in ("x", "space", "Right", "Left", "ctrl+z", "?"):
        assert name in text


def test_more_than_nine_classes_get_no_key_beyond_nine():
    assert keys.class_key(8) == "9"
    assert keys.class_key(9) is None
    text = keys.help_text("label", [f"c{i}" for i in range(11)])
    assert "c8" in text and "c9" not in text


def test_review_help_lists_grid_rows_and_accept():
    text = keys.help_text("review", ["happy"])
    assert "1 2 3 4 5 6" in text and "z x c v b n" in text and "Return" in text
    assert keys.key_name("accept", "review") == "Return"
    assert keys.key_name("undo", "label") == "ctrl+z"


def test_caps_lock_letters_are_bound_too():
    assert keys.tk_keys("w") == ["<Key-w>", "<Key-W>"]
    assert keys.tk_keys("3") == ["<Key-3>"]
    events = {e for e, act, _ in keys.LABEL_KEYS if act == "reject"}
    assert events == {"<Key-x>", "<Key-X>"}
