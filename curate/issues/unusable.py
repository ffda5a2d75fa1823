"""Faces that are probably not a usable face: near-blank pixels, a weak detection, landmarks
that do not fit the face.

Blank: FER2013's train folder holds 12 images of one flat gray value (pixel std <= 0.7),
while its darkest real faces have a std of 9 and more; std < 5 is called near-blank. Detector
score and landmarks come from the `faces` table `curate extract` writes (imported crops have
none). A HOG score under 0.5 is called weak: that is the extractor's default cut-off (a
0.24 false positive on a real photo fell below it), so only faces cut with a looser
--min-score are flagged; on the demo corpus the 67 kept faces scoring 0.50-0.61 were nearly
all real, usable faces, so a higher bar would flag good faces. The eye centres of real faces
sit 0.32-0.54 box widths apart with the eye line within 15 degrees of level (photos/), so
landmarks outside 0.25-0.65 or tilted past 30 degrees did not find the eyes.
"""
from __future__ import annotations

import json
import math
import sys

import numpy as np
from tqdm import tqdm

from corpus import ImageError, to_array

from .base import REJECT, Issue

BLANK_STD = 5.0
MIN_HOG_SCORE = 0.5
EYE_RATIO = (0.25, 0.65)
MAX_TILT = 30.0
# where these reasons sit on the shared 0..1 scale (base.py): a blank picture is certainly no
# face; a landmark misfit nearly so; a weak detection is worth a look, below clear mislabels
SCORES = {"blank": 0.99, "landmarks": 0.9, "detector": 0.6}


def landmark_problem(landmarks, box) -> str | None:
    try:
        pts = np.asarray(json.loads(landmarks) if isinstance(landmarks, str) else landmarks,
                         float)
    except (TypeError, ValueError):
        pts = np.zeros((0, 2))
    if pts.shape != (5, 2):
        return "no landmarks recorded"
    width = max(1.0, float(box[2] - box[0]))
    right, left = pts[0:2].mean(axis=0), pts[2:4].mean(axis=0)
    ratio = float(np.linalg.norm(right - left)) / width
    tilt = abs(math.degrees(math.atan2(right[1] - left[1], right[0] - left[0])))
    tilt = min(tilt, 180 - tilt)
    if not EYE_RATIO[0] <= ratio <= EYE_RATIO[1]:
        return f"landmarks do not fit the face (eyes {ratio:.2f} box widths apart)"
    if tilt > MAX_TILT:
        return f"landmarks do not fit the face (eye line tilted {tilt:.0f} degrees)"
    return None


def _extraction_issues(corpus, labels: dict) -> list[Issue]:
    if not corpus.db.execute("SELECT 1 FROM sqlite_master WHERE name='faces'").fetchone():
        return []
    cols = {r[1] for r in corpus.db.execute("PRAGMA table_info(faces)")}
    if not {"face_id", "score", "left", "top", "right", "bottom"} <= cols:
        return []
    extra = ", landmarks" if "landmarks" in cols else ", NULL"
    extra += ", detector" if "detector" in cols else ", 'hog'"
    out = []
    for fid, score, l, t, r, b, marks, detector in corpus.db.execute(
            f"SELECT face_id, score, left, top, right, bottom{extra} FROM faces f JOIN items i"
            " ON i.id = f.face_id WHERE i.status='ok' GROUP BY face_id"):
        if fid not in labels:
            continue
        if "landmarks" in cols:
            problem = landmark_problem(marks, (l, t, r, b))
            if problem:
                out.append(Issue(fid, labels[fid], REJECT, SCORES["landmarks"], [problem],
                                 ["unusable"]))
        if detector == "hog" and score is not None and score < MIN_HOG_SCORE:
            out.append(Issue(fid, labels[fid], REJECT, SCORES["detector"],
                             [f"weak face detection (HOG score {score:.2f} < {MIN_HOG_SCORE})"],
                             ["unusable"]))
    return out


def _blank_issues(corpus, labels: dict, progress: bool) -> list[Issue]:
    rows = corpus.db.execute("SELECT id, path FROM items WHERE kind='face' AND status='ok'"
                             " AND path IS NOT NULL ORDER BY id").fetchall()
    out = []
    for item_id, path in tqdm(rows, desc="issues: blank faces", unit="face", file=sys.stderr,
                              disable=not progress or len(rows) < 2000):
        try:
            std = float(to_array((corpus.root / path).read_bytes(), "L").std())
        except (ImageError, OSError) as exc:
            out.append(Issue(item_id, labels.get(item_id), REJECT, SCORES["blank"],
                             [f"face file does not decode: {exc}"], ["unusable"]))
            continue
        if std < BLANK_STD:
            out.append(Issue(item_id, labels.get(item_id), REJECT, SCORES["blank"],
                             [f"near-blank face (pixel std {std:.1f} < {BLANK_STD:.0f})"],
                             ["unusable"]))
    return out


def unusable_issues(corpus, *, progress: bool = True, **_) -> list[Issue]:
    labels = dict(corpus.db.execute("SELECT id, label FROM items WHERE kind='face'"))
    return _extraction_issues(corpus, labels) + _blank_issues(corpus, labels, progress)
