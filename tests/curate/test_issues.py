"""curate issues on a real corpus with planted noise and a real crossval run (tests/noisy_corpus)."""
import csv
import json
import subprocess
import sys
from pathlib import Path

from corpus import Corpus
from curate.issues import REJECT, apply, find_issues, revert

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"item_id", "given", "suggested", "score", "reasons", "source_dataset", "orig_name",
          "source_split"}


def issues_cli(root, *args):
    return subprocess.run([sys.executable, "-m", "curate", "issues", str(root), *args,
                           "--no-progress"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_json_lines_best_first_with_every_kind_and_reports(noisy):
    r = issues_cli(noisy["root"], "--json")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert recs and all(FIELDS <= set(x) for x in recs)
    assert [x["rank"] for x in recs] == list(range(1, len(recs) + 1))
    assert [x["score"] for x in recs] == sorted((x["score"] for x in recs), reverse=True)
    by_id = {x["item_id"]: x for x in recs}
    blank = by_id[noisy["blank"]]
    assert blank["suggested"] == REJECT and "unusable" in blank["kinds"]
    assert any("near-blank" in reason for reason in blank["reasons"])
    assert (blank["source_dataset"], blank["orig_name"]) == ("blanks", "gray.png")
    # the scraped copy with another label is a dedup conflict: the issue sits on the kept face
    orig = by_id[noisy["original"]]
    assert any(f"near copy #{noisy['copy']} is labeled {noisy['copy_label']}" in reason
               for reason in orig["reasons"])
    assert (orig["source_dataset"], orig["source_split"]) == ("fer2013", "train")
    assert orig["orig_name"].endswith(".jpg")
    a, b = noisy["pair"]                        # CK+ S130 anger, its copy labeled disgust
    assert any(f"near copy #{b} is labeled disgust" in x for x in by_id[a]["reasons"])
    assert any("cleanlab" in x["reasons"][0] for x in recs if "label" in x["kinds"])
    # reports: every ranked face in the CSV, two PNGs, the ranking kept for the labeler
    reports = noisy["root"] / "reports"
    with open(reports / "issues.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(x["item_id"]) for x in rows[:len(recs)]] == [x["item_id"] for x in recs]
    assert len(rows) >= len(recs) and rows[-1]["flagged"] == "False"
    for png in ("issues.png", "noise_matrix.png"):
        assert (reports / png).stat().st_size > 5000
    with Corpus(noisy["root"], create=False) as c:
        kept = c.db.execute("SELECT item_id FROM label_issues ORDER BY rank").fetchall()
    assert [k[0] for k in kept] == [x["item_id"] for x in recs]
    top = issues_cli(noisy["root"], "--json", "--top", "3")
    assert [json.loads(x) for x in top.stdout.splitlines()] == recs[:3]
    bad = issues_cli(noisy["root"], "--reject-above", "1.5")
    assert bad.returncode == 2 and "--reject-above 1.5 is out of range" in bad.stderr


def test_scores_come_from_each_face_own_out_of_sample_row(noisy):
    """score = 1 - the crossval probability of the face's given label, read back from the
    catalog row of that very face; a flagged face is suggested its most likely other class."""
    with Corpus(noisy["root"], create=False) as c:
        result = find_issues(c, progress=False)
        rows = {r[0]: dict(zip(json.loads(r[1]), json.loads(r[2]))) for r in c.db.execute(
            "SELECT item_id, classes, probs FROM predictions WHERE sample='oos'")}
        labels = dict(c.db.execute("SELECT id, label FROM items"))
    assert result.scores.out_of_sample and result.scores.model == "cv"
    label_issues = [i for i in result.ranked if "label" in i.kinds]
    assert {i.item_id for i in label_issues} == set(rows)
    for i in label_issues:
        p = rows[i.item_id]
        assert i.given == labels[i.item_id]
        assert abs(max(i.score, 1 - p[i.given]) - i.score) < 1e-3   # merged kinds only raise it
        if i.flagged and i.kinds == ["label"]:
            assert abs(i.score - (1 - p[i.given])) < 1e-3
            others = {k: v for k, v in p.items() if k != i.given}
            assert p[i.suggested] == max(others.values())


def test_refuses_in_sample_scores_alone(noisy, tmp_path):
    """A model scored on its own training faces: refused with what to do; forced, it warns."""
    from train.fit import fit
    from train.score import score
    root = noisy["root"]
    with Corpus(root, create=False) as c:
        c.db.execute("DELETE FROM predictions")
        c.db.execute("UPDATE items SET split='train' WHERE kind='face'")
    run = tmp_path / "fit"
    fit(root, run, size=48, epochs=1, batch=32, preset="tiny", progress=False, log=lambda m: 0)
    (run / "seen_faces.json").unlink()      # a run from before fits recorded their faces
    assert score(run, root, progress=False)["sample"]["oos"] == 0
    r = issues_cli(root, "--json")
    assert r.returncode == 2 and not r.stdout
    assert "refusing to rank" in r.stderr and "in-sample" in r.stderr
    assert "python -m train crossval" in r.stderr and "--allow-in-sample" in r.stderr
    forced = issues_cli(root, "--json", "--allow-in-sample")
    assert forced.returncode == 0 and "IN-SAMPLE" in forced.stderr
    label_recs = [json.loads(x) for x in forced.stdout.splitlines()]
    assert all(any("(IN-SAMPLE)" in why for why in x["reasons"])
               for x in label_recs if "label" in x["kinds"])


def test_applied_suggestions_are_label_events_that_undo(noisy):
    root = noisy["root"]
    with Corpus(root, create=False) as c:
        result = find_issues(c, progress=False)
        before = {r["id"]: (r["label"], r["status"]) for r in c.items(kind="face", status=None)}
        done = apply(c, result.ranked, top=5, reject_above=0.98, user="cleaner")
        assert noisy["blank"] in done.rejected            # near-blank scores 0.99
        assert done.relabeled and len(done.relabeled) + len(done.rejected) <= 6
        for item, old, new in done.relabeled:
            row = c.item(item)
            assert (row["label"], row["label_source"], row["label_by"]) == (new, "model",
                                                                            "cleaner")
            assert before[item][0] == old != new
        assert c.item(noisy["blank"])["status"] == "rejected"
        # the newest applied event undoes like a labeler ctrl+z of that user
        last = c.db.execute("SELECT item_id FROM label_events WHERE user='cleaner'"
                            " ORDER BY id DESC LIMIT 1").fetchone()[0]
        assert c.undo(user="cleaner")["item_id"] == last
        assert (c.item(last)["label"], c.item(last)["status"]) == before[last]
    r = issues_cli(root, "--revert", "--user", "cleaner")
    assert r.returncode == 0 and "undid" in r.stdout
    with Corpus(root, create=False) as c:
        after = {r["id"]: (r["label"], r["status"]) for r in c.items(kind="face", status=None)}
        assert after == before                                  # the raw corpus again
        events = c.db.execute("SELECT COUNT(*), SUM(undone) FROM label_events WHERE"
                              " user='cleaner'").fetchone()
        assert events[0] == events[1] == len(done.relabeled) + len(done.rejected)   # kept
        assert revert(c, "cleaner") == (0, [])                # nothing left to undo


def test_reject_top_leaves_the_head_out_and_reverts(noisy):
    """--reject-top N takes the first N flagged faces out of training (status rejected, labels
    untouched), in rank order; --apply-top on the same faces is overruled by leaving them out."""
    root = noisy["root"]
    with Corpus(root, create=False) as c:
        flagged = [i for i in find_issues(c, progress=False).ranked if i.flagged]
        before = {r["id"]: (r["label"], r["status"]) for r in c.items(kind="face", status=None)}
    assert len(flagged) >= 4 and flagged[3].suggested not in (REJECT, None, flagged[3].given)
    r = issues_cli(root, "--reject-top", "3", "--apply-top", "4", "--user", "cleaner")
    assert r.returncode == 0, r.stderr
    assert "1 relabeled, 3 rejected" in r.stdout
    with Corpus(root, create=False) as c:
        for issue in flagged[:3]:
            row = c.item(issue.item_id)
            assert (row["label"], row["status"]) == (before[issue.item_id][0], "rejected")
        fourth = c.item(flagged[3].item_id)
        assert fourth["status"] == "ok" and fourth["label"] == flagged[3].suggested
        for issue in flagged[4:]:
            assert (c.item(issue.item_id)["label"], c.item(issue.item_id)["status"]) == \
                before[issue.item_id]
    bad = issues_cli(root, "--reject-top", "0")
    assert bad.returncode == 2 and "--reject-top 0 is out of range" in bad.stderr
    assert issues_cli(root, "--revert", "--user", "cleaner").returncode == 0
    with Corpus(root, create=False) as c:
        assert {r["id"]: (r["label"], r["status"])
                for r in c.items(kind="face", status=None)} == before
