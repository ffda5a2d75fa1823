"""The pipeline behind the routes: checked bytes -> faces -> one batched model call -> commit.

Nothing slow runs on the event loop. Decoding, dlib and PNG work go to a CPU pool (dlib, Pillow,
OpenCV and numpy release the GIL), URL fetches to an I/O pool, the model to the batcher's
thread, and every catalog access to one database thread, so transactions never interleave.

An image already in the corpus and cut into faces is answered from its stored faces (the same
bytes always give the same face indices, whoever extracted them); identical uploads that
arrive together share one extraction.
"""
from __future__ import annotations

import asyncio
import base64
import functools
import io
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from corpus import Corpus, now, to_array
from curate.extract_work import extract_batch

from . import intake
from .batcher import MicroBatcher
from .classifier import Classifier
from .config import Settings
from .errors import ApiError
from .ratelimit import RateLimiter
from .store import ENGINE, StoredImage, WebStore, resolve_face_size
from .urlsource import UrlSource


def _gray(png: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Engine:
    def __init__(self, settings: Settings):
        from train.predict import extractor_for

        self.settings = settings
        self.classifier = Classifier(settings.model)
        corpus = Corpus(settings.corpus)
        card = self.classifier.card
        size = resolve_face_size(corpus, card.get("extractor"))
        if corpus.get_meta("face_size") is None:
            corpus.set_meta("face_size", size)
        # The card's extractor settings, at this corpus's face size: faces are stored as
        # `curate extract` would store them, and the classifier brings them to the model as
        # training saw its faces (train.data.as_trained).
        # Built once here so missing dlib models fail at start-up, not on a request.
        self.extract_settings = extractor_for({**card, "face_size": size}).settings()
        self.store = WebStore(corpus, model_name=self.classifier.name,
                              classes=self.classifier.classes)
        self.cpu = ThreadPoolExecutor(settings.workers, thread_name_prefix="serve-cpu")
        self.io = ThreadPoolExecutor(8, thread_name_prefix="serve-io")
        self.db = ThreadPoolExecutor(1, thread_name_prefix="serve-db")
        self.batcher = MicroBatcher(self.classifier, window=settings.batch_window_ms / 1000,
                                    max_items=settings.max_batch)
        self.urls = UrlSource(max_bytes=settings.max_bytes, timeout=settings.url_timeout,
                              allow_private=settings.allow_private_urls,
                              allow_networks=settings.allow_url_networks)
        self.limiter = RateLimiter(settings.rate, settings.burst)
        self.counts: Counter = Counter()
        self.started = time.monotonic()
        self._inflight: dict[str, asyncio.Future] = {}

    def close(self) -> None:
        self.batcher.close()
        for pool in (self.cpu, self.io, self.db):
            pool.shutdown(wait=True, cancel_futures=True)
        self.urls.close()
        self.store.corpus.close()

    # ------------------------------------------------------------------ plumbing
    async def _in(self, pool, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(fn, *args))

    async def _once(self, key: str, make):
        """(result, True) for the caller that ran make(); later callers with the same key that
        arrive while it runs wait for it and get (result, False)."""
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running), False
        fut = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            result = await make()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                fut.cancel()
            else:
                fut.set_exception(exc)
                fut.exception()         # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            fut.set_result(result)
            return result, True
        finally:
            self._inflight.pop(key, None)

    # ------------------------------------------------------------------ predict
    async def fetch(self, url: str) -> tuple[bytes, str]:
        return await self._in(self.io, self.urls.get, url)

    async def predict(self, data: bytes, origin: dict, *, annotate: bool = False,
                      crops: bool = False) -> dict:
        s = self.settings
        # hashing 10 MB takes tens of ms: not on the event loop
        up = await self._in(self.cpu, functools.partial(intake.check, max_bytes=s.max_bytes,
                                                        max_pixels=s.max_pixels), data)
        origin = {"engine": ENGINE, "fetched_at": now(), **origin}
        (stored, probs, recorded), first = await self._once(
            up.sha256, lambda: self._faces_and_probs(up, origin))
        if not (first and recorded):
            await self._in(self.db, self.store.note_origin, stored.image_id, origin)
        self.counts["predict"] += 1
        return await self._in(self.cpu, self._answer, up, stored, probs, annotate, crops)

    async def _faces_and_probs(self, up, origin) -> tuple[StoredImage, np.ndarray, bool]:
        stored = await self._in(self.db, self.store.lookup, up.sha256)
        if stored is None:
            analysis, x = await self._in(self.cpu, self._analyze, up)
            probs = await asyncio.wrap_future(self.batcher.submit(x))
            stored = await self._in(self.db, self.store.add, up, analysis,
                                    self.extract_settings, origin, probs)
            if stored is not None:
                return stored, probs, True
            stored = await self._in(self.db, self.store.lookup, up.sha256)   # cut meanwhile
        x = await self._in(self.cpu, self._prepare_stored, stored)
        probs = await asyncio.wrap_future(self.batcher.submit(x))
        return stored, probs, False

    def _analyze(self, up) -> tuple[dict, np.ndarray]:
        # curate extract's worker step (its extractor cached per thread), on the bytes
        analysis = extract_batch(self.extract_settings, None, [(0, up.data)])[0]
        if "error" in analysis:
            raise ApiError(422, "unreadable", f"the {up.format} could not be decoded: "
                                              f"{analysis['error']}")
        # The files go in place here (fsync off the database thread); add() then finds them.
        self.store.corpus.store_object(up.data, up.format)
        for f in analysis["faces"]:
            self.store.corpus.store_object(f["png"], "PNG")
        return analysis, self.classifier.prepare([_gray(f["png"]) for f in analysis["faces"]])

    def _prepare_stored(self, stored: StoredImage) -> np.ndarray:
        return self.classifier.prepare([_gray(f.png) for f in stored.faces])

    def _answer(self, up, stored: StoredImage, probs, annotate: bool, crops: bool) -> dict:
        classes = self.classifier.classes
        faces = []
        for f, p in zip(stored.faces, probs):
            faces.append({"index": f.index, "face_id": f.face_id, "box": f.box,
                          "score": None if f.score is None else round(float(f.score), 4),
                          "too_small": f.too_small,
                          "probabilities": {c: round(float(p[i]), 4) for i, c in enumerate(classes)},
                          "top": classes[int(np.argmax(p))]})
        # an item stored by another stage may lack sizes: the header's are as good
        out = {"image_id": stored.image_id, "width": stored.width or up.width,
               "height": stored.height or up.height,
               "format": stored.format, "model": self.classifier.name, "faces": faces,
               "note": stored.note or (None if faces else "no face found")}
        if crops:
            out["crops"] = [_b64(f.png) for f in stored.faces]
        if annotate:
            out["annotated_png"] = _b64(self._annotated(up.data, faces))
        return out

    def _annotated(self, data: bytes, faces: list[dict]) -> bytes:
        from PIL import Image

        from train.annotate import draw_faces
        rgb = to_array(data, "RGB")
        h, w = rgb.shape[:2]
        k = min(1.0, self.settings.annotate_max_side / max(h, w))
        if k < 1.0:           # a 6000 px photo would make a 50 MB answer
            rgb = np.asarray(Image.fromarray(rgb).resize((round(w * k), round(h * k)),
                                                         Image.BILINEAR))
        drawn = draw_faces(rgb, [{"box": [round(v * k) for v in f["box"]],
                                  "top": sorted(f["probabilities"].items(),
                                                key=lambda cp: -cp[1])[:2]} for f in faces])
        buf = io.BytesIO()
        drawn.save(buf, "PNG")
        return buf.getvalue()

    # ------------------------------------------------------------------ the rest
    async def feedback(self, image_id: int, face_index: int, label: str, user: str):
        result = await self._in(self.db, self.store.feedback, image_id, face_index, label, user)
        self.counts["feedback"] += 1
        return result

    async def image_record(self, image_id: int) -> dict:
        return await self._in(self.db, self.store.image_record, image_id)

    async def image_file(self, image_id: int) -> tuple[str, str]:
        return await self._in(self.db, self.store.image_file, image_id)

    def health(self) -> dict:
        return {"status": "ok", "model": self.classifier.name, "auth": self.settings.auth,
                "uptime_s": round(time.monotonic() - self.started, 1),
                "requests": dict(self.counts), "batching": self.batcher.stats.as_dict()}

    async def model_info(self) -> dict:
        labels = await self._in(self.db, lambda: self.store.labels)
        return {**self.classifier.info(), "face_size": self.extract_settings["size"],
                "extractor": self.extract_settings, "feedback_labels": labels}
