"""Raw HTTP requests for the routines API, as bytes on the wire, and a driver that sends them.

``tests/strategies.py`` draws what a client of the API means to send; this module draws what
anyone can send: any method, a path built from the real routes with mutated segments, a raw
query string, odd headers and any body bytes. ``RawClient`` sends a ``RawRequest`` exactly as
drawn (no JSON encoding, no default headers) through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import json
import string
from dataclasses import dataclass, replace
from datetime import timezone
from functools import cache
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from hypothesis import strategies as st

from repro.client import run_path
from repro.routines.app import RUN, TRIGGER, TRIGGERS
from tests.strategies import EXAMPLE_TRIGGER_ID, json_values, notes, trigger_ids

BASE_URL = "http://routines.test"
# Ids a fuzzed app holds before the first request, so that mutated paths reach existing
# triggers too, not only 404s.
KNOWN_TRIGGER_IDS = (EXAMPLE_TRIGGER_ID, "trg_" + "A" * 24)

Header = tuple[bytes, bytes]
_TRIGGER_IDS = trigger_ids()


@dataclass(frozen=True)
class RawRequest:
    """One request as sent: ``path`` and ``query`` are percent-encoded ASCII."""

    method: str
    path: str
    query: str = ""
    headers: tuple[Header, ...] = ()
    body: bytes = b""

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def __repr__(self) -> str:
        """Valid Python for a request of ordinary size; long paths and bodies abbreviated."""
        fields = (self.method, self.path, self.query, self.headers, self.body)
        return f"RawRequest({', '.join(_abbreviated(value) for value in fields)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints examples with this, not ``__repr__``."""
        printer.text(repr(self))


_REPR_LIMIT = 400


def _abbreviated(value: object) -> str:
    text = repr(value)
    if len(text) <= _REPR_LIMIT:
        return text
    size = len(value) if isinstance(value, (str, bytes, tuple)) else len(text)
    return f"{text[: _REPR_LIMIT // 2]}...<{size} in all>...{text[-_REPR_LIMIT // 4 :]}"


class RawClient:
    """A synchronous driver for one in-process app; a crash comes back as a 500 response.

    It calls the transport itself, not ``httpx.AsyncClient``: no default headers are added,
    and a redirect's location is returned as sent, never parsed.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    def send(self, request: RawRequest) -> httpx.Response:
        url = httpx.URL(BASE_URL, raw_path=request.target.encode("ascii"))
        built = httpx.Request(
            request.method, url, headers=list(request.headers), content=request.body
        )
        return self._loop.run_until_complete(self._send(built))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._transport.handle_async_request(request)
        response.request = request
        await response.aread()
        return response

    def close(self) -> None:
        self._loop.run_until_complete(self._transport.aclose())
        self._loop.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# --- methods -------------------------------------------------------------------------------

STANDARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ODD_METHODS = ("TRACE", "CONNECT", "PROPFIND", "MKCOL", "BREW", "M-SEARCH", "QUERY", "X" * 64)
_TOKEN = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"


@cache
def methods() -> st.SearchStrategy[str]:
    """Mostly the routes' own methods (POST weighted up: it is where bodies are read)."""
    return (
        st.sampled_from(("POST", "POST", "POST", "GET", "GET", *STANDARD_METHODS))
        | st.sampled_from(ODD_METHODS)
        | st.text(_TOKEN, min_size=1, max_size=12)
    )


# --- paths ---------------------------------------------------------------------------------

