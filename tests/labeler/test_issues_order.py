"""--order issues: the faces `curate issues` ranked first, with given/suggested/why on screen;
`a` accepts the suggestion, number keys relabel, x rejects, ctrl+z undoes (real X keys)."""
import shutil

import pytest

from corpus import Corpus
from curate.issues import find_issues
from labeler.info import issue_of
from tests.labeler.test_main import AppProcess


def ranked(root) -> list[dict]:
    """Run the real `curate issues` pass; the ranking as the labeler reads it."""
    with Corpus(root, create=False) as c:
        find_issues(c, progress=False)
        ids = [r[0] for r in c.db.execute("SELECT item_id FROM label_issues ORDER BY rank")]
        return [{"id": i, **issue_of(c.db, i), "label": c.item(i)["label"]} for i in ids]


def test_issue_line_and_out_of_sample_note_on_screen(make_app, noisy):
    top = ranked(noisy["root"])
    app = make_app(noisy["root"], order="issues")
    assert app.queue.ids[:len(top)] == [t["id"] for t in top]       # issues first, by rank
    shown = app.view.issue.cget("text")
    first = top[0]
    assert shown.startswith(f"ISSUE 1/{len(top)}")
    assert f"given {first['given']} -> suggested {first['suggested']}" in shown
    assert first["reasons"][0] in shown
    assert "(out-of-sample, fold" in app.view.preds.cget("text")
    assert "a" in app.help.cget("text") and "accept the issue's suggestion" in \
        app.help.cget("text")
    # a face with no issue shows no issue line
    app.queue.goto(next(i for i in app.queue.ids if i not in {t["id"] for t in top}))
    app.view.show()
    assert app.view.issue.cget("text") == ""


@pytest.mark.skipif(shutil.which("xdotool") is None or shutil.which("import") is None,
                    reason="needs xdotool and ImageMagick's import")
def test_real_keys_accept_relabel_reject_and_undo(xvfb, noisy, artifacts):
    top = ranked(noisy["root"])
    relabel = next(c for c in ("fear", "sad") if c != top[1]["label"])
    app = AppProcess(noisy["root"], "--mode", "label", "--order", "issues", "--user", "alice")
    try:
        app.screenshot(artifacts / "labeler-issues.png")
        assert "1/" in app.title()
        app.key("a")                                   # accept rank 1's suggestion
        assert app.acks()[-1] == (f"reject {top[0]['id']}" if top[0]["suggested"] == "reject"
                                  else f"label {top[0]['id']} {top[0]['suggested']}")
        app.key("3" if relabel == "fear" else "5")     # relabel rank 2 with a number key
        assert app.acks()[-1] == f"label {top[1]['id']} {relabel}"
        app.key("x")                                   # reject rank 3
        assert app.acks()[-1] == f"reject {top[2]['id']}"
        app.key("ctrl+z")
        assert app.acks()[-1] == f"undo reject {top[2]['id']}"
    finally:
        app.close()
    with Corpus(noisy["root"], create=False) as c:
        first, second, third = (c.item(t["id"]) for t in top[:3])
        if top[0]["suggested"] == "reject":
            assert first["status"] == "rejected"
        else:
            assert (first["label"], first["label_source"], first["label_by"]) == \
                (top[0]["suggested"], "human", "alice")
        assert (second["label"], second["label_by"]) == (relabel, "alice")
        assert (third["status"], third["label"]) == ("ok", top[2]["label"])     # undone
        events = c.label_history(top[2]["id"])
        assert events[-1]["action"] == "reject" and events[-1]["undone"] == 1   # kept


def test_order_issues_without_a_ranking_says_what_to_run(face_corpus):
    from labeler.queue import ItemQueue, QueueError
    with Corpus(face_corpus, create=False) as c:
        with pytest.raises(QueueError, match="curate issues"):
            ItemQueue(c, order="issues")
