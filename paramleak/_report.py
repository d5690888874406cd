"""Audit reports for people (a rich table) and for machines (JSON, SARIF 2.1.0)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from paramleak._model import AppReport, Finding, FindingKind, Unchecked

if TYPE_CHECKING:
    from rich.console import Console

JSON_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"

# Rule id, name, level, and what it means, per finding kind; "unchecked" for a route the
# audit could not check.
RULES: dict[str, tuple[str, str, str, str]] = {
    "rejected": (
        "PL001",
        "path-param-reaches-body-validation-rejected",
        "error",
        "A URL path parameter reaches request-body validation, which rejects it: valid "
        "requests fail (the seed: 400 'trigger_id: Extra inputs are not permitted'). "
        "Validate path params and the body apart; keep extra='forbid' on the body model.",
    ),
    "masked": (
        "PL002",
        "path-param-reaches-body-validation-masked",
        "warning",
        "A URL path parameter reaches request-body validation, which accepts it (for "
        "instance extra='ignore'): the request works, but the path value is still merged "
        "into the body and a client's misspelled field may be dropped without a word.",
    ),
    "override": (
        "PL003",
        "body-field-overrides-path-param",
        "error",
        "A body field named like the path parameter replaces the path's value in what the "
        "handler validates: a client can act on another object than the URL names (mass "
        "assignment, OWASP API3:2023, CWE-915).",
    ),
    "unchecked": (
        "PL004",
        "route-not-checked",
        "note",
        "paramleak could not check this route (credentials, ids that must exist, timeouts, "
        "errors): it is not known to be clean.",
    ),
}
_KIND_ORDER: dict[str, int] = {"rejected": 0, "masked": 1, "override": 2}


def fingerprint(app: str, method: str, route: str, param: str, kind: str) -> str:
    """Stable across runs: what was found where, never the random values it was found with."""
    key = "\0".join((app, method, route, param, kind))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def finding_json(app: str, finding: Finding) -> dict[str, Any]:
    request = finding.request
    source = (
        {"file": finding.source_file, "line": finding.source_line}
        if finding.source_file is not None
        else None
    )
    return {
        "app": app,
        "method": finding.method,
        "route": finding.route,
        "param": finding.param,
        "kind": finding.kind,
        "status": finding.status,
        "validator": finding.validator,
        "evidence": finding.evidence,
        "handler": finding.handler,
        "source": source,
        "curl": finding.curl(),
        "request": {
            "method": request.method,
            "path": request.path,
            "body": None if request.body is None else request.body.decode("utf-8", "replace"),
            "headers": [list(header) for header in request.headers],
        },
        "fingerprint": fingerprint(app, finding.method, finding.route, finding.param, finding.kind),
    }


def unchecked_json(app: str, unchecked: Unchecked) -> dict[str, Any]:
    return {
        "app": app,
        "method": unchecked.method,
        "route": unchecked.route,
        "reason": unchecked.reason,
    }


def to_json(reports: Sequence[AppReport]) -> dict[str, Any]:
    """The JSON contract (``version`` 1): per app, and every finding and unchecked route."""
    apps: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    unchecked: list[dict[str, Any]] = []
    for report in reports:
        app_findings = [finding_json(report.target, f) for f in report.findings]
        app_unchecked = [unchecked_json(report.target, u) for u in report.unchecked]
        apps.append(
            {
                "target": report.target,
                "routes_checked": report.routes_checked,
                "clean": report.clean,
                "findings": app_findings,
                "unchecked": app_unchecked,
            }
        )
        findings += app_findings
        unchecked += app_unchecked
    return {
        "version": JSON_VERSION,
        "tool": {"name": "paramleak", "version": tool_version()},
        "apps": apps,
        "findings": findings,
        "unchecked": unchecked,
        "summary": {
            "findings": len(findings),
            "unchecked": len(unchecked),
            "routes_checked": sum(r.routes_checked for r in reports),
            "apps": len(reports),
        },
    }


def to_sarif(reports: Sequence[AppReport], base: Path | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run; file URIs relative to ``base`` (the current directory)
    when the file is under it, absolute ``file://`` URIs otherwise."""
    root = (base or Path.cwd()).resolve()
    rule_index = {kind: i for i, kind in enumerate(RULES)}
    results: list[dict[str, Any]] = []
    for report in reports:
        app = report.target
        for finding in report.findings:
            rule_id, _, level, _ = RULES[finding.kind]
            text = (
                f"{finding.method} {finding.route} ({app}): {finding.evidence}.\n{finding.curl()}"
            )
            result = _result(
                rule_id,
                rule_index[finding.kind],
                level,
                text,
                _location(finding.source_file or _module_file(app), finding.source_line, root),
                fingerprint(app, finding.method, finding.route, finding.param, finding.kind),
            )
            if finding.handler:
                result["locations"][0]["logicalLocations"] = [
                    {"fullyQualifiedName": finding.handler, "kind": "function"}
                ]
            result["properties"] = {
                "app": app,
                "method": finding.method,
                "route": finding.route,
                "param": finding.param,
                "kind": finding.kind,
                "status": finding.status,
                "validator": finding.validator,
                "curl": finding.curl(),
            }
            results.append(result)
        for unchecked in report.unchecked:
            rule_id, _, level, _ = RULES["unchecked"]
            text = f"{unchecked.method} {unchecked.route} ({app}) not checked: {unchecked.reason}"
            result = _result(
                rule_id,
                rule_index["unchecked"],
                level,
                text,
                _location(_module_file(app), None, root),
                fingerprint(app, unchecked.method, unchecked.route, "", "unchecked"),
            )
            result["properties"] = {
                "app": app,
                "method": unchecked.method,
                "route": unchecked.route,
                "reason": unchecked.reason,
            }
            results.append(result)
    rules = [
        {
            "id": rule_id,
            "name": name,
            "shortDescription": {"text": name.replace("-", " ")},
            "fullDescription": {"text": description},
            "help": {"text": description},
            "defaultConfiguration": {"level": level},
        }
        for rule_id, name, level, description in RULES.values()
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {"name": "paramleak", "version": tool_version(), "rules": rules}
                },
                "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
                "results": results,
            }
        ],
    }


