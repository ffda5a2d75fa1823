"""ASGI middleware: a request body over its route's cap is refused with 413 before it is held.

Starlette spools multipart files of any size to disk, so the cap has to sit below it, on the
byte stream. A declared Content-Length over the cap is answered at once; a chunked body is
counted as it arrives. Either way the rest of the body is read and thrown away (up to `drain`
bytes) before answering: a server that replies and closes while the client is still sending
makes the client's socket fail, and the client would see a reset instead of the 413.
"""
from __future__ import annotations

import json

from .errors import ApiError


class BodyTooLarge(ApiError):
    def __init__(self, limit: int):
        super().__init__(413, "too_large", f"the request body is over this server's limit of "
                                           f"{limit:,} bytes")


class BodyLimit:
    def __init__(self, app, *, limits: dict[str, int], default: int, drain: int = 64_000_000):
        self.app, self.limits, self.default, self.drain = app, limits, default, drain

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limits.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            if int(declared) <= self.drain:
                await _drain(receive, self.drain)
            return await _reply_413(send, limit)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if message.get("more_body"):
                        await _drain(receive, self.drain - seen)
                    raise BodyTooLarge(limit)
            return message

        return await self.app(scope, counted, send)


async def _drain(receive, budget: int) -> None:
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body"):
            return


async def _reply_413(send, limit: int) -> None:
    err = BodyTooLarge(limit)
    body = json.dumps({"error": err.error, "detail": err.detail}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
