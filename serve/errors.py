"""Every error leaves the server as JSON {"error": code, "detail": sentence} with a 4xx status.

`error` is a short stable code a client can branch on; `detail` is for a person. ApiError is an
HTTPException, so FastAPI passes it through its own body parsing unchanged.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger("serve")

# Codes for the statuses Starlette raises by itself (unknown route, wrong method, ...).
_DEFAULT_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                  405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
                  422: "invalid_request", 429: "rate_limited"}


class ApiError(HTTPException):
    def __init__(self, status: int, error: str, detail: str, headers: dict | None = None):
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.error = error


def error_response(status: int, error: str, detail: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    code = getattr(exc, "error", None) or _DEFAULT_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))


def _where(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = "; ".join(f"{_where(e.get('loc', ()))}: {e.get('msg', 'invalid')}"
                         for e in exc.errors()[:5])
    return error_response(422, "invalid_request", problems or "the request is not valid")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal", "the server failed on this request; it was logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
