"""Bad input against every variant: a defined 4xx in the seed's envelope, and nothing changes.

``BODY_CASES`` and ``CASES`` are the spec: the README's "Bad input" table is rendered from them
(a test checks it). Each case says how it is sent, the answer every variant gives, and where
a group of variants answers otherwise (``Unless``): a variant with the seed's 400 answers a
valid run with it, so that 400 comes first on the run route; a variant that validates the id
against its pattern answers a malformed id with 400, the others look it up and answer 404.
Body cases are refused before routing, the same on every variant and route; each is sent to
run and to create. Every test also checks the store: a rejected run does not count as a run,
a rejected create stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from repro import Variant
from repro.client import Client, run_path
from repro.routines.errors import MAX_BODY_BYTES, MAX_JSON_DEPTH
from repro.routines.store import TRIGGER_ID_PATTERN
from tests.strategies import EXAMPLE_TRIGGER_ID
from tests.support import seed_trigger, variants

ROOT = Path(__file__).resolve().parents[1]
REQUEST_ID = re.compile(r"req_[0-9a-f]{24}")
TRIGGERS = "/v1/code/triggers"
KNOWN = EXAMPLE_TRIGGER_ID  # seeded in every test's store
UNKNOWN = "trg_" + "0" * 24  # the issued form, in no store
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Answer:
    status: int
    error_type: str
    message: str

    def __str__(self) -> str:
        return f"{self.status} `{self.error_type}`"


def invalid(message: str) -> Answer:
    return Answer(400, "invalid_request_error", message)


def not_found(message: str = "Not Found") -> Answer:
    return Answer(404, "not_found_error", message)


SEED = invalid("trigger_id: Extra inputs are not permitted")
PATTERN = invalid(f"trigger_id: String should match pattern '{TRIGGER_ID_PATTERN}'")
TOO_LARGE = Answer(413, "request_too_large", f"Request body exceeds {MAX_BODY_BYTES} bytes")
NOT_AN_OBJECT = invalid("body: Input should be a JSON object")


def json_415(given: str) -> Answer:
    return Answer(415, "invalid_request_error", f"Content-Type must be application/json {given}")


def bad_json(reason: str) -> Answer:
    return invalid(f"body: Invalid JSON: {reason}")


@dataclass(frozen=True)
class Unless:
    """Variants that answer a case otherwise, and how the README names them."""

    who: str
    where: Callable[[Variant], bool]
    answer: Answer


def seed_first(answer: Answer) -> Unless:
    return Unless(
        "on seed-400 variants (that 400 comes first)",
        lambda v: v.expect["rejects_valid_run"],
        answer,
    )


def _run_checks_id_form(v: Variant) -> bool:
    # A path model with the id's pattern, or (wrong_path_as_body_field) the id declared,
    # pattern and all, in the body model the path is merged into.
    return (
        v.name.endswith("/separate_path_model")
        or v.name == "handler_merge/wrong_path_as_body_field"
    )


RUN_PATTERN = Unless("on path-pattern variants", _run_checks_id_form, PATTERN)
GET_PATTERN = Unless(
    "on `dispatcher_merge*` (its get model checks the pattern)",
    lambda v: v.mechanism == "dispatcher_merge",
    PATTERN,
)


@dataclass(frozen=True)
class Case:
    route: str  # the README's words for where it is sent
    what: str  # and for what is sent
    method: str
    path: str
    answer: Answer  # what every variant answers, unless ...
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=lambda: JSON)
    chunk_size: int | None = None
    unless: tuple[Unless, ...] = ()
    exempt: tuple[str, Callable[[Variant], bool]] | None = None  # not rejected there, by design

    def expected(self, variant: Variant) -> Answer:
        for other in self.unless:
            if other.where(variant):
                return other.answer
        return self.answer

    def applies_to(self, variant: Variant) -> bool:
        return self.exempt is None or not self.exempt[1](variant)

    def readme_answer(self) -> str:
        parts = [str(self.answer), *(f"{u.answer} {u.who}" for u in self.unless)]
        if self.exempt is not None:
            parts.append(self.exempt[0])
        return "; ".join(parts)


def nested(depth: int, key: bytes = b"note") -> bytes:
    """An object whose ``key`` holds arrays: ``depth`` levels, the object included."""
    return b'{"' + key + b'": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def padded(body: bytes, size: int) -> bytes:
    """``body`` with trailing whitespace up to exactly ``size`` bytes."""
    return body + b" " * (size - len(body))


OVER_LIMIT = padded(b'{"note": "big"}', MAX_BODY_BYTES + 1)

# Sent to the run route (an existing trigger) and to create, on every variant: each is
# refused before routing, so the route, its body handling and the variant's bug never see it.
BODY_CASES: dict[str, Case] = {
    "malformed": Case(
        "run, create",
        'malformed JSON `{"note": "rollback"`',
        "POST",
        "",
        bad_json("Expecting ',' delimiter at line 1 column 20"),
        b'{"note": "rollback"',
    ),
    "array": Case("run, create", "JSON that is an array `[]`", "POST", "", NOT_AN_OBJECT, b"[]"),
    "string": Case(
        "run, create", 'JSON that is a string `"note"`', "POST", "", NOT_AN_OBJECT, b'"note"'
    ),
    "number": Case("run, create", "JSON that is a number `42`", "POST", "", NOT_AN_OBJECT, b"42"),
    "null": Case("run, create", "JSON `null`", "POST", "", NOT_AN_OBJECT, b"null"),
    "whitespace": Case(
        "run, create",
        "a body of whitespace only, declared as JSON",
        "POST",
        "",
        bad_json("Expecting value at line 2 column 1"),
        b" \n",
    ),
    "text_plain": Case(
        "run, create",
        "a JSON body sent as `text/plain`",
        "POST",
        "",
        json_415("(got 'text/plain')"),
        b"{}",
        {"content-type": "text/plain"},
    ),
    "form": Case(
        "run, create",
        "a JSON body sent as `application/x-www-form-urlencoded` (as `curl -d` declares it)",
        "POST",
        "",
        json_415("(got 'application/x-www-form-urlencoded')"),
        b"{}",
        {"content-type": "application/x-www-form-urlencoded"},
    ),
    "no_content_type": Case(
        "run, create",
        "a JSON body without a content type",
        "POST",
        "",
        json_415("(none given)"),
        b"{}",
        {},
    ),
    "invalid_utf8": Case(
        "run, create",
        "invalid UTF-8 (`0xff` in a string)",
        "POST",
        "",
        bad_json("not UTF-8 (byte 10)"),
        b'{"note": "\xff"}',
    ),
    "utf16": Case(
        "run, create",
        "JSON encoded as UTF-16",
        "POST",
        "",
        bad_json("Expecting property name enclosed in double quotes at line 1 column 2"),
        '{"note": "x"}'.encode("utf-16-le"),
    ),
    "bom": Case(
        "run, create",
        "a UTF-8 byte-order mark before `{}`",
        "POST",
        "",
        bad_json("a UTF-8 byte order mark is not allowed"),
        b"\xef\xbb\xbf{}",
    ),
    "duplicate_keys": Case(
        "run, create",
        'duplicate keys `{"note": "a", "note": "b"}`',
        "POST",
        "",
        bad_json("duplicate key 'note'"),
        b'{"note": "a", "note": "b"}',
    ),
    "nan": Case(
        "run, create", "`NaN`", "POST", "", bad_json("NaN is not a JSON number"), b'{"note": NaN}'
    ),
    "infinity": Case(
        "run, create",
        "`Infinity`",
        "POST",
        "",
        bad_json("Infinity is not a JSON number"),
        b'{"note": Infinity}',
    ),
    "minus_infinity": Case(
        "run, create",
        "`-Infinity`",
        "POST",
        "",
        bad_json("-Infinity is not a JSON number"),
        b'{"note": -Infinity}',
    ),
    "huge_float": Case(
        "run, create",
        "a number that overflows a float, `1e400`",
        "POST",
        "",
        bad_json("number 1e400 is out of range"),
        b'{"note": 1e400}',
    ),
    "huge_int": Case(
        "run, create",
        "an integer of 5,000 digits",
        "POST",
        "",
        bad_json("number too large"),
        b'{"note": ' + b"9" * 5000 + b"}",
    ),
    "surrogate": Case(
        "run, create",
        'an unpaired surrogate escape `{"note": "\\ud800"}`',
        "POST",
        "",
        bad_json("a string has an unpaired surrogate escape"),
        b'{"note": "\\ud800"}',
    ),
    "deep": Case(
        "run, create",
        "nesting 10,000 levels deep",
        "POST",
        "",
        bad_json(f"nested deeper than {MAX_JSON_DEPTH} levels"),
        nested(10_000),
    ),
    "one_too_deep": Case(
        "run, create",
        f"nesting {MAX_JSON_DEPTH + 1} levels deep, one over the limit",
        "POST",
        "",
        bad_json(f"nested deeper than {MAX_JSON_DEPTH} levels"),
        nested(MAX_JSON_DEPTH + 1),
    ),
    "too_large": Case(
        "run, create",
        f"a body of {MAX_BODY_BYTES + 1} bytes, one over the limit (content-length)",
        "POST",
        "",
        TOO_LARGE,
        OVER_LIMIT,
    ),
    "too_large_chunked": Case(
        "run, create",
        f"the same {MAX_BODY_BYTES + 1} bytes chunked, without a content-length",
        "POST",
        "",
        TOO_LARGE,
        OVER_LIMIT,
        chunk_size=4096,
    ),
}

RUN = run_path(KNOWN)
EXTRA_IGNORED = "dependency_merge/extra_ignore"


def run_id(segment: str, shown: str, *, how: str) -> Case:
    """Run with a path id not of the issued form: ``segment`` as sent, ``shown`` as decoded."""
    return Case(
        "run",
        f"a path id {how}",
        "POST",
        f"{TRIGGERS}/{segment}/run",
        not_found(f"trigger {shown} not found"),
        b"{}",
        unless=(seed_first(SEED), RUN_PATTERN),
    )


def get_id(segment: str, shown: str, *, how: str) -> Case:
    return Case(
        "get",
        f"a path id {how}",
        "GET",
        f"{TRIGGERS}/{segment}",
        not_found(f"trigger {shown} not found"),
        headers={},
        unless=(GET_PATTERN,),
    )


def create(what: str, body: bytes, answer: Answer, **kwargs: Any) -> Case:
    return Case("create", what, "POST", TRIGGERS, answer, body, **kwargs)


LONG_ID = "trg_" + "A" * 9_996
UNICODE_ID = "trg_" + "é" * 24
UNICODE_HOW = "in unicode (`trg_` and 24 `é`)"

CASES: dict[str, Case] = {
    # Path ids. Starlette decodes the path before routing: %2F becomes a separator.
    "run_slash": Case(
        "run",
        "a path id with a percent-encoded `/` (`trg_a%2Fb`)",
        "POST",
        run_path("trg_a/b"),
        not_found(),
        b"{}",
    ),
    "get_slash": Case(
        "get",
        "a path id with a percent-encoded `/`",
        "GET",
        f"{TRIGGERS}/trg_a%2Fb",
        not_found(),
        headers={},
    ),
    "run_nul": run_id("trg_%00", "trg_\x00", how="`trg_%00`"),
    "get_nul": get_id("trg_%00", "trg_\x00", how="`trg_%00`"),
    "run_not_utf8": run_id("trg_%FF", "trg_\ufffd", how="`trg_%FF` (not UTF-8)"),
    "get_not_utf8": get_id("trg_%FF", "trg_\ufffd", how="`trg_%FF` (not UTF-8)"),
    "run_unicode": run_id(quote(UNICODE_ID), UNICODE_ID, how=UNICODE_HOW),
    "get_unicode": get_id(quote(UNICODE_ID), UNICODE_ID, how=UNICODE_HOW),
    "run_long": run_id(LONG_ID, LONG_ID, how="of 10,000 characters"),
    "get_long": get_id(LONG_ID, LONG_ID, how="of 10,000 characters"),
    "run_empty": Case(
        "run",
        "an empty path id (`/v1/code/triggers//run`)",
        "POST",
        f"{TRIGGERS}//run",
        not_found(),
        b"{}",
    ),
    "get_empty": Case(
        "get",
        "an empty path id (`/v1/code/triggers/`: no redirect)",
        "GET",
        f"{TRIGGERS}/",
        not_found(),
        headers={},
    ),
    "run_unknown": Case(
        "run",
        "an unknown trigger (an id of the issued form)",
        "POST",
        run_path(UNKNOWN),
        not_found(f"trigger {UNKNOWN} not found"),
        b"{}",
        unless=(seed_first(SEED),),
    ),
    "get_unknown": Case(
        "get",
        "an unknown trigger",
        "GET",
        f"{TRIGGERS}/{UNKNOWN}",
        not_found(f"trigger {UNKNOWN} not found"),
        headers={},
    ),
    "unknown_route": Case(
        "any",
        "an unknown route (`GET /v1/code/routines`)",
        "GET",
        "/v1/code/routines",
        not_found(),
        headers={},
    ),
    # Methods.
    "run_get": Case(
        "run",
        "a wrong method (`GET`)",
        "GET",
        RUN,
        Answer(405, "invalid_request_error", "Method Not Allowed"),
        headers={},
    ),
    "trigger_delete": Case(
        "get",
        "a wrong method (`DELETE`)",
        "DELETE",
        f"{TRIGGERS}/{KNOWN}",
        Answer(405, "invalid_request_error", "Method Not Allowed"),
        headers={},
    ),
    "triggers_put": Case(
        "list, create",
        "a wrong method (`PUT`)",
        "PUT",
        TRIGGERS,
        Answer(405, "invalid_request_error", "Method Not Allowed"),
        b'{"name": "nightly"}',
    ),
    # Create's fields: the same model on every variant, declared to FastAPI or read raw.
    "create_empty": create(
        "an empty body declared as JSON (read as omitted, so as `{}`)",
        b"",
        invalid("name: Field required"),
    ),
    "create_missing": create(
        'missing `name` (`{"cron_expression": "0 * * * *"}`)',
        b'{"cron_expression": "0 * * * *"}',
        invalid("name: Field required"),
    ),
    "create_extra": create(
        'an extra field (`{"name": "nightly", "nmae": "x"}`)',
        b'{"name": "nightly", "nmae": "x"}',
        invalid("nmae: Extra inputs are not permitted"),
        exempt=(
            f"`{EXTRA_IGNORED}`: 201, the field dropped (its masking cost)",
            lambda v: v.name == EXTRA_IGNORED,
        ),
    ),
    "create_name_number": create(
        'a mistyped `name` (`{"name": 5}`)',
        b'{"name": 5}',
        invalid("name: Input should be a valid string"),
    ),
    "create_name_empty": create(
        'an empty `name` (`{"name": ""}`)',
        b'{"name": ""}',
        invalid("name: String should have at least 1 character"),
    ),
    "create_name_deep": create(
        f"`name` an array nested to the limit ({MAX_JSON_DEPTH} levels): the model answers",
        nested(MAX_JSON_DEPTH, b"name"),
        invalid("name: Input should be a valid string"),
    ),
    "create_cron_number": create(
        'a mistyped `cron_expression` (`{"name": "n", "cron_expression": 5}`)',
        b'{"name": "n", "cron_expression": 5}',
        invalid("cron_expression: Input should be a valid string"),
    ),
    "create_cron_bad": create(
        "a `cron_expression` out of range (`61 * * * *`)",
        b'{"name": "n", "cron_expression": "61 * * * *"}',
        invalid("cron_expression: Value error, minute: '61' is outside 0-59"),
    ),
    "create_at_text": create(
        '`run_once_at` not a date-time (`"tomorrow"`)',
        b'{"name": "n", "run_once_at": "tomorrow"}',
        invalid("run_once_at: Input should be a valid datetime or date, input is too short"),
    ),
    "create_at_naive": create(
        "`run_once_at` without an offset (`2030-01-01T00:00:00`)",
        b'{"name": "n", "run_once_at": "2030-01-01T00:00:00"}',
        invalid("run_once_at: Input should have timezone info"),
    ),
    "create_at_impossible": create(
        "`run_once_at` on a day that does not exist (`2030-02-30T00:00:00Z`)",
        b'{"name": "n", "run_once_at": "2030-02-30T00:00:00Z"}',
        invalid(
            "run_once_at: Input should be a valid datetime or date, "
            "day value is outside expected range"
        ),
    ),
    "create_at_number": create(
        "`run_once_at` a number (`1700000000`), not an RFC 3339 string",
        b'{"name": "n", "run_once_at": 1700000000}',
        invalid("run_once_at: Input should be an RFC 3339 date-time string"),
    ),
    "create_two_schedules": create(
        "both `cron_expression` and `run_once_at`",
        b'{"name": "n", "cron_expression": "0 * * * *", "run_once_at": "2030-01-01T00:00:00Z"}',
        invalid("Value error, give cron_expression or run_once_at, not both"),
    ),
}


def _expanded() -> dict[str, Case]:
    cases = {}
    for name, case in BODY_CASES.items():
        cases[f"run_{name}"] = replace(case, path=RUN)
        cases[f"create_{name}"] = replace(case, path=TRIGGERS)
    return {**cases, **CASES}


ALL_CASES = _expanded()


def case_params() -> list[Any]:
    return [
        pytest.param(param.values[0], case, id=f"{name}-{param.id}")
        for name, case in ALL_CASES.items()
        for param in variants(where=case.applies_to)
    ]


def error_of(response: httpx.Response) -> Answer:
    """The response's status, error type and message; fails unless it is the seed's envelope."""
    assert REQUEST_ID.fullmatch(response.headers.get("request-id", ""))
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["type", "error"]
    assert body["type"] == "error"
    assert list(body["error"]) == ["type", "message"]
    compact = b'{"type":"error","error":{"type":'
    assert response.content.startswith(compact)
    return Answer(response.status_code, body["error"]["type"], body["error"]["message"])


def listing(client: Client) -> list[dict[str, Any]]:
    """Every trigger with its run count: a rejected run or create leaves this as it was."""
    response = client.request("GET", TRIGGERS)
    assert response.status_code == 200
    triggers: list[dict[str, Any]] = response.json()["data"]
    return triggers


def send(client: Client, case: Case) -> httpx.Response:
    return client.raw(
        case.method, case.path, case.content, case.headers, chunk_size=case.chunk_size
    )


@pytest.mark.parametrize(("variant", "case"), case_params())
def test_bad_input_gets_its_4xx_in_the_envelope_and_changes_nothing(
    client: Client, variant: Variant, case: Case, request: pytest.FixtureRequest
) -> None:
    seed_trigger(client, KNOWN)
    before = listing(client)

    response = send(client, case)
    after = listing(client)
    # Measured before the assertions, for tests/figures.py; as_tabled only if it is an envelope.
    measured = request.node.user_properties
    measured += [("bad_input_status", response.status_code), ("store_changed", after != before)]
    answer = error_of(response)
    measured.append(("as_tabled", answer == case.expected(variant)))

    assert answer == case.expected(variant)
    assert after == before


@pytest.mark.parametrize("variant", variants(where=lambda v: v.name == EXTRA_IGNORED))
def test_the_masking_dependency_fix_drops_an_extra_create_field(client: Client) -> None:
    """The exemption in the table: ``extra='ignore'`` at call time covers create too."""
    response = client.raw("POST", TRIGGERS, b'{"name": "nightly", "nmae": "x"}', JSON)

    assert response.status_code == 201
    assert [trigger["name"] for trigger in listing(client)] == ["nightly"]


def _valid_run_answer(variant: Variant) -> Answer | None:
    """The seed's 400 on a variant with it, else None: the run runs."""
    return SEED if variant.expect["rejects_valid_run"] else None


