"""What an audit reports: findings, routes it could not check, and the per-app report."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Literal

FindingKind = Literal["rejected", "masked", "override"]


@dataclass(frozen=True)
class ProbeRequest:
    """One request exactly as the audit sent it, to replay with curl."""

    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def curl(self, base_url: str = "http://localhost:8000") -> str:
        parts = ["curl", "-i", "-X", self.method, base_url.rstrip("/") + self.path]
        for name, value in self.headers:
            parts += ["-H", f"{name}: {value}"]
        if self.body is not None:
            parts += ["-H", "content-type: application/json"]
            parts += ["--data-binary", self.body.decode("utf-8", "replace")]
        return shlex.join(parts)


@dataclass(frozen=True)
class Finding:
    """A path parameter that reached body validation on one route.

    ``kind`` is what happened to it: ``rejected`` (validation refused it or broke on it: the
    seed's 400, FastAPI's 422, another 4xx, or a 5xx; see ``status``), ``masked``
    (validation took it, dropping or keeping it, so the request gets past validation;
    ``status`` is what the app answered after, a 404 for an id that does not exist), or
    ``override`` (a body field named like the param replaced the path's value in what the
    handler validated). An override needs the leak, so it always comes with a
    ``rejected`` or ``masked`` finding for the same param.
    """

    method: str
    route: str
    param: str
    kind: FindingKind
    status: int
    validator: str
    evidence: str
    request: ProbeRequest
    handler: str = ""
    source_file: str | None = None
    source_line: int | None = None

    def curl(self, base_url: str = "http://localhost:8000") -> str:
        return self.request.curl(base_url)


@dataclass(frozen=True)
class Unchecked:
    """A route the audit could not check, and why. Never counted as clean."""

    method: str
    route: str
    reason: str


@dataclass
class AppReport:
    target: str
    routes_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings and not self.unchecked
