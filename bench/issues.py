"""Benchmark: do out-of-sample scores find planted wrong labels, and does cleaning pay?

    .venv/bin/python bench/issues.py --limit 5000                  # a subset (minutes)
    .venv/bin/python bench/issues.py                               # all 28,709 (hours)
    .venv/bin/python bench/issues.py --estimate                    # time per preset only
    .venv/bin/python bench/issues.py --top-only 1000 2000 --leave-out --true-fit   # after a full run

1. Imports ../shared/data/fer2013_full/train (or a seeded --limit subset) into a corpus in
   --work (all faces in the train split; byte-identical files are one face).
2. Plants noise with label events of user bench-noise: 10 % of the faces flipped to a
   uniformly drawn other class, plus 5 % flipped between confusable pairs (sad<->neutral,
   fear<->surprise, angry<->disgust).
3. Ranks the faces three ways and compares each with the planted flips (precision/recall of
   the flagged set, precision at k, recall in the top 15 %, AUROC of the ranking):
   (a) in-sample: `train fit` on the noisy corpus, `train score` on it, faces ordered by the
       probability of their given label (what --order confidence did), flagged by cleanlab
       on those in-sample probabilities (= `curate issues --allow-in-sample`);
   (b) out-of-sample self-confidence: `train crossval`, same order rule, flagged where the
       fold model's top class differs from the given label;
   (c) cleanlab's default on the crossval scores, through `curate issues` (find_label_issues,
       ranked by self-confidence, plus near-blank faces and near copies).
   Goal: (c) finds at least twice as many planted flips in its top 15 % as (a).
4. Cleaning pays: the noisy fit from (a); a fit after relabeling every flagged face of (c) to
   its suggestion (`curate issues --apply-top N`); a fit after leaving them out instead
   (`--reject-above 0`); a fit on the true labels; each evaluated on the untouched
   fer2013_full/test folder (7,178 faces). Goal: cleaning recovers at least half of the
   accuracy the noise cost.
5. Times every step (wall and CPU seconds) with the load average, writes
   bench/results/issues-<time>.json and prints the tables docs/curate.md quotes.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.results import add_progress_flag  # noqa: E402

from train import quiet  # noqa: E402  (TensorFlow's start-up banners off)

import numpy as np  # noqa: E402

from corpus import Corpus  # noqa: E402

DATA = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data")) / "fer2013_full"
PAIRS = (("sad", "neutral"), ("fear", "surprise"), ("angry", "disgust"))
NOISE_USER, CLEANER = "bench-noise", "bench-cleaner"


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Clock:
    """Wall and CPU seconds (all threads of this process) per named step."""

    def __init__(self):
        self.steps: dict[str, dict] = {}

    def __call__(self, name: str):
        clock = self

        class _Step:
            def __enter__(self):
                self.t, self.cpu = time.perf_counter(), _cpu()
                print(f"[{time.strftime('%H:%M:%S')}] {name} (load {load_avg()})",
                      file=sys.stderr, flush=True)

            def __exit__(self, *exc):
                clock.steps[name] = {"wall_s": round(time.perf_counter() - self.t, 1),
                                     "cpu_s": round(_cpu() - self.cpu, 1),
                                     "load_after": load_avg()}
        return _Step()


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ---------------------------------------------------------------- corpus and noise
def build(root: Path, limit: int | None, seed: int) -> dict[int, str]:
    """Import the train folder (or a seeded subset); returns item id -> true label."""
    files = sorted((p, p.parent.name) for p in (DATA / "train").glob("*/*.jpg"))
    random.Random(seed).shuffle(files)
    files = files[:limit] if limit else files
    c = Corpus(root)
    truth = {}
    for path, label in files:
        iid, created = c.add_bytes(path.read_bytes(), fmt="JPEG", kind="face", width=48,
                                   height=48, label=label, label_source="import", split="train",
                                   provenance={"source_dataset": "fer2013_full",
                                               "orig_name": path.name, "source_split": "train"})
        if created:
            truth[iid] = label
    c.close()
    return truth


def plant(root: Path, truth: dict[int, str], seed: int) -> set[int]:
    rng = random.Random(seed)
    classes = sorted(set(truth.values()))
    ids = sorted(truth)
    uniform = set(rng.sample(ids, round(0.10 * len(ids))))
    partner = {a: b for x, y in PAIRS for a, b in ((x, y), (y, x))}
    pool = [i for i in ids if i not in uniform and truth[i] in partner]
    paired = set(rng.sample(pool, min(len(pool), round(0.05 * len(ids)))))
    with Corpus(root, create=False) as c, c.transaction():
        for i in sorted(uniform):
            c.set_label(i, rng.choice([x for x in classes if x != truth[i]]), source="import",
                        user=NOISE_USER)
        for i in sorted(paired):
            c.set_label(i, partner[truth[i]], source="import", user=NOISE_USER)
    return uniform | paired


# ---------------------------------------------------------------- rankings and metrics
def measure(order: list[int], flagged: set[int], planted: set[int], score: dict[int, float],
            n: int) -> dict:
    from sklearn.metrics import roc_auc_score
    top15 = order[:round(0.15 * n)]
    hits = len(set(top15) & planted)
    ids = sorted(score)
    out = {"flagged": len(flagged), "flagged_planted": len(flagged & planted),
           "precision": round(len(flagged & planted) / len(flagged), 4) if flagged else None,
           "recall": round(len(flagged & planted) / len(planted), 4),
           "top15_planted": hits, "top15_recall": round(hits / len(planted), 4),
           "auroc": round(float(roc_auc_score([i in planted for i in ids],
                                              [score[i] for i in ids])), 4)}
    for k in (100, 500, 1000, 2000):
        if k <= len(order):
            out[f"p_at_{k}"] = round(len(set(order[:k]) & planted) / k, 4)
    return out


def model_rows(root: Path, model: str) -> tuple[dict, dict, list]:
    """Every prediction row of one model (in- and out-of-sample): id -> p(given), id -> probs."""
    with Corpus(root, create=False) as c:
        labels = dict(c.db.execute("SELECT id, label FROM items"))
        rows = c.db.execute("SELECT item_id, classes, probs FROM predictions WHERE model=?",
                            (model,)).fetchall()
    classes = json.loads(rows[0][1])
    probs = {i: np.array(json.loads(p)) for i, _, p in rows}
    given = {i: probs[i][classes.index(labels[i])] for i in probs if labels[i] in classes}
    return given, probs, classes


def rank_in_sample(root: Path, planted: set[int], n: int) -> dict:
    from curate.issues.labels import label_issues
    from curate.issues.scores import Scores
    given, probs, classes = model_rows(root, "insample")
    ids = sorted(given)
    with Corpus(root, create=False) as c:
        labels = dict(c.db.execute("SELECT id, label FROM items"))
    s = Scores(model="insample", out_of_sample=False, classes=classes,
               item_ids=np.array(ids), labels=np.array([classes.index(labels[i]) for i in ids]),
               probs=np.stack([probs[i] for i in ids]))
    issues, _ = label_issues(s)          # cleanlab on in-sample probabilities
    order = sorted(ids, key=lambda i: (given[i], i))
    return measure(order, {i.item_id for i in issues if i.flagged}, planted,
                   {i: 1 - given[i] for i in ids}, n)


def rank_oos(root: Path, planted: set[int], n: int, run_name: str) -> tuple[dict, dict, list]:
    from curate.issues import find_issues
    given, probs, classes = model_rows(root, run_name)
    with Corpus(root, create=False) as c:
        labels = dict(c.db.execute("SELECT id, label FROM items"))
        result = find_issues(c, model=run_name, progress=False)
    ids = sorted(given)
    order = sorted(ids, key=lambda i: (given[i], i))
    disagree = {i for i in ids if classes[int(np.argmax(probs[i]))] != labels[i]}
    b = measure(order, disagree, planted, {i: 1 - given[i] for i in ids}, n)
    score = {i.item_id: i.score for i in result.ranked}
    c_ = measure([i.item_id for i in result.ranked], {i.item_id for i in result.issues},
                 planted, {i: score.get(i, 0.0) for i in ids}, n)
    return b, c_, result.ranked


# ---------------------------------------------------------------- training and evaluation
def fit_eval(root: Path, run: Path, cfg: dict) -> dict:
    from train.evaluate import evaluate
    from train.fit import fit
    seed = {"seed": cfg["fit_seed"]} if cfg.get("fit_seed") is not None else {}
    card = fit(root, run, overwrite=True, progress=False, log=lambda m: None, **seed,
               **{k: cfg[k] for k in ("size", "preset", "epochs", "batch", "patience")})
    r = evaluate(run, DATA / "test", out=run / "eval", progress=False)
    return {"accuracy": round(r["accuracy"], 4), "macro_f1": round(r["macro_f1"], 4),
            "val_accuracy": round(card["metrics"]["val_accuracy"], 4),
            "epochs_run": card["metrics"]["epochs_run"],
            "train_faces": sum(card["data"]["counts"]["train"].values())}


def estimate(args) -> dict:
    """Seconds per face-epoch for each preset on --estimate-faces faces; crossval at 28,709."""
    import tempfile
    from train.fit import fit
    out = {}
    with tempfile.TemporaryDirectory(dir=args.work.parent) as tmp:
        root = Path(tmp) / "corpus"
        truth = build(root, args.estimate_faces, args.seed)
        for preset in args.presets:
            card = fit(root, Path(tmp) / preset, size=args.size, preset=preset, epochs=3,
                       batch=args.batch, patience=10, progress=False, log=lambda m: None)
            secs = [h["seconds"] for h in card["history"][1:]]      # epoch 1 traces the graph
            per_face = float(np.median(secs)) / len(truth)
            full = 28709
            fold_epoch = per_face * full * (args.folds - 1) / args.folds
            out[preset] = {"params": card["params"], "faces": len(truth),
                           "epoch_seconds": secs, "seconds_per_1000_faces": round(
                               1000 * per_face, 2),
                           "crossval_28709_hours_per_epoch": round(
                               fold_epoch * args.folds / 3600, 3),
                           "val_accuracy_3_epochs": round(card["metrics"]["val_accuracy"], 4),
                           "load": load_avg()}
            print(json.dumps({preset: out[preset]}), flush=True)
    return out


def applied_counts(done, truth: dict[int, str], planted: set[int]) -> dict:
    """What `curate issues --apply` did, against the planted truth."""
    return {"relabeled": len(done.relabeled), "rejected": len(done.rejected),
            "relabeled_to_truth": sum(1 for i, _, new in done.relabeled if truth.get(i) == new),
            "planted_touched": sum(1 for i in [x for x, _, _ in done.relabeled] + done.rejected
                                   if i in planted)}


def top_only(args, cfg: dict, out: Path) -> int:
    """Reuse a finished run's corpus (true labels again at its end) and crossval rows: the same
    seed plants the same flips, `curate issues` ranks them as before, and for each N only the
    first N flagged faces get their suggestion (or, with --leave-out, are left out); each is
    fitted, evaluated, then undone, so the corpus ends as it started. The noisy model of the
    full run (work/insample) is evaluated again as the baseline; --true-fit adds a fit on the
    true labels, so the noise cost and the share recovered come from this one machine."""
    from curate.issues import apply, find_issues, revert
    from train.evaluate import evaluate
    root = args.work / "corpus"
    with Corpus(root, create=False) as c:
        if c.db.execute("SELECT COUNT(*) FROM label_events WHERE user=? AND undone=0",
                        (NOISE_USER,)).fetchone()[0]:
            sys.exit(f"{root} still holds planted noise (a full run was stopped before its "
                     f"end): undo it with python -m curate issues {root} --revert --user "
                     f"{NOISE_USER}")
        truth = dict(c.db.execute("SELECT id, label FROM items WHERE label IS NOT NULL"))
    how = "leave_out" if args.leave_out else "relabel"
    tag = "" if args.fit_seed is None else f"-seed{args.fit_seed}"
    noisy = evaluate(args.work / "insample", DATA / "test", progress=False)
    res = {"settings": {**cfg, "seed": args.seed, "tops": args.top_only, "how": how},
           "load_before": load_avg(), "cpus": os.cpu_count(),
           "noisy": {"accuracy": round(noisy["accuracy"], 4),
                     "macro_f1": round(noisy["macro_f1"], 4)}, "tops": {}}

    def keep():
        res["load_now"] = load_avg()
        out.write_text(json.dumps(res, indent=2))
    if args.true_fit:
        t0 = time.time()
        res["true_labels"] = fit_eval(root, args.work / f"truth{tag}", cfg)
        res["true_labels"]["wall_s"] = round(time.time() - t0, 1)
        keep()
    for top in args.top_only:
        t0, cpu0 = time.time(), _cpu()
        planted = plant(root, truth, args.seed)
        try:
            with Corpus(root, create=False) as c:
                ranked = find_issues(c, model="cv", progress=False).ranked
                done = apply(c, ranked, user=CLEANER,
                             **({"reject_top": top} if args.leave_out else {"top": top}))
            r = {"planted": len(planted), "applied": applied_counts(done, truth, planted),
                 "load_before": load_avg()}
            r["fit"] = fit_eval(root, args.work / f"top{top}-{how}{tag}", cfg)
        finally:
            with Corpus(root, create=False) as c:
                revert(c, CLEANER)
                revert(c, NOISE_USER)
        r.update({"wall_s": round(time.time() - t0, 1), "cpu_s": round(_cpu() - cpu0, 1),
                  "load_after": load_avg()})
        res["tops"][str(top)] = r
        # the share of the noise cost won back, against a noisy fit of the same seed: the
        # N = 0 fit when this run made one, else the full run's noisy model
        base = res["tops"].get("0", {}).get("fit", res["noisy"])["accuracy"]
        if "true_labels" in res:
            cost = res["true_labels"]["accuracy"] - base
            r["recovered"] = round((r["fit"]["accuracy"] - base) / cost, 3) if cost > 0 else None
        keep()
        print(json.dumps({top: r}), flush=True)
    print(f"written {out}", file=sys.stderr)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, help="faces of fer2013_full/train to use (all)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--preset", default="small")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--size", type=int, default=48)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--patience", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path("/tmp/ferkit-bench-issues"),
                    help="corpus and runs go here (kept, so a killed run can --resume)")
    ap.add_argument("--no-cleaning", action="store_true", help="skip the three evaluation fits")
    ap.add_argument("--estimate", action="store_true",
                    help="only time each preset on --estimate-faces faces and extrapolate")
    ap.add_argument("--estimate-faces", type=int, default=3000)
    ap.add_argument("--presets", nargs="+", default=["tiny", "small", "base"])
    ap.add_argument("--top-only", type=int, nargs="+", metavar="N",
                    help="after a full run in --work: replant the same noise, relabel only the "
                         "top N flagged faces, fit and evaluate (what a user acting on the "
                         "head does); several N run one after another")
    ap.add_argument("--leave-out", action="store_true",
                    help="with --top-only: leave the top N out (curate issues --reject-top) "
                         "instead of relabeling them")
    ap.add_argument("--fit-seed", type=int, help="with --top-only: seed of its fits (train "
                    "fit's default otherwise); N = 0 fits the noisy labels as they are, so "
                    "reseeded noisy, cleaned and true fits show how far one seed moves a figure")
    ap.add_argument("--true-fit", action="store_true",
                    help="with --top-only: also fit on the true labels (the noise cost's other end)")
    add_progress_flag(ap)
    args = ap.parse_args()
    if not (DATA / "train").is_dir():
        ap.error(f"{DATA}/train not found: set SHARED_DATA to the shared data folder")
    quiet.load_tensorflow()
    args.work.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    if args.estimate:
        res = {"estimate": estimate(args), "load_after": load_avg(),
               "settings": {k: str(v) for k, v in vars(args).items()}}
        out = results_dir / f"issues-estimate-{stamp}.json"
        out.write_text(json.dumps(res, indent=2))
        print(f"written {out}", file=sys.stderr)
        return 0

    cfg = {"size": args.size, "preset": args.preset, "epochs": args.epochs, "batch": args.batch,
           "patience": args.patience, "fit_seed": args.fit_seed}
    if args.top_only:
        how = "leaveout" if args.leave_out else "top"
        name = "-".join(str(n) for n in args.top_only) + (
            "" if args.fit_seed is None else f"-seed{args.fit_seed}")
        return top_only(args, cfg, results_dir / f"issues-{how}{name}-{stamp}.json")
    clock, root = Clock(), args.work / "corpus"
    res: dict = {"settings": {**cfg, "folds": args.folds, "limit": args.limit, "seed": args.seed},
                 "load_before": load_avg(), "started": stamp, "cpus": os.cpu_count()}
    out = results_dir / f"issues-{stamp}.json"

    def keep():
        """What is measured so far, rewritten after each step: a run that is stopped hours in
        keeps its figures (the steps finished so far)."""
        res["steps"], res["load_now"] = clock.steps, load_avg()
        out.write_text(json.dumps(res, indent=2))
    with clock("import"):
        truth = build(root, args.limit, args.seed)
    with clock("plant noise"):
        planted = plant(root, truth, args.seed)
    n = len(truth)
    res["faces"], res["planted"] = n, len(planted)
    from train.crossval import crossval
    from train.score import score
    with clock("a: train fit (noisy)"):
        res["noisy"] = fit_eval(root, args.work / "insample", cfg)
    with clock("a: train score"):
        score(args.work / "insample", root, progress=False)
    res["a_in_sample"] = rank_in_sample(root, planted, n)
    keep()
    with clock("crossval"):
        cv = crossval(root, args.work / "cv", overwrite=True, folds=args.folds,
                      progress=not args.no_progress,
                      log=lambda m: print(m, file=sys.stderr), **cfg)
    res["crossval"] = {"out_of_sample": cv["out_of_sample"],
                       "folds": [{k: f[k] for k in ("fold", "train", "accuracy", "epochs_run",
                                                    "seconds_train", "seconds_score")}
                                 for f in cv["folds"]]}
    with clock("curate issues"):
        res["b_oos_self_confidence"], res["c_cleanlab"], ranked = rank_oos(root, planted, n, "cv")
    a15, c15 = res["a_in_sample"]["top15_planted"], res["c_cleanlab"]["top15_planted"]
    res["goal_top15"] = {"a": a15, "c": c15, "ratio": round(c15 / max(a15, 1), 2),
                         "met": c15 >= 2 * a15}
    keep()
    if args.no_cleaning:
        from curate.issues import revert
        with Corpus(root, create=False) as c:   # true labels again, as --top-only expects
            revert(c, NOISE_USER)
    else:
        from curate.issues import apply, revert
        flagged = sum(1 for i in ranked if i.flagged)
        # two ways to act on the flagged faces: relabel them to the suggestion, or leave them
        # out (reject); each fitted, then undone, so both start from the same noisy labels
        for name, how in (("cleaned_relabel", {"top": flagged}),
                          ("cleaned_leave_out", {"reject_above": 0.0})):
            with Corpus(root, create=False) as c:
                done = apply(c, ranked, user=CLEANER, **how)
                res[name + "_applied"] = applied_counts(done, truth, planted)
            with clock(f"fit {name}"):
                res[name] = fit_eval(root, args.work / name, cfg)
            with Corpus(root, create=False) as c:
                revert(c, CLEANER)
            keep()
        with Corpus(root, create=False) as c:
            revert(c, NOISE_USER)
        with clock("fit true labels"):
            res["true_labels"] = fit_eval(root, args.work / "truth", cfg)
        cost = res["true_labels"]["accuracy"] - res["noisy"]["accuracy"]
        res["goal_cleaning"] = {"noise_cost": round(cost, 4)}
        for name in ("cleaned_relabel", "cleaned_leave_out"):
            gain = res[name]["accuracy"] - res["noisy"]["accuracy"]
            res["goal_cleaning"][name] = {
                "gain": round(gain, 4), "recovered": round(gain / cost, 3) if cost > 0 else None,
                "met": cost > 0 and gain >= cost / 2}
    res["load_after"] = load_avg()
    keep()
    print(json.dumps(res, indent=2))
    print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
