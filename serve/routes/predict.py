"""POST /v1/predict: a photo (multipart field `image`) or an image_url (JSON) -> faces and
every class's probability per face; the photo and its faces are stored in the corpus."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from ..deps import PROTECTED, client_of, get_engine
from ..engine import Engine
from ..errors import ApiError
from ..intake import safe_name
from ..schemas import PredictResponse, PredictUrl
from .common import errors

router = APIRouter(tags=["predict"])

# One route, two bodies: FastAPI cannot declare both, so the schema is written out here.
BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["image"], "properties": {
        "image": {"type": "string", "format": "binary", "description": "the photo"}}}},
    "application/json": {"schema": PredictUrl.model_json_schema()}}}}


@router.post("/predict", response_model=PredictResponse, response_model_exclude_none=True,
             dependencies=PROTECTED, openapi_extra=BODY,
             responses=errors(400, 401, 413, 415, 422, 429))
async def predict(request: Request,
                  annotate: bool = Query(False, description="add annotated_png: the photo with "
                                                            "boxes and top emotions"),
                  crops: bool = Query(False, description="add crops: each aligned face as PNG"),
                  engine: Engine = Depends(get_engine)):
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        async with request.form(max_files=1, max_fields=8) as form:
            upload = form.get("image")
            if not isinstance(upload, UploadFile):
                raise ApiError(400, "missing_image", "send the photo as a file in the multipart "
                                                     "field 'image'")
            data = await upload.read()
            origin = {"orig_name": safe_name(upload.filename)}
    elif ctype == "application/json":
        try:
            body = PredictUrl.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None
        data, final_url = await engine.fetch(body.image_url)
        origin = {"image_url": body.image_url}
        if final_url != body.image_url:
            origin["final_url"] = final_url
    else:
        raise ApiError(415, "unsupported_media_type",
                       "send multipart/form-data with a file field 'image', or application/json "
                       "{\"image_url\": \"https://...\"}")
    return await engine.predict(data, {**origin, "client": client_of(request)},
                                annotate=annotate, crops=crops)
