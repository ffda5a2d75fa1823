import numpy as np

from corpus import load_stage, to_array
from curate.exporters import run_export
from curate.importers import run_import


def test_pickle_export_is_a_safe_stage_file(shared_data, corpus, tmp_path):
    run_import(corpus, "folders", shared_data / "ckplus48" / "CK+48", limit=250, size=48,
               progress=False)   # anger 135, contempt 54, disgust 61
    corpus.set_status(5, "duplicate", reason="same face as 4")
    out = tmp_path / "faces.pkl"
    selection, written = run_export(corpus, "pickle", out, six_class=True)
    d = load_stage(out)
    assert d["X"].shape == (249, 48, 48) and d["X"].dtype == np.uint8
    assert d["classes"] == ["angry", "fear", "happy", "sad", "surprise", "neutral", "contempt"]
    assert d["labels"].count("angry") == 135 - 1 + 61 and "disgust" not in d["labels"]
    assert d["original_labels"].count("disgust") == 61
    assert [d["classes"][k] for k in d["y"]] == d["labels"]
    assert d["meta"]["six_class"] and d["meta"]["excluded"] == {"duplicate": 1}
    assert 5 not in d["ids"].tolist()
    i = d["ids"].tolist().index(7)
    assert np.array_equal(d["X"][i], to_array(corpus.read_bytes(corpus.item(7)), "L"))
    assert set(d["splits"]) == {"unsplit"}
    # the same payload is the corpus's recorded export stage (digest checked on load)
    assert load_stage(corpus, "export")["ids"].tolist() == d["ids"].tolist()
