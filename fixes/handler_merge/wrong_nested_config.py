"""Wrong fix for ``repro/handler_merge.py``: the seed page's sample, as written.

    class RunRequest(BaseModel):
        class Config:
            model_config = ConfigDict(extra='ignore')

Under a strict base model this changes nothing: pydantic v2 reads the nested ``Config``
as a v1-style config whose only key is ``model_config``, so ``extra='forbid'`` stays in
force. The only sign is a ``PydanticDeprecatedSince20`` warning at import. The run still
answers the seed's 400.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field

from repro.routines.app import RUN, create_router, create_routines_app, read_router, run_trigger
from repro.routines.errors import read_json_object
from repro.routines.models import StrictModel
from repro.routines.scheduler import Clock, system_clock


class RunRequest(StrictModel):
    note: str | None = Field(default=None, max_length=200)

    class Config:
        model_config = ConfigDict(extra="ignore")


router = APIRouter()


@router.post(RUN)
async def run_route(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    run = RunRequest.model_validate({**request.path_params, **body})
    return run_trigger(request, request.path_params["trigger_id"], run.note)


def create_app(clock: Clock = system_clock) -> FastAPI:
    return create_routines_app(read_router, create_router, router, clock=clock)


app = create_app()