def _result(
    rule_id: str,
    index: int,
    level: str,
    text: str,
    location: dict[str, Any] | None,
    stable: str,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": index,
        "level": level,
        "message": {"text": text},
        "locations": [location] if location is not None else [],
        "partialFingerprints": {"paramleak/v1": stable},
    }
    return result


def _location(file: str | None, line: int | None, root: Path) -> dict[str, Any] | None:
    if file is None:
        return None
    path = Path(file).resolve()
    artifact: dict[str, Any]
    try:
        relative = path.relative_to(root)
    except ValueError:
        artifact = {"uri": path.as_uri()}
    else:
        artifact = {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}
    return {
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {"startLine": line if line is not None and line > 0 else 1},
        }
    }


def _module_file(target: str) -> str | None:
    """The file of the target's module, where a route with no known handler is reported."""
    module = sys.modules.get(target.partition(":")[0])
    file = getattr(module, "__file__", None)
    return file if isinstance(file, str) else None


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("paramleak")
    except PackageNotFoundError:
        return "unknown"


def verdict(kinds: Iterable[str]) -> str:
    """``"rejected"``, ``"masked + override"``, ``"clean"``...: the kinds found, in order."""
    found = sorted(set(kinds), key=lambda k: (_KIND_ORDER.get(k, len(_KIND_ORDER)), k))
    return " + ".join(found) or "clean"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(reports: Sequence[AppReport]) -> str:
    findings = sum(len(r.findings) for r in reports)
    unchecked = sum(len(r.unchecked) for r in reports)
    checked = sum(r.routes_checked for r in reports)
    return (
        f"{_plural(findings, 'finding')}, {unchecked} unchecked, "
        f"{_plural(checked, 'route')} checked in {_plural(len(reports), 'app')}"
    )


def render_table(reports: Sequence[AppReport], console: Console) -> None:
    """Findings (one row each, its curl and evidence beneath), unchecked routes, a summary."""
    from rich.table import Table
    from rich.text import Text

    findings = [(r.target, f) for r in reports for f in r.findings]
    findings.sort(key=lambda item: (item[0], item[1].route, item[1].method, item[1].param))
    if findings:
        longest = max(len(f"{f.method} {f.route}") for _, f in findings)
        table = Table(title="Path params that reach request-body validation", title_justify="left")
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("app", overflow="fold")
        table.add_column("route", overflow="fold", min_width=min(longest, 60))
        table.add_column("param", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("status", justify="right", no_wrap=True)
        table.add_column("validator", overflow="fold")
        for number, (app, finding) in enumerate(findings, 1):
            table.add_row(
                str(number),
                Text(app),
                Text(f"{finding.method} {finding.route}"),
                Text(finding.param),
                Text(finding.kind, style=_KIND_STYLE[finding.kind]),
                str(finding.status),
                Text(finding.validator),
            )
        console.print(table)
        for number, (_, finding) in enumerate(findings, 1):
            where = _where(finding)
            console.print(Text(f"#{number} {finding.evidence}" + (f" ({where})" if where else "")))
            # One unwrapped line, so it pastes as it is.
            console.print(Text(f"   {finding.curl()}"), soft_wrap=True)
    elif any(r.unchecked for r in reports):
        console.print(Text("No finding in the routes checked; some routes were not checked."))
    else:
        console.print(Text("No path param reaches request-body validation.", style="green"))

    unchecked = [(r.target, u) for r in reports for u in r.unchecked]
    if unchecked:
        table = Table(title="Routes not checked (never counted as clean)", title_justify="left")
        table.add_column("app", overflow="fold")
        table.add_column("route", overflow="fold")
        table.add_column("reason", overflow="fold")
        for app, item in unchecked:
            table.add_row(Text(app), Text(f"{item.method} {item.route}"), Text(item.reason))
        console.print(table)
    console.print(Text(summary(reports)), soft_wrap=True)


_KIND_STYLE: dict[FindingKind, str] = {"rejected": "red", "masked": "yellow", "override": "red"}


def _where(finding: Finding) -> str:
    if finding.source_file is None:
        return finding.handler
    file = finding.source_file
    with contextlib.suppress(ValueError):  # another drive, on Windows
        file = os.path.relpath(file)
    if file.startswith(".."):
        file = finding.source_file
    location = f"{file}:{finding.source_line}" if finding.source_line else file
    return f"{finding.handler} at {location}" if finding.handler else location