_SPECIAL_SEGMENTS = (
    "%00",
    "%2F",
    "%2f",
    "%2F..%2F",
    "%2e%2e",
    "%25",
    "%",
    "%zz",
    "%C0%AF",
    "%FF%FE",
    "%E2%80%AE",
    "%EF%BF%BD",
    "%F0%9F%92%A5",
    "%20",
    "+",
    ";",
    ";run",
    "run",
    "triggers",
    "trg_",
    "trg_%00",
    EXAMPLE_TRIGGER_ID + "%00",
    EXAMPLE_TRIGGER_ID + "%2Frun",
    EXAMPLE_TRIGGER_ID + ";x=1",
    EXAMPLE_TRIGGER_ID.lower(),
    EXAMPLE_TRIGGER_ID[:-1],
    EXAMPLE_TRIGGER_ID + "Z",
    "TRG_" + EXAMPLE_TRIGGER_ID[4:],
    "%74%72%67%5F" + EXAMPLE_TRIGGER_ID[4:],  # trg_ percent-encoded: the same id decoded
)
# Characters a raw path may hold unencoded besides letters and digits (RFC 3986 pchar).
_PCHAR_SAFE = "-._~!$&'()*+,;=:@"


def _encoded_bytes(raw: bytes) -> str:
    return "".join(f"%{byte:02X}" for byte in raw)


@cache
def path_segments() -> st.SearchStrategy[str]:
    """One path segment in place of an id, percent-encoded as it goes on the wire."""
    unicode_text = st.text(st.characters(min_codepoint=0x80, codec="utf-8"), min_size=1, max_size=8)
    return st.one_of(
        st.sampled_from(KNOWN_TRIGGER_IDS),
        _TRIGGER_IDS,
        st.sampled_from(_SPECIAL_SEGMENTS),
        st.text(max_size=20).map(lambda text: quote(text, safe="")),
        st.text(max_size=20).map(lambda text: quote(text, safe=_PCHAR_SAFE)),
        st.binary(min_size=1, max_size=12).map(_encoded_bytes),
        unicode_text.map(lambda text: quote(text, safe="")),
        st.sampled_from((256, 4096, 16384)).map(lambda size: "a" * size),  # very long
        st.just(""),
    )


_TEMPLATES = st.sampled_from(
    [template.strip("/").split("/") for template in (TRIGGERS, TRIGGER, RUN)]
)
_SEGMENT_IS_WRONG = st.integers(0, 15).map(lambda n: n == 0)  # now and then, a fixed one
_FIXED_SEGMENT_MUTATIONS = st.sampled_from(
    ("", "V1", "v2", "Code", "Triggers", "trigger", "%74riggers", "run")
)
_EXTRA_SEGMENTS = st.lists(st.deferred(lambda: path_segments()), max_size=2)
_TAILS = st.sampled_from(("", "", "", "/", "//", "/.", "/.."))


@st.composite
def _paths(draw: st.DrawFn) -> str:
    built = []
    for segment in draw(_TEMPLATES):
        if segment == "{trigger_id}":
            built.append(draw(path_segments()))
        elif draw(_SEGMENT_IS_WRONG):
            built.append(draw(_FIXED_SEGMENT_MUTATIONS))
        else:
            built.append(segment)
    built.extend(draw(_EXTRA_SEGMENTS))
    return "/" + "/".join(built) + draw(_TAILS)


@cache
def paths() -> st.SearchStrategy[str]:
    """A raw path: one of the real routes, its id and sometimes its fixed segments mutated."""
    return _paths()


# --- query strings -------------------------------------------------------------------------

_QUERY_KEYS = ("trigger_id", "id", "limit", "note", "name", "cron_expression", "run_once_at")
_RAW_QUERIES = st.sampled_from(
    ("%", "%zz", "=", "&&", "=&=", "a=%FF%FE", "%00=%00", "limit=-1", "limit=1e3")
)
_QUERY_PAIRS = st.lists(
    st.tuples(
        st.sampled_from(_QUERY_KEYS) | st.text(max_size=10),
        st.sampled_from(KNOWN_TRIGGER_IDS)
        | st.integers().map(str)
        | st.text(max_size=20)
        | st.sampled_from(("", "0", "1001", "99999999999999999999999", "null", "[]")),
    ),
    min_size=1,
    max_size=4,
)
_QUERY_SHAPES = st.sampled_from(("none", "none", "pairs", "pairs", "raw"))


