"""The OpenAPI Schemathesis reads, completed where FastAPI cannot see what a route takes."""

from __future__ import annotations

import re
from typing import Any

from repro.routines.models import CreateTriggerRequest, RunRequest

PATH_PARAM = re.compile(r"{([^}]+)}")


def complete_schema(raw_schema: dict[str, Any], trigger_ids: list[str]) -> None:
    """Declare what FastAPI could not see, in place: path params, raw bodies, known ids."""
    for path, operations in raw_schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            parameters = operation.setdefault("parameters", [])
            declared = {p["name"] for p in parameters if p.get("in") == "path"}
            for name in PATH_PARAM.findall(path):
                if name not in declared:
                    parameters.append(
                        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                    )
            for parameter in parameters:
                if parameter.get("in") == "path" and parameter["name"] == "trigger_id":
                    parameter["examples"] = {
                        f"existing_{n}": {"value": tid} for n, tid in enumerate(trigger_ids)
                    }
            if method == "post" and "requestBody" not in operation:
                run = path.endswith("/run")
                model = RunRequest if run else CreateTriggerRequest
                operation["requestBody"] = {
                    "required": not run,
                    "content": {"application/json": {"schema": model.model_json_schema()}},
                }
