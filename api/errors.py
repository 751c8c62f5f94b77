"""One error shape for the whole API: JSON {"error": ..., "detail": ...}, a 4xx for bad input, never a trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.store import QueryTimeout, StoreError

log = logging.getLogger("qikg.api")


class ApiError(Exception):
    """Raise from a route to answer with a JSON error; `extra` fields (e.g. suggestions) join the body."""

    def __init__(self, status: int, error: str, detail: Any = None, **extra: Any) -> None:
        super().__init__(error)
        self.status, self.error, self.detail, self.extra = status, error, detail, extra


def not_found(what: str, needle: str, suggestions: list[str]) -> ApiError:
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    return ApiError(404, f"unknown {what}", f"no {what} matches {needle[:200]!r}{hint}", suggestions=suggestions)


def error_body(error: str, detail: Any = None, **extra: Any) -> dict[str, Any]:
    return {"error": error, "detail": detail, **extra}


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.error, exc.detail, **exc.extra), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrases = {404: "not found", 405: "method not allowed", 406: "not acceptable", 413: "too large",
                   415: "unsupported media type"}
        return JSONResponse(error_body(phrases.get(exc.status_code, "request error"), exc.detail),
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"where": ".".join(str(p) for p in e.get("loc", ())), "problem": str(e.get("msg", ""))}
                    for e in exc.errors()]
        return JSONResponse(error_body("invalid request", problems), status_code=422)

    @app.exception_handler(QueryTimeout)
    async def store_timeout(_: Request, exc: QueryTimeout) -> JSONResponse:
        return JSONResponse(error_body("query timeout", str(exc)), status_code=503)

    @app.exception_handler(StoreError)
    async def store_error(_: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse(error_body("query failed", str(exc)), status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(error_body("internal error", "something went wrong on the server; it has been logged"),
                            status_code=500)