@st.composite
def _queries(draw: st.DrawFn) -> str:
    shape = draw(_QUERY_SHAPES)
    if shape == "none":
        return ""
    if shape == "raw":
        return draw(_RAW_QUERIES)
    pairs = draw(_QUERY_PAIRS)
    return "&".join(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in pairs)


@cache
def queries() -> st.SearchStrategy[str]:
    """A raw query string: none, key=value pairs on the API's own keys and others, or junk."""
    return _queries()


# --- headers -------------------------------------------------------------------------------

JSON_CONTENT_TYPES = (
    b"application/json",
    b"application/json; charset=utf-8",
    b"Application/JSON",
    b"application/vnd.api+json",
    b"application/merge-patch+json",
)
OTHER_CONTENT_TYPES = (
    b"",
    b"text/plain",
    b"text/json",
    b"json",
    b"application/",
    b"/",
    b";;;",
    b"application/json; charset=nope",
    b"application/json; charset=utf-16",
    b"application/json; boundary",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data",
    b"multipart/form-data; boundary=xyz",
    b"application/xml",
    b"application/octet-stream",
    b"*/*",
    b"application/json\x00",
    b"application/\xffjson",
    b"application/json" + b"; x=y" * 500,
)
_ODD_HEADERS: tuple[Header, ...] = (
    (b"content-length", b"0"),
    (b"content-length", b"999999999"),
    (b"content-length", b"-1"),
    (b"content-length", b"abc"),
    (b"transfer-encoding", b"chunked"),
    (b"content-encoding", b"gzip"),
    (b"expect", b"100-continue"),
    (b"accept", b"text/html"),
    (b"accept", b"\xff\xfe"),
    (b"accept-encoding", b"br;q=2, *;q=-1"),
    (b"host", b""),
    (b"host", b"evil.example:99999"),
    (b"cookie", b"=; ;==; a=\xff"),
    (b"authorization", b"Bearer"),
    (b"x-http-method-override", b"DELETE"),
    (b"x-original-url", b"/v1/code/triggers"),
    (b"x-forwarded-prefix", b"/../.."),
    (b"x-trigger-id", KNOWN_TRIGGER_IDS[1].encode()),
    (b"request-id", b"req_forged"),
    (b"x-empty", b""),
    (b"x-long", b"v" * 8192),
)
_HEADER_NAME = st.text(_TOKEN, min_size=1, max_size=16).map(lambda name: name.lower().encode())
# Any byte but CR and LF: ASGI servers hand header values over as bytes, undecoded.
_HEADER_VALUE = st.binary(max_size=24).map(
    lambda value: value.replace(b"\r", b"").replace(b"\n", b"")
)


_CONTENT_TYPE_SHAPES = st.sampled_from(("missing", "json", "json", "other", "random", "twice"))
_JSON_CONTENT_TYPE = st.sampled_from(JSON_CONTENT_TYPES)
_OTHER_CONTENT_TYPE = st.sampled_from(OTHER_CONTENT_TYPES)
_MORE_HEADERS = st.tuples(
    st.lists(st.sampled_from(_ODD_HEADERS), max_size=2),
    st.lists(st.tuples(_HEADER_NAME, _HEADER_VALUE), max_size=2),
)


@st.composite
def _headers(draw: st.DrawFn) -> tuple[Header, ...]:
    headers: list[Header] = []
    content_type = draw(_CONTENT_TYPE_SHAPES)
    if content_type in ("json", "twice"):
        headers.append((b"content-type", draw(_JSON_CONTENT_TYPE)))
    if content_type in ("other", "twice"):
        headers.append((b"content-type", draw(_OTHER_CONTENT_TYPE)))
    if content_type == "random":
        headers.append((b"content-type", draw(_HEADER_VALUE)))
    odd, random = draw(_MORE_HEADERS)
    return (*headers, *odd, *random)


@cache
def headers() -> st.SearchStrategy[tuple[Header, ...]]:
    """Content-type valid, invalid, random, doubled or missing; then odd and random headers."""
    return _headers()


# --- bodies --------------------------------------------------------------------------------

