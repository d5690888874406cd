"""``paramleak.audit`` against an independent corpus of apps it was not written for.

``tests/corpus/`` holds small FastAPI apps from other domains, with other error formats and
merges in other places than ``repro/``. ``CORPUS`` below says, per app, exactly which
findings the audit must produce (empty for correct apps, each one a trap for a naive check)
and which requests show, with plain HTTP and paramleak's validation recording, that the app
really behaves as its docstring says. The two are tested apart: a corpus app that drifts
fails ``test_corpus_app_behaves_as_documented``; an audit that misses or invents a finding
fails ``test_audit_reports_exactly_the_corpus_leaks``.

Several correct apps echo path values and body fields in a response typed
``dict[str, object]``: FastAPI then validates that return value, and the record holds the path
value next to every body key. That is response validation, not a leak, and the self-check
below tells the two apart; so must the audit.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import paramleak
import tests.corpus
from paramleak import Validation

FindingKey = tuple[str, str, str, str]  # (method, route template, param, kind)
NO_BODY: Any = object()


@dataclass(frozen=True)
class Call:
    """One request against a corpus app, and what it must show.

    ``leaks``: (param, value) pairs that must reach a body validation, i.e. a recorded
    validation whose input maps ``param`` to exactly ``value`` (same type) and also holds
    every other key of the request body. ``keeps_out``: pairs that must reach none.
    """

    method: str
    path: str
    json: Any = NO_BODY
    status: int = 200
    media_type: str | None = None
    says: tuple[str, ...] = ()
    echoes: Mapping[str, Any] = field(default_factory=dict)
    leaks: tuple[tuple[str, object], ...] = ()
    keeps_out: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Case:
    module: str
    findings: frozenset[FindingKey]
    calls: tuple[Call, ...]

    @property
    def name(self) -> str:
        return self.module.rpartition(".")[2]


def case(name: str, findings: set[FindingKey], *calls: Call) -> Case:
    return Case(f"tests.corpus.{name}", frozenset(findings), calls)


EXTRA = "Extra inputs are not permitted"
ITEM = "/api/projects/{project_id}/items/{item_id}"
ARCHIVE = "/tenants/{tenant}/projects/{project_id}/archive"

CORPUS = [
    # --- leaking apps ---
    case(
        "orders_service",
        {("PATCH", "/orders/{order_id}", "order_id", "rejected")},
        Call(
            "PATCH",
            "/orders/ord_42",
            {"quantity": 2, "note": "gift wrap"},
            status=400,
            says=('{"errors":[{"field":"order_id"', EXTRA),
            leaks=(("order_id", "ord_42"),),
        ),
    ),
    case(
        "tenant_middleware",
        {("POST", "/tenants/{tenant_id}/invoices", "tenant_id", "rejected")},
        Call(
            "POST",
            "/tenants/acme/invoices",
            {"amount_cents": 1500, "currency": "EUR"},
            status=422,
            says=('"loc":["body","tenant_id"]', EXTRA),
            leaks=(("tenant_id", "acme"),),
        ),
    ),
    case(
        "project_items_prefix",
        {
            ("PUT", ITEM, "project_id", "rejected"),
            ("PUT", ITEM, "item_id", "rejected"),
        },
        Call(
            "PUT",
            "/api/projects/p_7/items/i_3",
            {"name": "bolt", "quantity": 4},
            status=400,
            media_type="text/plain",
            says=(f"project_id: {EXTRA}", f"item_id: {EXTRA}"),
            leaks=(("project_id", "p_7"), ("item_id", "i_3")),
        ),
        Call("DELETE", "/api/projects/p_7/items/i_3", status=204),
    ),
    case(
        "mounted_tenant",
        {
            ("POST", ARCHIVE, "tenant", "rejected"),
            ("POST", ARCHIVE, "project_id", "rejected"),
        },
        Call(
            "POST",
            "/tenants/t_1/projects/p_9/archive",
            {"reason": "done", "notify": True},
            status=422,
            media_type="application/problem+json",
            says=('"name":"tenant"', '"name":"project_id"'),
            leaks=(("tenant", "t_1"), ("project_id", "p_9")),
        ),
        Call("POST", "/tenants/t_1/projects/p_9/archive", status=422, leaks=(("tenant", "t_1"),)),
    ),
    case(
        "profile_extra_ignore",
        {("PATCH", "/users/{user_id}/profile", "user_id", "masked")},
        Call(
            "PATCH",
            "/users/u_5/profile",
            {"bio": "hello"},
            echoes={"user_id": "u_5", "bio": "hello"},
            leaks=(("user_id", "u_5"),),
        ),
        Call("PATCH", "/users/u_5/profile", {"bi": "typo"}, echoes={"user_id": "u_5"}),
    ),
    case(
        "reactions_calltime_ignore",
        {("POST", "/posts/{post_id}/reactions", "post_id", "masked")},
        Call(
            "POST",
            "/posts/p_2/reactions",
            {"emoji": "tada"},
            status=201,
            echoes={"post_id": "p_2", "emoji": "tada"},
            leaks=(("post_id", "p_2"),),
        ),
    ),
    case(
        "webhook_override",
        {
            # The path value reaches the body model and is kept (masked), and a body
            # value replaces it (override): one finding per property, as the registry has.
            ("PUT", "/webhooks/{hook_id}", "hook_id", "masked"),
            ("PUT", "/webhooks/{hook_id}", "hook_id", "override"),
        },
        Call(
            "PUT",
            "/webhooks/wh_a",
            {"url": "https://a.example/in"},
            echoes={"hook_id": "wh_a"},
            leaks=(("hook_id", "wh_a"),),
        ),
        # The body's hook id wins: a request on wh_a rewrites wh_b.
        Call(
            "PUT",
            "/webhooks/wh_a",
            {"hook_id": "wh_b", "url": "https://b.example/in"},
            echoes={"hook_id": "wh_b", "url": "https://b.example/in"},
        ),
    ),
    case(
        "file_path_converter",
        {("PUT", "/files/{file_path:path}", "file_path", "rejected")},
        Call(
            "PUT",
            "/files/docs/2024/report.pdf",
            {"content_type": "application/pdf"},
            status=400,
            says=(f'{{"detail":"file_path: {EXTRA}"}}',),
            leaks=(("file_path", "docs/2024/report.pdf"),),
        ),
    ),
    case(
        "int_param_ge",
        {("POST", "/accounts/{account_id}/limits", "account_id", "rejected")},
        Call(
            "POST",
            "/accounts/7/limits",
            {"daily_limit_cents": 20_000},
            status=500,
            leaks=(("account_id", 7),),
        ),
        Call("POST", "/accounts/0/limits", {}, status=422, says=('"loc":["path","account_id"]',)),
    ),
    case(
        "sessions_typeadapter",
        {("DELETE", "/sessions/{session_id}", "session_id", "rejected")},
        Call(
            "DELETE",
            "/sessions/s_1",
            status=400,
            says=('"code":"invalid_argument"', '"field":"session_id"'),
            leaks=(("session_id", "s_1"),),
        ),
        Call(
            "DELETE",
            "/sessions/s_1",
            {"reason": "logout"},
            status=400,
            leaks=(("session_id", "s_1"),),
        ),
    ),
    # --- correct apps: the audit must report nothing ---
    case(
        "users_body_id_equality",
        set(),
        Call(
            "PUT",
            "/users/u_1",
            {"user_id": "u_1", "display_name": "Ada"},
            echoes={"user_id": "u_1", "display_name": "Ada"},
        ),
        Call(
            "PUT",
            "/users/u_1",
            {"user_id": "u_2", "display_name": "Ada"},
            status=409,
            keeps_out=(("user_id", "u_1"),),
        ),
    ),
    case(
        "org_prefix_separate",
        set(),
        Call(
            "POST",
            "/orgs/o_1/members/m_1/roles",
            {"role": "editor"},
            status=201,
            echoes={"org_id": "o_1", "member_id": "m_1", "role": "editor"},
            keeps_out=(("org_id", "o_1"), ("member_id", "m_1")),
        ),
        Call(
            "POST",
            "/orgs/o_1/members/m_1/roles",
            {"role": "editor", "org_id": "o_2"},
            status=422,
            says=('"loc":["body","org_id"]', EXTRA),
        ),
    ),
    case(
        "storage_path_and_int",
        set(),
        Call(
            "PUT",
            "/buckets/42/objects/photos/2024/cat.jpg",
            {"content_type": "image/jpeg", "size_bytes": 1234},
            echoes={"bucket_id": 42, "key": "photos/2024/cat.jpg", "size_bytes": 1234},
            keeps_out=(("bucket_id", 42), ("bucket_id", "42"), ("key", "photos/2024/cat.jpg")),
        ),
        Call("PUT", "/buckets/0/objects/a.txt", {}, status=422),
    ),
    case(
        "jobs_optional_body",
        set(),
        Call(
            "POST",
            "/jobs/j_1/cancel",
            echoes={"job_id": "j_1", "cancelled": True},
            keeps_out=(("job_id", "j_1"),),
        ),
        Call(
            "POST",
            "/jobs/j_1/cancel",
            {"force": True, "reason": "stuck"},
            echoes={"job_id": "j_1", "force": True},
            keeps_out=(("job_id", "j_1"),),
        ),
        Call("POST", "/jobs/j_1/cancel", {"job_id": "j_1"}, status=422, says=(EXTRA,)),
    ),
    case(
        "refunds_error_names_param",
        set(),
        Call(
            "POST",
            "/orders/ord_1001/refunds",
            {"amount_cents": 1000},
            status=201,
            echoes={"order_id": "ord_1001", "amount_cents": 1000},
            keeps_out=(("order_id", "ord_1001"),),
        ),
        Call(
            "POST",
            "/orders/ord_9/refunds",
            {"amount_cents": 100},
            status=404,
            says=('{"message":"order_id=ord_9: not found"}',),
            keeps_out=(("order_id", "ord_9"),),
        ),
        Call(
            "POST",
            "/orders/ord_1001/refunds",
            {"amount_cents": 1000, "note": "x"},
            status=422,
            says=('"message":"order_id=ord_1001: body.note: Extra',),
        ),
    ),
    case(
        "catalog_get_only",
        set(),
        Call(
            "POST",
            "/catalog/tools/items",
            {"sku": "HAM-01", "title": "Hammer", "price_cents": 1299},
            status=201,
            echoes={"category": "tools", "sku": "HAM-01"},
            keeps_out=(("category", "tools"),),
        ),
        Call("GET", "/catalog/tools/items/HAM-01", echoes={"category": "tools", "sku": "HAM-01"}),
        Call("GET", "/catalog/tools?limit=5", echoes={"category": "tools", "limit": 5}),
    ),
]

CORPUS_PARAMS = [pytest.param(c, id=c.name) for c in CORPUS]


def send(app: Any, call: Call) -> tuple[httpx.Response, list[Validation]]:
    """Send ``call`` to ``app`` in process; the response and the validations it caused."""

    async def request() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://corpus.test") as http:
            if call.json is NO_BODY:
                return await http.request(call.method, call.path)
            return await http.request(call.method, call.path, json=call.json)

    with paramleak.recording() as seen:
        response = asyncio.run(request())
    return response, seen


def request_validations(seen: list[Validation], response: httpx.Response) -> list[Validation]:
    """``seen`` without FastAPI's response validation: the last record, fed the JSON answered.

    A handler's return annotation makes FastAPI validate what it returns, which holds the
    path value and the body's keys whenever the handler echoes them; that is not a leak.
    """
    answered_json = response.headers.get("content-type", "").startswith("application/json")
    last = seen[-1] if seen else None
    if answered_json and last and last.schema_kind == "TypeAdapter":
        return seen[:-1] if last.input == response.json() else seen
    return seen


def reaches_body_validation(
    validations: list[Validation], param: str, value: object, body: Any
) -> bool:
    """Some validation got ``param`` = ``value`` (same type) with every other body key."""
    body_keys = set(body) - {param} if isinstance(body, dict) else set()
    return any(
        isinstance(v.input, Mapping)
        and param in v.input
        and type(v.input[param]) is type(value)
        and v.input[param] == value
        and body_keys <= set(v.input)
        for v in validations
    )


def test_corpus_table_covers_every_corpus_module() -> None:
    modules = {f"tests.corpus.{m.name}" for m in pkgutil.iter_modules(tests.corpus.__path__)}
    assert modules == {c.module for c in CORPUS}
    assert 12 <= len(CORPUS) <= 16
    assert any(c.findings for c in CORPUS)
    assert any(not c.findings for c in CORPUS)


@pytest.mark.parametrize("case", CORPUS_PARAMS)
def test_corpus_app_behaves_as_documented(case: Case) -> None:
    assert paramleak.is_armed(), "corpus apps must be imported after paramleak.arm()"
    app = importlib.import_module(case.module).app
    for call in case.calls:
        response, seen = send(app, call)
        validations = request_validations(seen, response)
        where = f"{call.method} {call.path} answered {response.status_code} {response.text!r}"
        assert response.status_code == call.status, where
        if call.media_type is not None:
            assert response.headers["content-type"].startswith(call.media_type), where
        for text in call.says:
            assert text in response.text, where
        if call.echoes:
            got = response.json()
            assert {k: got.get(k) for k in call.echoes} == dict(call.echoes), where
        for param, value in call.leaks:
            assert reaches_body_validation(validations, param, value, call.json), (
                f"{where}: {param}={value!r} did not reach body validation"
            )
        for param, value in call.keeps_out:
            assert not reaches_body_validation(validations, param, value, call.json), (
                f"{where}: {param}={value!r} reached body validation"
            )


@pytest.mark.parametrize("case", CORPUS_PARAMS)
def test_audit_reports_exactly_the_corpus_leaks(case: Case) -> None:
    app = importlib.import_module(case.module).app
    report = paramleak.audit(app, target=case.module, max_examples=10, seed=0)
    found = {(f.method, f.route, f.param, f.kind) for f in report.findings}
    evidence = "".join(
        f"\n  {f.kind} {f.param}: {f.evidence}\n    {f.curl()}" for f in report.findings
    )
    assert found == case.findings, evidence
    assert report.unchecked == [], report.unchecked
    assert report.routes_checked >= 1
