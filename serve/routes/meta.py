"""GET /v1/health, GET /v1/model, and the page at /."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from ..deps import LIMITED, get_engine
from ..engine import Engine
from ..schemas import Health, ModelInfo
from .common import errors

STATIC = Path(__file__).resolve().parents[1] / "static"

router = APIRouter(tags=["meta"])
page = APIRouter(include_in_schema=False)


@router.get("/health", response_model=Health)
async def health(engine: Engine = Depends(get_engine)):
    return engine.health()


@router.get("/model", response_model=ModelInfo, dependencies=LIMITED, responses=errors(429))
async def model(engine: Engine = Depends(get_engine)):
    return await engine.model_info()


# The page runs only its own script; photos it shows are blobs and crops data: URLs.
PAGE_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
                                           "media-src 'self' blob:; frame-ancestors 'none'"}


@page.get("/")
async def index():
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)
