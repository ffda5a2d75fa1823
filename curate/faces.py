"""The face extractor: dlib finds faces, 5-point landmarks align them, crops come out gray.

This is the one preprocessing path for faces in ferkit: `curate extract` stores its crops and
`train predict` calls it on new photos, so a model sees at prediction time exactly what it was
trained on.

    fx = FaceExtractor(size=100)
    for face in fx.extract(rgb):      # uint8 HxWx3 (or HxW gray), upright
        face.crop, face.box, face.score, face.rotation

Detection runs on a copy whose longer side is at most `max_side` (HOG cost grows with the pixel
count, so a 4000 px photo then costs what an 800 px one does); landmarks and the aligned crop
are taken from the full-resolution image so the crop keeps all the detail there is.
"""
from __future__ import annotations

import importlib.util
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import dlib
import numpy as np

DETECTORS = ("hog", "cnn")
# HOG at upsample 0-1 gave a false positive scoring 0.24 on a real photo while every real
# frontal face in photos/ scored >= 0.58; the mmod CNN's own threshold (0) is already strict.
DEFAULT_MIN_SCORE = {"hog": 0.5, "cnn": 0.0}


class ExtractorError(RuntimeError):
    """A detector or model that cannot be loaded; the message says what to install."""


@dataclass
class Face:
    crop: np.ndarray                      # uint8 size x size, grayscale, eyes level
    box: tuple[int, int, int, int]        # left, top, right, bottom in the input's pixels
    score: float
    landmarks: list[tuple[float, float]] = field(default_factory=list)  # 5 points, input pixels
    rotation: float = 0.0                 # degrees the eye line was tilted (undone in crop)
    too_small: bool = False               # box narrower than min_face

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


@lru_cache(maxsize=None)
def models_dir() -> str:
    # find_spec, not import: the package's __init__ imports pkg_resources, gone in setuptools 81.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ExtractorError("the dlib model files are missing: pip install face-recognition-models")
    return os.path.join(list(spec.submodule_search_locations)[0], "models")


def model_path(name: str) -> str:
    path = os.path.join(models_dir(), name)
    if not os.path.isfile(path):
        raise ExtractorError(f"dlib model {name} not found in {models_dir()}; "
                             f"reinstall face-recognition-models")
    return path


def eye_angle(points) -> float:
    """Tilt of the eye line in degrees (0 = level), from dlib's 5-point layout.

    Points 0-1 are the corners of the eye on the image's right, 2-3 the other eye, 4 the nose.
    """
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points[:4]
    rx, ry = (x0 + x1) / 2, (y0 + y1) / 2
    lx, ly = (x2 + x3) / 2, (y2 + y3) / 2
    return math.degrees(math.atan2(ry - ly, rx - lx))


