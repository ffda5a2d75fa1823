import pytest

from corpus import Taxonomy, TaxonomyError
from corpus.taxonomy import load_mapping


def test_synonyms_case_and_spaces():
    t = Taxonomy()
    assert [t.canonical(x) for x in ("Happiness", " ANGER ", "sadness", "Surprised")] == \
        ["happy", "angry", "sad", "surprise"]
    assert t.maybe_canonical("bored") is None and t.maybe_canonical("") is None


def test_class_names_that_could_become_paths_are_refused():
    for bad in ("../evil", "a/b", "Happy", "", ".hidden", "x" * 70):
        with pytest.raises(TaxonomyError, match="class names"):
            Taxonomy(["happy", bad])
    assert Taxonomy().with_classes(["contempt"]).classes[-1] == "contempt"


def test_six_class_folds_disgust_into_angry():
    six, mapping = Taxonomy().six_class()
    assert mapping == {"disgust": "angry"} and "disgust" not in six.classes and len(six) == 6


def test_mapping_files(tmp_path):
    (tmp_path / "m.toml").write_text('[map]\nContempt = "neutral"\n')
    (tmp_path / "m.json").write_text('{"contempt": "neutral"}')
    assert load_mapping(tmp_path / "m.toml") == {"Contempt": "neutral"}
    assert load_mapping(tmp_path / "m.json") == {"contempt": "neutral"}
    (tmp_path / "bad.toml").write_text("[map\n")
    with pytest.raises(TaxonomyError, match="not a valid mapping"):
        load_mapping(tmp_path / "bad.toml")
