import subprocess
import sys

from corpus import Corpus
from labeler.summary import busiest_label, empty_queue_hint, format_summary, summarize
from tests.labeler.conftest import ROOT_DIR


def test_summary_counts_what_is_left(face_corpus):
    c = Corpus(face_corpus, create=False)
    s = summarize(c)
    assert s["faces"] == 37 and s["unreviewed"] == 37 and s["rejected"] == 0
    assert s["per_label"]["unlabeled"]["unreviewed"] == 10   # Yale sleepy/wink
    sad = [r["id"] for r in c.items(kind="face", label="sad")]
    c.set_status(sad[0], "rejected", reviewed=True, user="ann")
    c.set_label(sad[1], "sad", source="human", user="ann", reviewed=True)
    s = summarize(c)
    assert s["rejected"] == 1 and s["unreviewed"] == 35 and s["labelers"] == ["ann"]
    assert s["per_label"]["sad"] == {"unreviewed": len(sad) - 2, "reviewed": 1}
    assert busiest_label(s) in ("happy", "neutral", "surprise", "sad")
    assert "35 unreviewed, 1 rejected" in format_summary(s)
    c.close()


def test_summary_command_prints_a_review_command(face_corpus):
    out = subprocess.run([sys.executable, "-m", "labeler", str(face_corpus), "--summary"],
                         cwd=ROOT_DIR, capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin"})       # no DISPLAY needed
    assert out.returncode == 0, out.stderr
    assert "37 faces: 37 unreviewed" in out.stdout
    assert f"-m labeler {face_corpus} --mode review --label " in out.stdout


def test_demo_step_prints_the_command_and_fails_loudly_without_a_corpus(face_corpus, tmp_path):
    script = ROOT_DIR / "scripts" / "demo.d" / "90-label.sh"
    env = {"PATH": "/usr/bin:/bin", "PY": sys.executable}
    ok = subprocess.run(["bash", str(script)], cwd=ROOT_DIR, capture_output=True, text=True,
                        timeout=60, env={**env, "DEMO_CORPUS": str(face_corpus)})
    assert ok.returncode == 0, ok.stderr
    assert "-m labeler" in ok.stdout and "--mode review --label" in ok.stdout
    missing = subprocess.run(["bash", str(script)], cwd=ROOT_DIR, capture_output=True,
                             text=True, timeout=60,
                             env={**env, "DEMO_CORPUS": str(tmp_path / "none")})
    assert missing.returncode != 0 and "no corpus" in missing.stderr


def test_images_without_faces_name_the_extraction_step(images_corpus, face_corpus):
    c = Corpus(images_corpus, create=False)
    hint = empty_queue_hint(c, "datasets/scraped")
    assert "3 images but no faces" in hint and "-m curate extract datasets/scraped" in hint
    c.close()
    c = Corpus(face_corpus, create=False)            # faces, all reviewed: no extract hint
    for r in list(c.items(kind="face")):
        c.mark_reviewed(r["id"])
    assert "curate extract" not in empty_queue_hint(c)
    assert "--status all" in empty_queue_hint(c)
    c.close()
    out = subprocess.run([sys.executable, "-m", "labeler", str(images_corpus), "--summary"],
                         cwd=ROOT_DIR, capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "0 faces" in out.stdout and f"-m curate extract {images_corpus}" in out.stdout
