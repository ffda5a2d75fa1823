"""Video -> frame items: MMI-style clips enter the same pipeline as photos.

    add_video_frames(corpus, "clip.mp4", every=1.0) -> FramesResult

Frames are decoded in order (seeking in compressed video lands on key frames, not on the time
asked for) and one is kept every `every` seconds, stored as a JPEG item of kind 'frame' with no
label. Each frame's provenance names the video (orig_name), its digest and the frame index,
which is also how a rerun after a kill recognises frames it already stored.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

import cv2
from tqdm import tqdm

from corpus import Corpus, sniff

SOURCE = "video"


@dataclass
class FramesResult:
    video: str
    added: int = 0
    already: int = 0
    frames_read: int = 0
    error: str | None = None
    ids: list = field(default_factory=list)


def _file_sha(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _known(corpus: Corpus, source_id: str) -> int | None:
    row = corpus.db.execute("SELECT item_id FROM provenance WHERE source_dataset=? AND source_id=?",
                            (SOURCE, source_id)).fetchone()
    return row[0] if row else None


def add_video_frames(corpus: Corpus, path: str, *, every: float = 1.0,
                     quality: int = 95, max_frames: int | None = None,
                     progress: bool = False) -> FramesResult:
    """Store the frames of one video; a video that cannot be read is recorded as failed."""
    res = _add_frames(corpus, path, every, quality, max_frames, progress)
    if res.error:
        key = f"{res.video}:failed"
        if _known(corpus, key) is None:     # a rerun does not record the same failure twice
            corpus.add_failed(f"video: {res.error}", kind="frame",
                              provenance={"orig_name": res.video, "source_dataset": SOURCE,
                                          "source_id": key})
    return res


def _add_frames(corpus, path, every, quality, max_frames, progress=False) -> FramesResult:
    name = os.path.basename(path)
    res = FramesResult(video=name)
    if every <= 0:
        raise ValueError(f"--every must be > 0 seconds, got {every}")
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
        sha = _file_sha(path)
    except OSError as exc:
        res.error = f"cannot read video: {exc}"
        return res
    if sniff(head):
        # OpenCV happily opens a still image as a one-frame "video"; that is a user mistake.
        res.error = f"{sniff(head)} image, not a video (add images with an importer)"
        return res
    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    bar = tqdm(unit="frame", desc=name[:30], disable=not progress, leave=False)
    try:
        if not cap.isOpened():
            res.error = "OpenCV/FFmpeg cannot open it as a video"
            return res
        fps = cap.get(cv2.CAP_PROP_FPS)
        if not fps or fps != fps or fps <= 0 or fps > 1000:
            res.error = f"no usable frame rate ({fps})"
            return res
        next_t, index = 0.0, -1
        bar.reset(total=int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None)
        while max_frames is None or res.added + res.already < max_frames:
            if not cap.grab():
                break
            index += 1
            bar.update(1)
            t = index / fps
            if t + 1e-6 < next_t:
                continue
            while next_t <= t + 1e-6:
                next_t += every
            ok, frame = cap.retrieve()
            if not ok or frame is None:
                continue
            res.frames_read += 1
            source_id = f"{sha[:16]}@{index}"
            existing = _known(corpus, source_id)
            if existing is not None:
                res.already += 1
                res.ids.append(existing)
                continue
            ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if not ok:
                continue
            item_id, _ = corpus.add_bytes(
                buf.tobytes(), fmt="JPEG", kind="frame", width=frame.shape[1],
                height=frame.shape[0], meta={"timestamp_s": round(t, 3), "frame_index": index,
                                             "video": name, "video_sha256": sha},
                provenance={"orig_name": name, "source_dataset": SOURCE, "source_id": source_id,
                            "timestamp_s": round(t, 3), "frame_index": index, "fps": fps})
            res.added += 1
            res.ids.append(item_id)
        if res.frames_read == 0:
            res.error = "no frame could be decoded"
    finally:
        cap.release()
        bar.close()
    return res
