"""GET /v1/images/{id}: what the corpus holds about a photo this server received (its faces,
their labels and review state); /file: its stored bytes. Other corpus items are not served."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from fastapi.responses import FileResponse

from ..deps import PROTECTED, get_engine
from ..engine import Engine
from ..schemas import ImageRecord
from .common import errors

router = APIRouter(tags=["images"], dependencies=PROTECTED)

ImageId = Path(ge=1, description="the image_id predict returned")


@router.get("/images/{image_id}", response_model=ImageRecord, responses=errors(401, 404, 429))
async def image(image_id: int = ImageId, engine: Engine = Depends(get_engine)):
    return await engine.image_record(image_id)


@router.get("/images/{image_id}/file", response_class=FileResponse,
            responses=errors(401, 404, 429))
async def image_file(image_id: int = ImageId, engine: Engine = Depends(get_engine)):
    # the path comes from the catalog (derived from the bytes' SHA-256), never from the request
    path, media_type = await engine.image_file(image_id)
    return FileResponse(path, media_type=media_type,
                        headers={"Cache-Control": "private, max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})
