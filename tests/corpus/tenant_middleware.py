"""Leaks: a pure ASGI middleware parses the tenant from the path and writes it into bodies.

``TenantStamp`` matches ``/tenants/<id>/...`` with its own regex and adds ``"tenant_id"`` to
every JSON object body ("so services always know the tenant"). The route declares
``tenant_id`` as a path param and ``InvoiceIn`` (``extra='forbid'``) as its body, so FastAPI
itself rejects every valid invoice: 422 ``{"detail": [{"loc": ["body", "tenant_id"], ...}]}``.

Audit must report: ``("POST", "/tenants/{tenant_id}/invoices", "tenant_id", "rejected")``.
"""

from __future__ import annotations

import json
import re

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TENANT_PATH = re.compile(r"^/tenants/(?P<tenant_id>[^/]+)/")


class TenantStamp:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = TENANT_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope["method"] not in {"POST", "PUT", "PATCH"}:
            await self.app(scope, receive, send)
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body", False):
                break
        body = json.loads(raw) if raw.startswith(b"{") else None
        if isinstance(body, dict):
            raw = json.dumps({**body, "tenant_id": match["tenant_id"]}).encode()  # the leak
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(raw)).encode()))

        async def replay() -> Message:
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_cents: int = Field(ge=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


app = FastAPI()
app.add_middleware(TenantStamp)


@app.post("/tenants/{tenant_id}/invoices", status_code=201)
def create_invoice(tenant_id: str, invoice: InvoiceIn) -> dict[str, object]:
    return {"tenant_id": tenant_id, **invoice.model_dump()}
