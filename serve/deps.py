"""Dependencies the routes declare: the engine, the rate limit, the bearer token."""
from __future__ import annotations

import hmac

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .engine import Engine
from .errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="the token given to `python -m serve --token`")


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def rate_limit(request: Request, engine: Engine = Depends(get_engine)) -> None:
    client = client_of(request)
    wait = engine.limiter.take(client)
    if wait:
        lim = engine.limiter
        raise ApiError(429, "rate_limited",
                       f"too many requests from {client}: at most {lim.rate:g} per second "
                       f"(bursts of {lim.burst}); retry in {lim.retry_after(wait)} s",
                       headers={"Retry-After": lim.retry_after(wait)})


def require_token(creds: HTTPAuthorizationCredentials | None = Security(_bearer),
                  engine: Engine = Depends(get_engine)) -> None:
    token = engine.settings.token
    if not token:
        return
    challenge = {"WWW-Authenticate": "Bearer"}
    if creds is None:
        raise ApiError(401, "unauthorized", "this server needs a token: send the header "
                                            "'Authorization: Bearer <token>'", challenge)
    if not hmac.compare_digest(creds.credentials.encode(), token.encode()):
        raise ApiError(401, "unauthorized", "the token does not match", challenge)


# Order matters: a client sending wrong tokens in a loop is slowed down too.
PROTECTED = [Depends(rate_limit), Depends(require_token)]
LIMITED = [Depends(rate_limit)]
