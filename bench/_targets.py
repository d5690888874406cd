"""The apps the bench measures, built on demand.

Import this module only after ``paramleak.arm()`` in a process that audits: the apps'
models are built when their modules are first imported. ``python -m uvicorn
bench._targets:seed_app --factory`` serves the seed for Schemathesis's CLI.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI

RUN = "/v1/code/triggers/{trigger_id}/run"
RUN_LABEL = f"POST {RUN}"
ROUTE_COUNTS = (100, 1000)


def documented(app: FastAPI) -> FastAPI:
    """``app`` serving a complete OpenAPI: the seed's run handler reads its path param and
    body itself, so FastAPI's spec does not declare them, and Schemathesis would stop at
    "Path parameter 'trigger_id' is not defined" instead of sending a request."""
    from external._spec import complete_schema

    spec: dict[str, Any] = copy.deepcopy(app.openapi())
    complete_schema(spec, [])
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("examples") == {}:
                    del parameter["examples"]
    app.openapi_schema = spec
    return app


def seed_app() -> FastAPI:
    """A fresh seed app (``repro.handler_merge``), with its complete OpenAPI."""
    from repro import handler_merge

    return documented(handler_merge.create_app())


def fix_app() -> FastAPI:
    """A fresh app of the seed's right fix, where the audit finds nothing."""
    from fixes.handler_merge import separate_path_model

    return separate_path_model.create_app()


def routes_app(count: int, *, leaks: bool = True) -> FastAPI:
    from tests.hostile.many_routes import create_app

    return create_app(count, leaks=leaks)


def thousand_routes() -> FastAPI:
    """The 1,000-route app, as a factory the pytest plugin can name (``...:thousand_routes()``)."""
    return routes_app(1000)


def thousand_correct_routes() -> FastAPI:
    """The same 1,000 routes, none leaking: the gate's every green push."""
    return routes_app(1000, leaks=False)
