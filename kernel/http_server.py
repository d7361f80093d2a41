"""The HTTP server's own refusals, as problem+json like every other error answer.

uvicorn answers a request it cannot parse with a plain-text 400 before any app sees it, and
httptools takes request lines up to 64 KiB and header sections of any size. Here both have a
bound, and every refusal of the server is an RFC 9457 problem with a request id: a request line
over `MAX_REQUEST_TARGET_BYTES` is a 414, a header section over `MAX_HEADER_BYTES` a 431, anything
else unparsable a 400 (`bad-http-request`). The gateway's own path limit (gateway/routing.py) is
tighter; these bound what reaches any app at all.
"""

from __future__ import annotations

import json
import os
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kernel.errors import problem_type
from kernel.openapi import PROBLEM_CONTENT_TYPE

MAX_REQUEST_TARGET_BYTES = 8192
MAX_HEADER_BYTES = 32768


class _Refused(Exception):
    """Raised in a parser callback: httptools stops and reports a parse error."""


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounded request heads and problem+json refusals."""

    _refusal: tuple[int, str, str] | None = None
    _header_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._refusal = None
        self._header_bytes = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_REQUEST_TARGET_BYTES:
            self._refusal = (
                414,
                "uri-too-long",
                f"The request target (path and query) is longer than {MAX_REQUEST_TARGET_BYTES} bytes.",
            )
            raise _Refused

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > MAX_HEADER_BYTES:
            self._refusal = (
                431,
                "request-header-too-large",
                f"The request's headers are larger than {MAX_HEADER_BYTES} bytes together.",
            )
            raise _Refused
        super().on_header(name, value)

    def send_400_response(self, msg: str) -> None:
        status, slug, detail = self._refusal or (
            400,
            "bad-http-request",
            "The request is not valid HTTP/1.1; the server cannot read it.",
        )
        self.transport.write(problem_bytes(status, slug, detail))
        self.transport.close()


def problem_bytes(status: int, slug: str, detail: str) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection: the server's refusal as a problem."""
    request_id = os.urandom(16).hex()
    phrase = HTTPStatus(status).phrase
    body = json.dumps(
        {
            "type": problem_type(slug),
            "title": phrase,
            "status": status,
            "detail": detail,
            "request_id": request_id,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {phrase}\r\n"
        f"content-type: {PROBLEM_CONTENT_TYPE}\r\n"
        f"content-length: {len(body)}\r\n"
        f"x-request-id: {request_id}\r\n"
        "x-content-type-options: nosniff\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body
