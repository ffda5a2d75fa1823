"""score(): the model's probabilities for every status-ok face of a corpus, into `predictions`.

The labeling GUI shows them and sorts by them. Each row says whether the model trained on the
face (sample 'in': its score reflects a memorised label) or not ('oos'), from the faces the run
recorded (train/seen.py). Each batch is one transaction, so a killed run keeps what it
committed; a rerun skips faces this model already scored since its card was written (a
retrained model of the same name scores everything again).
"""
from __future__ import annotations

import json

import numpy as np
from tqdm import tqdm

from corpus import Corpus, now
from corpus.schema import PREDICTIONS

from .card import load_model, locate
from .data import corpus_samples, face_size_of, iter_batches
from .seen import Seen, face_keys


def score(model_path, corpus_path, *, name: str | None = None, rescore: bool = False,
          batch: int = 256, progress: bool = True) -> dict:
    model, card = load_model(model_path)
    name = name or card.get("name") or "model"
    classes_json = json.dumps(card["classes"])
    seen = Seen(locate(model_path)[0].parent, card)
    run = f"{name}@{card.get('written_at', '')}"
    counts = {"in": 0, "oos": 0, "unknown": 0}
    with Corpus(corpus_path, create=False) as corpus:
        corpus.ensure(PREDICTIONS)
        samples = corpus_samples(corpus, labeled=False)
        done = set() if rescore else {r[0] for r in corpus.db.execute(
            "SELECT item_id FROM predictions WHERE model=? AND classes=? AND at>=?",
            (name, classes_json, card.get("written_at", "")))}
        todo = [s for s in samples if s.item_id not in done]
        keys = face_keys(corpus, [s.item_id for s in todo])
        splits = dict(corpus.db.execute("SELECT id, split FROM items WHERE kind='face'"))
        kind = [seen.sample(keys.get(s.item_id), splits.get(s.item_id), corpus.root)
                for s in todo]
        unreadable = []
        bar = tqdm(total=len(todo), unit="face", desc=f"score {name}", disable=not progress)
        for idx, x, errors in iter_batches([s.path for s in todo], card["input_size"], batch,
                                              face_size_of(card)):
            probs = np.asarray(model.predict_on_batch(x)) if idx else []
            at = now()
            with corpus.transaction():
                corpus.db.executemany(
                    "INSERT OR REPLACE INTO predictions (item_id, model, classes, probs, at,"
                    " sample, run, fold) VALUES (?,?,?,?,?,?,?,NULL)",
                    [(todo[i].item_id, name, classes_json,
                      json.dumps([round(float(v), 5) for v in p]), at, kind[i], run)
                     for i, p in zip(idx, probs)])
            for i in idx:
                counts[kind[i]] += 1
            unreadable += [{"item_id": todo[i].item_id, "reason": r} for i, r in errors]
            bar.update(len(idx) + len(errors))
        bar.close()
    return {"model": name, "classes": card["classes"], "faces": len(samples),
            "scored": len(todo) - len(unreadable), "already_scored": len(samples) - len(todo),
            "unreadable": unreadable, "sample": counts,
            "seen_record": seen.recorded}
