"""RFC 9457 problem+json: one shape for every error of every service and the gateway."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException

from kernel.integrity import integrity_violation
from kernel.observability import bind_request_id, current_request_id, request_id_of, reset_request_id
from kernel.openapi import PROBLEM_CONTENT_TYPE, allowed_methods, document_problems
from kernel.rules import FieldProblem

log = logging.getLogger(__name__)


def problem_type(slug: str) -> str:
    # A relative URI reference (RFC 9457 §3.1.1): docs/api-contract.md explains each slug.
    return f"/problems/{slug}"


class Problem(Exception):
    """An error the client can act on. Subclasses name the common kinds."""

    status: int = 400
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.extensions = dict(extensions or {})
        self.detail = detail
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        self.title = title or HTTPStatus(self.status).phrase
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})


class Unauthorized(Problem):
    status, slug = 401, "unauthorized"

    def __init__(self, detail: str, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="gare-numerique"'})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, slug = 403, "forbidden"


class NotFound(Problem):
    status, slug = 404, "not-found"


class Conflict(Problem):
    status, slug = 409, "conflict"

    @classmethod
    def taken(cls, detail: str, *fields: str, slug: str | None = None) -> Conflict:
        """A value a uniqueness rule says is in use: the 409 names the fields to change."""
        return cls(
            detail,
            slug=slug,
            errors=[
                {"in": "body", "field": field, "detail": "already taken", "type": "unique"}
                for field in fields
            ],
        )


def integrity_conflict(
    exc: IntegrityError,
    metadata: MetaData | None = None,
    *,
    detail: str | None = None,
    slug: str | None = None,
) -> Conflict:
    """A write the database refused, as the 409 a client can act on: for a uniqueness rule, the
    fields whose values are taken. Whether the check before missed it (a twin request, a rename, an
    autoflush) or there was none, the answer is the same."""
    violation = integrity_violation(exc, metadata)
    if violation.kind == "unique":
        thing = (violation.table or "resource").replace("_", " ")
        names = ", ".join(f"`{field}`" for field in violation.fields)
        return Conflict.taken(
            detail or f"Another {thing} already has this {names}.", *violation.fields, slug=slug
        )
    if violation.kind == "foreign_key":
        return Conflict(
            detail or "The change refers to something removed meanwhile, or removes something still in use.",
            slug=slug,
        )
    log.warning("integrity error mapped to 409", extra={"table": violation.table, "error": str(exc.orig)})
    return Conflict(detail or "The change conflicts with what is stored; reload and retry.", slug=slug)


async def commit_or_conflict(
    session: AsyncSession, *, detail: str | None = None, slug: str | None = None
) -> None:
    """Commit; a rule the database enforces (another request took the code meanwhile) is a 409."""
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise integrity_conflict(exc, _metadata_of(session), detail=detail, slug=slug) from exc


def _metadata_of(session: AsyncSession) -> MetaData | None:
    metadata = session.info.get("metadata")
    return metadata if isinstance(metadata, MetaData) else None


class PayloadTooLarge(Problem):
    status, slug = 413, "payload-too-large"


class InvalidInput(Problem):
    status, slug = 422, "validation-error"

    @classmethod
    def from_problems(cls, detail: str, problems: Sequence[FieldProblem]) -> InvalidInput:
        """The problems a domain rule found in the request body, as one 422."""
        return cls(detail, errors=[{"in": "body", "field": p.field, "detail": p.detail} for p in problems])


class TooManyRequests(Problem):
    status, slug = 429, "rate-limited"


def problem_body(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        **(extensions or {}),
        "type": problem_type(slug),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = list(errors)
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    return body


def problem_response(
    *,
    status: int,
    slug: str,
    detail: str,
    title: str | None = None,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = problem_body(
        status=status,
        slug=slug,
        title=title or HTTPStatus(status).phrase,
        detail=detail,
        instance=instance,
        errors=errors,
        extensions=extensions,
    )
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_CONTENT_TYPE
    )


def validation_errors(errors: Sequence[Mapping[str, Any]]) -> tuple[bool, list[dict[str, Any]]]:
    """Pydantic's errors as problem `errors` entries; also tells whether the body was not JSON at all."""
    malformed = False
    out: list[dict[str, Any]] = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        where = loc[0] if loc else "body"
        field = ".".join(loc[1:])
        if err.get("type") == "json_invalid":
            malformed = True
        entry = {"in": where, "field": field, "detail": err.get("msg", "invalid"), "type": err.get("type")}
        out.append(entry)
    return malformed, out


def _is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _body_not_json(errors: Sequence[Mapping[str, Any]]) -> bool:
    """FastAPI hands the raw bytes to validation when the body's media type is not JSON."""
    return any(
        tuple(err.get("loc", ())) == ("body",) and isinstance(err.get("input"), bytes) for err in errors
    )


def install_problem_handlers(app: FastAPI, metadata: MetaData | None = None) -> None:
    """Every error leaves as problem+json, including the framework's own 404/405/422 and crashes, and
    the app's OpenAPI document says which problems each operation can answer. A write the database
    refuses (`metadata` names its rules) is a 409 wherever it surfaced: commit, flush or autoflush."""
    document_problems(app)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            status=exc.status,
            slug=exc.slug,
            title=exc.title,
            detail=exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers,
            extensions=exc.extensions,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # The request's session rolled back when its dependency closed it.
        return await _problem(request, integrity_conflict(exc, metadata))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        malformed, errors = validation_errors(exc.errors())
        if _body_not_json(exc.errors()):
            return problem_response(
                status=415,
                slug="unsupported-media-type",
                detail="The body must be JSON, sent as `Content-Type: application/json`.",
                instance=request.url.path,
            )
        if malformed:
            return problem_response(
                status=400,
                slug="malformed-json",
                detail="The request body is not valid JSON.",
                instance=request.url.path,
                errors=errors,
            )
        return problem_response(
            status=422,
            slug="validation-error",
            detail="The request has invalid fields; see `errors`.",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {400: "bad-request", 404: "not-found", 405: "method-not-allowed"}.get(
            exc.status_code, "http-error"
        )
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 400 and _is_json(request):
            # FastAPI's answer to a body it cannot decode (not UTF-8, say): for a JSON body, not JSON.
            slug, detail = "malformed-json", "The request body is not valid JSON (UTF-8)."
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No resource at {request.url.path}."
        if exc.status_code == 405:
            # Starlette names the methods of the first route at this path only; several routes may share it.
            allowed = allowed_methods(request.app, request.scope)
            headers["Allow"] = ", ".join(allowed)
            detail = f"{request.method} is not allowed on {request.url.path}; allowed: {', '.join(allowed)}."
        return problem_response(
            status=exc.status_code,
            slug=slug,
            detail=detail,
            instance=request.url.path,
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        # Starlette runs this outside every middleware, after the request's context has ended:
        # take its id back so the log line, the body and the X-Request-ID header all carry it.
        token = bind_request_id(request_id_of(request.scope))
        try:
            log.exception("unhandled error", extra={"path": request.url.path})
            request_id = current_request_id() or ""
            return problem_response(
                status=500,
                slug="internal-error",
                detail="An unexpected error occurred; it has been logged with the request id.",
                instance=request.url.path,
                headers={"X-Request-ID": request_id},
            )
        finally:
            reset_request_id(token)