@pytest.mark.parametrize("variant", variants())
@pytest.mark.parametrize(
    ("content", "headers", "chunk_size"),
    [
        pytest.param(b"", JSON, None, id="empty-declared-json"),
        pytest.param(b"", {}, None, id="empty-no-content-type"),
        pytest.param(padded(b'{"note": "ok"}', MAX_BODY_BYTES), JSON, None, id="at-the-limit"),
        pytest.param(
            padded(b'{"note": "ok"}', MAX_BODY_BYTES), JSON, 4096, id="at-the-limit-chunked"
        ),
        pytest.param(
            b'{"note": "ok"}',
            {"content-type": "application/json; charset=utf-8"},
            None,
            id="charset",
        ),
        pytest.param(
            b'{"note": "ok"}',
            {"content-type": "application/merge-patch+json"},
            None,
            id="plus-json",
        ),
    ],
)
def test_what_the_checks_let_through_is_a_valid_run(
    client: Client,
    variant: Variant,
    content: bytes,
    headers: Mapping[str, str],
    chunk_size: int | None,
) -> None:
    """The other side of the table: an empty body is an omitted one, the limit is inclusive,
    and any JSON media type passes. A valid run runs, or gets the variant's seed 400."""
    seed_trigger(client, KNOWN)

    response = client.raw("POST", RUN, content, headers, chunk_size=chunk_size)

    seed = _valid_run_answer(variant)
    if seed is not None:
        assert error_of(response) == seed
        assert client.run_counts(KNOWN) == {KNOWN: 0}
    else:
        assert response.status_code == 200
        assert response.json()["note"] == (None if not content else "ok")
        assert client.run_counts(KNOWN) == {KNOWN: 1}


def readme_message(message: str) -> str:
    """``message`` for a table cell: control characters escaped, a long one shortened."""
    text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in message)
    if len(text) > 100:
        text = text[:40] + "…" + text[-20:]
    return f"`{text}`"


def readme_table() -> str:
    rows = ["| route | bad input | status and error type | message |", "|---|---|---|---|"]
    rows += [
        f"| {c.route} | {c.what} | {c.readme_answer()} | {readme_message(c.answer.message)} |"
        for c in [*BODY_CASES.values(), *CASES.values()]
    ]
    return "\n".join(rows) + "\n"


def test_the_readme_table_is_these_cases() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "render it with: python -m tests.test_bad_input"


if __name__ == "__main__":
    print(readme_table(), end="")