class FaceExtractor:
    def __init__(self, size: int = 100, detector: str = "hog", upsample: int = 1,
                 min_face: int = 24, margin: float = 0.25, max_side: int = 800,
                 min_score: float | None = None, pad_retry: bool = True):
        if detector not in DETECTORS:
            raise ExtractorError(f"unknown detector {detector!r}; choose one of {DETECTORS}")
        if size < 8 or upsample < 0 or margin < 0 or max_side < 64:
            raise ExtractorError(f"bad settings: size={size} (>= 8), upsample={upsample} (>= 0), "
                                 f"margin={margin} (>= 0), max_side={max_side} (>= 64)")
        self.size, self.detector, self.upsample = int(size), detector, int(upsample)
        self.min_face, self.margin, self.max_side = int(min_face), float(margin), int(max_side)
        self.min_score = DEFAULT_MIN_SCORE[detector] if min_score is None else float(min_score)
        self.pad_retry = bool(pad_retry)
        if detector == "hog":
            self._hog = dlib.get_frontal_face_detector()
        else:
            self._cnn = dlib.cnn_face_detection_model_v1(model_path("mmod_human_face_detector.dat"))
        self._shape = dlib.shape_predictor(model_path("shape_predictor_5_face_landmarks.dat"))

    def settings(self) -> dict:
        return {"size": self.size, "detector": self.detector, "upsample": self.upsample,
                "min_face": self.min_face, "margin": self.margin, "max_side": self.max_side,
                "min_score": self.min_score, "pad_retry": self.pad_retry}

    # ------------------------------------------------------------------ detection
    def _detect(self, small: np.ndarray) -> list[tuple[dlib.rectangle, float]]:
        if self.detector == "hog":
            rects, scores, _ = self._hog.run(small, self.upsample, self.min_score)
            found = list(zip(rects, scores))
        else:
            found = [(d.rect, d.confidence) for d in self._cnn(small, self.upsample)]
        return [(r, float(s)) for r, s in found if s >= self.min_score]

    def detect(self, image: np.ndarray) -> tuple[np.ndarray, list[tuple[dlib.rectangle, float]]]:
        """Gray full-resolution image and face rectangles (full-resolution coords), best first."""
        gray = to_gray(image)
        h, w = gray.shape
        scale = min(1.0, self.max_side / max(h, w))
        if scale < 1.0:
            small = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))),
                               interpolation=cv2.INTER_AREA)
        else:
            small = gray
        if self.detector == "cnn":
            small = np.ascontiguousarray(np.repeat(small[:, :, None], 3, axis=2))
        found = []
        for r, s in self._detect(small):
            full = dlib.rectangle(round(r.left() / scale), round(r.top() / scale),
                                  round(r.right() / scale), round(r.bottom() / scale))
            found.append((full, s))
        found.sort(key=lambda rs: -rs[1])
        return gray, found

    # ------------------------------------------------------------------ extraction
    def extract(self, image: np.ndarray) -> list[Face]:
        """Every face in an upright uint8 image (RGB HxWx3 or gray HxW), best score first."""
        gray, found = self.detect(image)
        h, w = gray.shape
        work, off = gray, 0
        if not found and self.pad_retry:
            # Tight crops (dataset faces, thumbnails) leave HOG no context around the face:
            # a replicated border found a face in 22 of 77 such misses on muxspace images.
            off = max(h, w) // 4
            work = cv2.copyMakeBorder(gray, off, off, off, off, cv2.BORDER_REPLICATE)
            found = self.detect(work)[1]
        faces = []
        for rect, score in found:
            shape = self._shape(work, rect)
            points = [(float(p.x) - off, float(p.y) - off) for p in shape.parts()]
            crop = dlib.get_face_chip(work, shape, size=self.size, padding=self.margin)
            box = (max(0, rect.left() - off), max(0, rect.top() - off),
                   min(w, rect.right() - off), min(h, rect.bottom() - off))
            faces.append(Face(crop=np.ascontiguousarray(crop, dtype=np.uint8), box=box,
                              score=score, landmarks=points, rotation=eye_angle(points),
                              too_small=(rect.right() - rect.left()) < self.min_face))
        return faces

    def landmarks_in_crop(self, crop: np.ndarray) -> list[tuple[float, float]]:
        """Re-find the 5 landmarks on an aligned crop (checks alignment; no detector needed).

        The chip puts the face in its middle 1/(1+2*margin) part, so that is the box we give.
        """
        s = crop.shape[0]
        inset = s * self.margin / (1 + 2 * self.margin)
        rect = dlib.rectangle(round(inset), round(inset), round(s - inset), round(s - inset))
        return [(float(p.x), float(p.y)) for p in self._shape(to_gray(crop), rect).parts()]


def to_gray(image: np.ndarray) -> np.ndarray:
    """uint8 contiguous gray from gray, RGB or RGBA (alpha dropped: callers flatten it first)."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise ExtractorError(f"expected a uint8 image, got {arr.dtype} (decode with corpus.images)")
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        arr = cv2.cvtColor(arr[:, :, :3], cv2.COLOR_RGB2GRAY)
    elif arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    elif arr.ndim != 2:
        raise ExtractorError(f"expected HxW or HxWx3 image, got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def encode_png(crop: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", crop)
    if not ok:
        raise ExtractorError("PNG encoding failed")
    return buf.tobytes()
