"""create_app(settings): the one place the server is put together."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import errors
from .body_limit import BodyLimit
from .config import Settings
from .routes import feedback, images, meta, predict

DESCRIPTION = """Facial-expression predictions for photos, and corrections that go back into the
corpus's labeling queue (`python -m labeler CORPUS --source web`). Errors are JSON
`{"error": code, "detail": sentence}`."""

JSON_LIMIT = 64 * 1024          # every body but an upload
MULTIPART_SLACK = 64 * 1024     # boundaries and headers around the uploaded file


def create_app(settings: Settings, engine=None) -> FastAPI:
    """engine: an already loaded Engine (the CLI loads it before binding the port, so a bad
    model fails before anything listens); None loads one at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from .engine import Engine
        app.state.engine = engine or Engine(settings)
        try:
            yield
        finally:
            app.state.engine.close()

    app = FastAPI(title="ferkit serve", version="1", description=DESCRIPTION, lifespan=lifespan)
    errors.install(app)
    for module in (predict, feedback, images, meta):
        app.include_router(module.router, prefix="/v1")
    app.include_router(meta.page)
    app.mount("/static", StaticFiles(directory=meta.STATIC), name="static")
    app.add_middleware(BodyLimit, limits={"/v1/predict": settings.max_bytes + MULTIPART_SLACK},
                       default=JSON_LIMIT)
    return app