_CRONS = ("*/5 * * * *", "0 * * * *", "0 0 29 2 *", "61 * * * *", "* * *", "", "0 0 30 2 *")
_DATETIMES = (
    "2025-06-01T12:04:30Z",
    "2025-06-01T12:04:30",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59.999999-23:59",
    "2025-02-30T00:00:00Z",
    "now",
    "",
)
_RAW_BODIES = (
    b"{",
    b"}",
    b"{}{}",
    b"null",
    b"[]",
    b'""',
    b"0",
    b"-0.0e-0",
    b"NaN",
    b'{"note": NaN}',
    b'{"note": Infinity}',
    b'{"name": 1e999}',
    b'{"note": "\\ud800"}',
    b'{"\\ud800": 1}',
    b'{"name": "\\udfff\\ud800"}',
    b'{"\\u0000": "\\u0000"}',
    b'{"note": "\xff"}',
    b'{"note": "a", "note": 1}',
    b'{"trigger_id": "' + KNOWN_TRIGGER_IDS[1].encode() + b'"}',
    b"\xef\xbb\xbf{}",
    '{"note": "x"}'.encode("utf-16"),
    b"\xc3\x28",
    b"\x00",
    b" \t\r\n ",
    b'{"name": "' + b"9" * 5000 + b'"}',
    b'{"limit": ' + b"9" * 5000 + b"}",
)


def _deeply_nested(depth: int) -> bytes:
    return b'{"note":' * depth + b"1" + b"}" * depth


def _huge_note(size: int) -> bytes:
    return json.dumps({"note": "x" * size}).encode()


_NOTES = st.none() | notes()
_NAMES = st.sampled_from(("nightly", "")) | st.text(max_size=20)
_CRON = st.sampled_from(_CRONS)
_DATETIME = st.sampled_from(_DATETIMES)
_EXTRA_FIELD = st.tuples(st.text(max_size=10), json_values())
_ONE_IN_FOUR = st.integers(0, 3).map(lambda n: n == 0)


@st.composite
def _valid_objects(draw: st.DrawFn) -> dict[str, Any]:
    """Objects a client of the API would send: run bodies and create bodies, near-valid."""
    body: dict[str, Any] = {}
    if draw(st.booleans()):
        body["note"] = draw(_NOTES)
    if draw(st.booleans()):
        body["name"] = draw(_NAMES)
    if draw(_ONE_IN_FOUR):
        body["cron_expression"] = draw(_CRON)
    if draw(_ONE_IN_FOUR):
        body["run_once_at"] = draw(_DATETIME)
    if draw(_ONE_IN_FOUR):
        key, value = draw(_EXTRA_FIELD)
        body[key] = value
    return body


def _dump(value: Any, ensure_ascii: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ensure_ascii).encode()


@cache
def bodies() -> st.SearchStrategy[bytes]:
    """Body bytes: none, JSON objects valid or near-valid, other JSON, junk, invalid UTF-8,
    escapes Python decodes but UTF-8 cannot encode, deep nesting and huge-ish sizes."""
    return st.one_of(
        st.just(b""),
        st.builds(_dump, _valid_objects(), st.booleans()),
        st.builds(_dump, json_values(), st.booleans()),
        st.sampled_from(_RAW_BODIES),
        st.binary(max_size=64),
        st.text(max_size=20).map(lambda text: b'{"note": "' + text.encode() + b'\xff"}'),
        st.sampled_from((100, 1000, 100_000)).map(_deeply_nested),
        st.sampled_from((10_000, 65_520, 65_536, 300_000)).map(_huge_note),
    )


# --- requests ------------------------------------------------------------------------------


