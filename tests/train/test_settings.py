"""train/settings.py: what a resumed run keeps, and the default for a setting its state lacks."""
import pytest

from train.settings import resolve

DEFAULTS = {"epochs": 30, "preset": "base", "ema": None}


def test_a_setting_added_after_the_run_started_takes_its_default_on_resume():
    old = {"config": {"epochs": 10, "preset": "vgg"}}          # written before "ema" existed
    assert resolve(DEFAULTS, old, {"ema": None}) == {"epochs": 10, "preset": "vgg", "ema": None}
    with pytest.raises(ValueError, match="ema was None and is now 0.999"):
        resolve(DEFAULTS, old, {"ema": 0.999})


def test_resume_keeps_the_run_settings_and_refuses_a_contradiction():
    state = {"config": {"epochs": 10, "preset": "vgg", "ema": 0.99}}
    assert resolve(DEFAULTS, state, {"epochs": 20}, may_change=("epochs",))["epochs"] == 20
    with pytest.raises(ValueError, match="preset was 'vgg' and is now 'base'"):
        resolve(DEFAULTS, state, {"preset": "base"})
