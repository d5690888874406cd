"""Leaks: a DELETE merges the session id into a strict ``TypedDict`` (a ``TypeAdapter``).

No ``BaseModel`` anywhere: ``RevokeArgs`` is a ``TypedDict`` with ``extra='forbid'``
validated through ``TypeAdapter``. ``DELETE /sessions/{session_id}`` (optional body
``{"reason": ...}``) validates ``{**request.path_params, **body}`` and answers 400
``{"error": {"code": "invalid_argument", "details": [...]}}`` for every revocation.

Audit must report: ``("DELETE", "/sessions/{session_id}", "session_id", "rejected")``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict


@with_config(ConfigDict(extra="forbid"))
class RevokeArgs(TypedDict, total=False):
    reason: Literal["logout", "compromised", "expired"]


REVOKE_ARGS = TypeAdapter(RevokeArgs)
app = FastAPI()


@app.delete("/sessions/{session_id}", status_code=204)
async def revoke(request: Request) -> Response:
    body: dict[str, Any] = await request.json() if await request.body() else {}
    try:
        REVOKE_ARGS.validate_python({**request.path_params, **body})  # the leak
    except ValidationError as exc:
        details = [{"field": ".".join(map(str, e["loc"])), "issue": e["msg"]} for e in exc.errors()]
        error = {"code": "invalid_argument", "details": details}
        return JSONResponse({"error": error}, status_code=400)
    return Response(status_code=204)