_VALID_CRONS = ("*/5 * * * *", "0 * * * *", "0 0 29 2 *", "30 12 * * 0")
_VALID_SCHEDULES: st.SearchStrategy[dict[str, str]] = st.one_of(
    st.just({}),
    st.sampled_from(_VALID_CRONS).map(lambda cron: {"cron_expression": cron}),
    st.datetimes(timezones=st.just(timezone.utc)).map(
        lambda moment: {"run_once_at": moment.isoformat()}
    ),
)
_VALID_RUN_BODIES = st.one_of(
    st.just(b""),
    st.just(b"{}"),
    st.builds(lambda note: json.dumps({"note": note}).encode(), _NOTES),
)
_VALID_CREATE_BODIES = st.builds(
    lambda name, schedule: json.dumps({"name": name, **schedule}).encode(),
    st.text(min_size=1, max_size=200),
    _VALID_SCHEDULES,
)
_ROUTES = st.sampled_from((("GET", TRIGGERS), ("GET", TRIGGER), ("POST", TRIGGERS), ("POST", RUN)))
_ID_SEGMENTS = st.sampled_from(KNOWN_TRIGGER_IDS) | _TRIGGER_IDS
_JSON_HEADERS = st.just(((b"content-type", b"application/json"),))
# What of a valid request is replaced by its wild counterpart: nothing, one part, or all.
_MUTATIONS = st.sampled_from(("none", "method", "path", "query", "headers", "body", "all"))


@st.composite
def _valid_requests(draw: st.DrawFn) -> RawRequest:
    method, template = draw(_ROUTES)
    path = template.replace("{trigger_id}", draw(_ID_SEGMENTS))
    if (method, template) == ("POST", TRIGGERS):
        body = draw(_VALID_CREATE_BODIES)
    elif method == "POST":
        body = draw(_VALID_RUN_BODIES)
    else:
        body = b""
    headers = draw(_JSON_HEADERS) if body else ()
    return RawRequest(method, path, "", headers, body)


@cache
def valid_requests() -> st.SearchStrategy[RawRequest]:
    """A request each route accepts: its method, an id of the issued form, a valid body."""
    return _valid_requests()


@st.composite
def _raw_requests(draw: st.DrawFn) -> RawRequest:
    request = draw(valid_requests())
    mutation = draw(_MUTATIONS)
    if mutation in ("method", "all"):
        request = replace(request, method=draw(methods()))
    if mutation in ("path", "all"):
        request = replace(request, path=draw(paths()))
    if mutation in ("query", "all"):
        request = replace(request, query=draw(queries()))
    if mutation in ("headers", "all"):
        request = replace(request, headers=draw(headers()))
    if mutation in ("body", "all"):
        request = replace(request, body=draw(bodies()))
    return request


@cache
def raw_requests() -> st.SearchStrategy[RawRequest]:
    """Any request: a valid one with one part (method, path, query, headers or body)
    replaced by a wild one, or all of them, or none."""
    return _raw_requests()


def raw_request_batches(min_size: int, max_size: int) -> st.SearchStrategy[list[RawRequest]]:
    """Several requests per example, sent in order to one app."""
    return st.lists(raw_requests(), min_size=min_size, max_size=max_size)


# --- attempts to run another trigger than the path's ----------------------------------------


@dataclass(frozen=True)
class OverrideAttempt:
    """A run on ``path_trigger``'s path whose body, query or headers name ``other_trigger``."""

    path_trigger: str
    other_trigger: str
    request: RawRequest


# Keys a client might hope a server reads an id from; the path param's name comes first.
ID_KEYS = (
    "trigger_id",
    "id",
    "triggerId",
    "triggerID",
    "trigger-id",
    "TRIGGER_ID",
    "trigger",
    "trigger_ids",
    "path_params",
    "path",
    "params",
    "target",
)
_WRAPPERS = (None, "data", "body", "trigger", "path_params", "params", "run")
ID_HEADERS = (
    "x-trigger-id",
    "trigger-id",
    "x-original-url",
    "x-rewrite-url",
    "x-forwarded-path",
    "x-forwarded-uri",
    "referer",
    "forwarded",
)
# Bodies a run accepts (so that the query and headers are what is tested) and bodies naming
# the other trigger (which a fix rejects as unknown fields, or ignores).
_OVERRIDE_BODIES = st.sampled_from(
    ("none", "empty", "note", "ids", "ids", "duplicate", "escaped", "form")
)
_OVERRIDE_CONTENT_TYPES = st.sampled_from(
    (b"application/json", b"application/json", b"application/json", None, b"text/plain")
)
_QUERY_ID_KEYS = st.lists(st.sampled_from(ID_KEYS[:6]), unique=True, max_size=6)
_HEADER_ID_NAMES = st.lists(st.sampled_from(ID_HEADERS), unique=True, max_size=len(ID_HEADERS))


