"""CORS: Starlette's policy, with a fast path for the requests that carry no Origin.

Most of the gateway's traffic (screens, kiosks, lockers, open-data clients, servers) sends no
Origin: for those there is nothing to decide, and the answer only says it would vary by Origin, so
that no cache serves it to a browser's cross-origin request. Browsers' requests and preflights
take Starlette's CORSMiddleware path unchanged."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

_VARY_ORIGIN = (b"vary", b"Origin")


class Cors(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(name == b"origin" for name, _ in scope["headers"]):

            async def send_varying(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", ()), _VARY_ORIGIN]
                await send(message)

            await self.app(scope, receive, send_varying)
            return
        await super().__call__(scope, receive, send)
