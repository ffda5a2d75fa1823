"""The API's schema: what each route takes and returns (also what /docs shows)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    error: str = Field(description="a short code to branch on, e.g. too_large, url_refused")
    detail: str = Field(description="what went wrong, for a person")


class PredictUrl(BaseModel):
    model_config = ConfigDict(extra="forbid")
    image_url: str = Field(min_length=1, max_length=2048,
                           description="an http(s) URL of a photo; the server fetches it")


class FaceResult(BaseModel):
    index: int = Field(description="0 = the face the detector was surest of; use it in feedback")
    face_id: int = Field(description="the face's item id in the corpus")
    box: list[int] = Field(min_length=4, max_length=4,
                           description="left, top, right, bottom in the photo's upright pixels")
    score: float | None = Field(description="detector score")
    too_small: bool = Field(description="narrower than the extractor's minimum face")
    probabilities: dict[str, float] = Field(description="every class of the model, summing to 1")
    top: str = Field(description="the most probable class")


class PredictResponse(BaseModel):
    image_id: int = Field(description="the photo's item id in the corpus (same bytes, same id)")
    width: int
    height: int
    format: str
    model: str
    faces: list[FaceResult]
    note: str | None = Field(None, description="e.g. 'no face found', 'animated GIF, 24 "
                                               "frames: first frame used'")
    annotated_png: str | None = Field(None, description="base64 PNG with boxes (?annotate=1)")
    crops: list[str] | None = Field(None, description="base64 PNG of each aligned face, in "
                                                      "index order (?crops=1)")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    image_id: int = Field(ge=1)
    face_index: int = Field(ge=0)
    label: str = Field(min_length=1, max_length=64, description="the right class")
    user: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$",
                             description="who says so; stored as web:<user>")


class FeedbackOut(BaseModel):
    face_id: int
    label: str
    user: str
    stored: bool = Field(description="false: this user had already sent this label for this "
                                     "face, nothing new was stored (status 200 instead of 201)")


class Health(BaseModel):
    status: str
    model: str
    auth: bool = Field(description="write and image routes need 'Authorization: Bearer <token>'")
    uptime_s: float
    requests: dict[str, int]
    batching: dict[str, int] = Field(description="model calls against requests answered")


class ModelInfo(BaseModel):
    name: str
    classes: list[str]
    input_size: int
    face_size: int = Field(description="faces are cut at this size, stored, then resized to "
                                       "input_size as in training")
    six_class: bool
    preset: str | None = None
    params: int | None = None
    written_at: str | None = None
    metrics: dict
    extractor: dict
    feedback_labels: list[str] = Field(description="classes feedback may name")


class ImageFace(BaseModel):
    index: int
    face_id: int
    box: list[int]
    status: str
    label: str | None
    label_source: str | None
    label_by: str | None
    reviewed: bool


class ImageRecord(BaseModel):
    image_id: int
    sha256: str
    format: str | None
    width: int | None
    height: int | None
    received_at: str
    uploads: int = Field(description="provenance rows from this server (client, URL or name)")
    extraction: dict | None
    faces: list[ImageFace]
    file: str = Field(description="where the stored bytes are served")