def _id_values(other: str) -> st.SearchStrategy[Any]:
    """The other trigger's id in the forms a merge might pick up."""
    return st.sampled_from(
        (
            other,
            [other],
            {"id": other},
            {"trigger_id": other},
            run_path(other),
            BASE_URL + run_path(other),
        )
    )


def _percent_encode_first(trigger_id: str) -> str:
    """The same id on the wire, its first character percent-encoded: it decodes unchanged."""
    return f"%{ord(trigger_id[0]):02X}{trigger_id[1:]}"


def _override_body(draw: st.DrawFn, path_trigger: str, other: str) -> tuple[bytes, bool]:
    """A run body, and whether it names the other trigger."""
    shape = draw(_OVERRIDE_BODIES)
    if shape == "none":
        return b"", False
    if shape == "empty":
        return b"{}", False
    if shape == "note":
        return json.dumps({"note": draw(_NOTES)}).encode(), False
    if shape == "ids":
        fields = draw(st.dictionaries(st.sampled_from(ID_KEYS), _id_values(other), min_size=1))
        if draw(st.booleans()):
            fields["note"] = draw(_NOTES)
        wrapper = draw(st.sampled_from(_WRAPPERS))
        return json.dumps(fields if wrapper is None else {wrapper: fields}).encode(), True
    if shape == "duplicate":  # json.loads keeps the last of a repeated key
        first, last = draw(st.permutations([path_trigger, other]))
        return f'{{"trigger_id": "{first}", "trigger_id": "{last}"}}'.encode(), True
    if shape == "escaped":  # "trigger_id" spelled with a JSON escape
        return f'{{"trigger\\u005fid": "{other}"}}'.encode(), True
    return f"trigger_id={other}".encode(), True  # a form body


@st.composite
def _override_attempts(draw: st.DrawFn) -> OverrideAttempt:
    path_trigger = draw(_TRIGGER_IDS)
    other = draw(_TRIGGER_IDS.filter(lambda trigger_id: trigger_id != path_trigger))
    body, names_other = _override_body(draw, path_trigger, other)
    headers: list[Header] = []
    if body.startswith(b"trigger_id="):
        headers.append((b"content-type", b"application/x-www-form-urlencoded"))
    elif body:
        content_type = draw(_OVERRIDE_CONTENT_TYPES)
        if content_type is not None:
            headers.append((b"content-type", content_type))
    query_keys = draw(_QUERY_ID_KEYS)
    header_names = draw(_HEADER_ID_NAMES)
    if not (names_other or query_keys or header_names):
        query_keys = [draw(st.sampled_from(ID_KEYS[:6]))]
    query = "&".join(f"{key}={other}" for key in query_keys)
    if query and draw(st.booleans()):
        query = f"trigger_id={path_trigger}&{query}"  # the path's id first, the other last
    for name in header_names:
        value = other if name.endswith("-id") else run_path(other)
        headers.append((name.encode(), value.encode()))
    on_the_wire = draw(st.sampled_from((path_trigger, _percent_encode_first(path_trigger))))
    path = run_path(path_trigger).replace(path_trigger, on_the_wire)
    request = RawRequest("POST", path, query, tuple(headers), body)
    return OverrideAttempt(path_trigger, other, request)


@cache
def override_attempts() -> st.SearchStrategy[OverrideAttempt]:
    """A run on one trigger's path naming another trigger in its body, query or headers."""
    return _override_attempts()
