"""A crash anywhere answers a 500 problem that carries the request id (header, body and log line)."""

from __future__ import annotations

import json
import logging

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from gateway.app import create_app
from gateway.settings import GatewaySettings
from kernel.errors import install_problem_handlers
from kernel.notifier import NotifierSettings
from kernel.observability import JsonLogFormatter, RequestContextMiddleware


def crashing_app() -> FastAPI:
    """Wired as every service and the gateway are: problem handlers, request-id middleware."""
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="crashing")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    return app


class JsonLines(logging.Handler):
    """Formats as the services' log handler does, when the line is written."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.setFormatter(JsonLogFormatter("crashing"))
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


async def test_a_500_carries_the_request_id_it_was_logged_with():
    transport = httpx.ASGITransport(app=crashing_app(), raise_app_exceptions=False)
    lines = JsonLines()
    logging.getLogger("kernel.errors").addHandler(lines)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/boom", headers={"X-Request-ID": "crash-42"})
            minted = await client.get("/boom")
    finally:
        logging.getLogger("kernel.errors").removeHandler(lines)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "crash-42"
    assert response.json()["request_id"] == "crash-42"
    assert response.json()["type"] == "/problems/internal-error"
    # Without an id from the client, the one minted for the request is the one returned.
    assert minted.headers["x-request-id"] == minted.json()["request_id"]
    # The log line of the crash says the same id.
    crash = next(line for line in lines.lines if line["message"] == "unhandled error")
    assert crash["request_id"] == "crash-42"


async def test_production_keeps_metrics_off_the_public_surface():
    settings = GatewaySettings(
        environment="production",
        database_url="postgresql+asyncpg://gateway@db/gare",
        notifier=NotifierSettings(backend="http", url="https://sms.example/send", secret=SecretStr("s")),
        public_url="https://gare.example",
        cors_origins=["https://app.example"],
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/metrics")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "gare_http_requests_total" not in response.text
