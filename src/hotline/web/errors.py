"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from hotline.errors import DomainError, Unauthorized


def install_error_handlers(app: FastAPI) -> None:
    """Map DomainError to its status code and request-shape errors to 422, each naming the field."""

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        body = {"detail": error.message, "field": error.field, "rule": error.rule}
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
        return JSONResponse(body, status_code=error.status_code, headers=headers)

    @app.exception_handler(DataError)
    async def unstorable_value(_request: Request, error: DataError) -> JSONResponse:
        # A value the database cannot hold (out of range, bad encoding) is the caller's fault, not a crash.
        return JSONResponse({"detail": "a value cannot be stored: " + str(error.orig).splitlines()[0],
                             "field": None}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def shape_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")]
            problems.append({"field": ".".join(location) or None, "message": item.get("msg", "invalid")})
        first = problems[0] if problems else {"field": None, "message": "invalid request"}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return JSONResponse({"detail": detail, "field": first["field"], "errors": problems}, status_code=422)
