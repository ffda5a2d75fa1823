"""Every catalog read and write of the server, in one place and on one thread.

Uploads become items the way the rest of ferkit makes them: the image content-addressed with a
provenance row (engine `web`, the client, the time, the URL or file name), its faces committed
by the commit step of `curate extract` (face items, `faces` and `extractions` rows), the model's
probabilities in `predictions`, all in one transaction. Feedback is a label event on the face
(source `web`, by `web:<user>`, unreviewed). Each method commits before it returns, so a 2xx
built from its result is on disk; the engine calls them from a single thread.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from corpus import Corpus, TaxonomyError, now
from curate.extract import DDL as EXTRACT_DDL
from curate.extract import ExtractStats
# the step `curate extract` commits each image with (face items, `faces`, `extractions`)
from curate.extract import _commit as commit_image

from .errors import ApiError

ENGINE = "web"
MEDIA_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "GIF": "image/gif",
               "WEBP": "image/webp", "BMP": "image/bmp", "TIFF": "image/tiff"}


@dataclass
class StoredFace:
    index: int
    face_id: int
    box: list[int]
    score: float | None
    too_small: bool
    png: bytes = b""


@dataclass
class StoredImage:
    image_id: int
    width: int
    height: int
    format: str
    note: str | None
    faces: list[StoredFace] = field(default_factory=list)
    created: bool = False


def resolve_face_size(corpus: Corpus, extractor: dict | None) -> int:
    """The corpus's face size; a new corpus takes the one the model's corpus was cut at."""
    return int(corpus.get_meta("face_size") or (extractor or {}).get("size") or 100)


class WebStore:
    def __init__(self, corpus: Corpus, *, model_name: str, classes: list[str]):
        self.corpus = corpus
        self.model_name = model_name
        self.classes_json = json.dumps(classes)
        corpus.ensure(EXTRACT_DDL)
        missing = [c for c in classes if c not in corpus.taxonomy.classes]
        if missing:            # a model class (contempt) the corpus lacks: feedback may use it
            corpus.set_taxonomy(corpus.taxonomy.with_classes(missing))

    @property
    def labels(self) -> list[str]:
        return list(self.corpus.taxonomy.classes)

    # ------------------------------------------------------------------ uploads
    def lookup(self, sha: str) -> StoredImage | None:
        """An image already in the corpus and already cut into faces, with those faces."""
        row = self.corpus.db.execute(
            "SELECT i.id, i.width, i.height, i.format, e.reason FROM items i"
            " JOIN extractions e ON e.image_id = i.id WHERE i.sha256=?", (sha,)).fetchone()
        if row is None:
            return None
        img = StoredImage(row["id"], row["width"], row["height"], row["format"], row["reason"])
        for f in self.corpus.db.execute(
                "SELECT f.idx, f.face_id, f.left, f.top, f.right, f.bottom, f.score, i.status,"
                " i.reason, i.path FROM faces f JOIN items i ON i.id = f.face_id"
                " WHERE f.image_id=? ORDER BY f.idx", (row["id"],)):
            img.faces.append(StoredFace(
                f["idx"], f["face_id"], [f["left"], f["top"], f["right"], f["bottom"]],
                f["score"], f["status"] == "rejected" and (f["reason"] or "").startswith("too small"),
                (self.corpus.root / f["path"]).read_bytes()))
        return img

    def add(self, upload, analysis: dict, settings: dict, origin: dict,
            probs) -> StoredImage | None:
        """Store a new upload with its faces and their probabilities, in one transaction.

        None if the image was cut into faces meanwhile (by `curate extract` beside us): the
        caller then answers from lookup(), so face indices always match the stored faces."""
        c = self.corpus
        # an image below the minimum face size is not decoded, so it has only header sizes
        width, height = analysis.get("width", upload.width), analysis.get("height", upload.height)
        with c.transaction():
            row = c.db.execute("SELECT i.id FROM items i JOIN extractions e ON e.image_id = i.id"
                               " WHERE i.sha256=?", (upload.sha256,)).fetchone()
            if row is not None:
                return None
            known = c.db.execute("SELECT id FROM items WHERE sha256=?",
                                 (upload.sha256,)).fetchone()
            if known is not None:          # e.g. scraped earlier, not yet cut into faces
                image_id = known["id"]
                self._note_origin(image_id, origin)
            else:
                image_id, _ = c.add_bytes(upload.data, fmt=upload.format, kind="image",
                                          width=width, height=height,
                                          provenance=origin)
            commit_image(c, {**analysis, "id": image_id}, settings, ExtractStats())
            ids = dict(c.db.execute("SELECT idx, face_id FROM faces WHERE image_id=?",
                                    (image_id,)).fetchall())
            at = now()
            c.db.executemany(
                "INSERT OR REPLACE INTO predictions (item_id, model, classes, probs, at)"
                " VALUES (?,?,?,?,?)",
                [(ids[i], self.model_name, self.classes_json,
                  json.dumps([round(float(v), 5) for v in p]), at) for i, p in enumerate(probs)])
        faces = [StoredFace(i, ids[i], f["box"], f["score"], f["too_small"], f["png"])
                 for i, f in enumerate(analysis["faces"])]
        return StoredImage(image_id, width, height, upload.format,
                           analysis.get("note"), faces, created=known is None)

    def note_origin(self, image_id: int, origin: dict) -> None:
        with self.corpus.transaction():
            self._note_origin(image_id, origin)

    def _note_origin(self, image_id: int, origin: dict) -> None:
        """One provenance row per client and URL or file name, not one per request."""
        seen = self.corpus.db.execute(
            "SELECT 1 FROM provenance WHERE item_id=? AND engine=? AND image_url IS ?"
            " AND orig_name IS ? AND json_extract(extra, '$.client') IS ?",
            (image_id, ENGINE, origin.get("image_url"), origin.get("orig_name"),
             origin.get("client"))).fetchone()
        if seen is None:
            self.corpus.add_provenance(image_id, origin)

    # ------------------------------------------------------------------ feedback
    def feedback(self, image_id: int, face_index: int, label: str,
                 user: str) -> tuple[int, str, bool]:
        """(face item id, class, stored now?): the same user's same label again is stored once."""
        c = self.corpus
        self._web_image(image_id)
        try:
            label = c.taxonomy.canonical(label)
        except TaxonomyError:
            raise ApiError(422, "unknown_label", f"{label!r} is not a class here; use one of "
                                                 f"{', '.join(c.taxonomy.classes)}") from None
        row = c.db.execute("SELECT face_id FROM faces WHERE image_id=? AND idx=?",
                           (image_id, face_index)).fetchone()
        if row is None:
            n = c.db.execute("SELECT COUNT(*) FROM faces WHERE image_id=?",
                             (image_id,)).fetchone()[0]
            raise ApiError(404, "no_such_face", f"image {image_id} has {n} faces"
                                                + (f" (index 0..{n - 1})" if n else ""))
        face_id, by = row["face_id"], f"web:{user}"
        with c.transaction():
            last = c.db.execute("SELECT new_label FROM label_events WHERE item_id=? AND user=?"
                                " AND undone=0 ORDER BY id DESC LIMIT 1", (face_id, by)).fetchone()
            if last is not None and last["new_label"] == label:
                return face_id, label, False
            c.set_label(face_id, label, source="web", user=by, reviewed=False)
        return face_id, label, True

    # ------------------------------------------------------------------ reading back
    def _web_image(self, image_id: int):
        """The item, if it is an image this server received (others are not served)."""
        row = self.corpus.db.execute(
            "SELECT * FROM items WHERE id=? AND kind IN ('image', 'frame') AND EXISTS"
            " (SELECT 1 FROM provenance p WHERE p.item_id = items.id AND p.engine=?)",
            (image_id, ENGINE)).fetchone()
        if row is None:
            raise ApiError(404, "no_such_image", f"no image {image_id} was received by this "
                                                 f"server")
        return row

    def image_record(self, image_id: int) -> dict:
        row = self._web_image(image_id)
        ext = self.corpus.db.execute("SELECT outcome, reason FROM extractions WHERE image_id=?",
                                     (image_id,)).fetchone()
        faces = [{"index": f["idx"], "face_id": f["face_id"],
                  "box": [f["left"], f["top"], f["right"], f["bottom"]], "status": f["status"],
                  "label": f["label"], "label_source": f["label_source"],
                  "label_by": f["label_by"], "reviewed": bool(f["reviewed"])}
                 for f in self.corpus.db.execute(
                     "SELECT f.*, i.status, i.label, i.label_source, i.label_by, i.reviewed"
                     " FROM faces f JOIN items i ON i.id = f.face_id WHERE f.image_id=?"
                     " ORDER BY f.idx", (image_id,))]
        uploads = self.corpus.db.execute("SELECT COUNT(*) FROM provenance WHERE item_id=?"
                                         " AND engine=?", (image_id, ENGINE)).fetchone()[0]
        return {"image_id": image_id, "sha256": row["sha256"], "format": row["format"],
                "width": row["width"], "height": row["height"], "received_at": row["created_at"],
                "uploads": uploads, "extraction": dict(ext) if ext else None, "faces": faces,
                "file": f"/v1/images/{image_id}/file"}

    def image_file(self, image_id: int) -> tuple[str, str]:
        row = self._web_image(image_id)
        return str(self.corpus.path_of(row)), MEDIA_TYPES.get(row["format"] or "",
                                                               "application/octet-stream")
