"""POST /v1/feedback: "face N of image I is really LABEL" -> an unreviewed label event by
web:<user> on that face, waiting in `python -m labeler CORPUS --source web`."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from ..deps import PROTECTED, get_engine
from ..engine import Engine
from ..schemas import FeedbackIn, FeedbackOut
from .common import errors

router = APIRouter(tags=["feedback"])

ANONYMOUS = "anonymous"


@router.post("/feedback", status_code=201, response_model=FeedbackOut, dependencies=PROTECTED,
             responses={200: {"model": FeedbackOut, "description": "already stored: the same "
                                                                   "user sent the same label"},
                        **errors(401, 404, 413, 422, 429)})
async def feedback(body: FeedbackIn, response: Response, engine: Engine = Depends(get_engine)):
    user = body.user or ANONYMOUS
    face_id, label, stored = await engine.feedback(body.image_id, body.face_index, body.label,
                                                   user)
    if not stored:
        response.status_code = 200
    return FeedbackOut(face_id=face_id, label=label, user=user, stored=stored)
