"""Values from JSON schemas: Hypothesis strategies, and distinctive sentinels for probes.

Owned here on purpose: hypothesis-jsonschema is broken with current Hypothesis, and
``st.builds`` skips defaulted fields. Every optional property is drawn present or absent.

Hypothesis is imported on first use: an audit whose probes settle every route (a leak found,
a plain path param, a body without required fields) never needs it.
"""

from __future__ import annotations

import functools
import math
import uuid
from datetime import timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypothesis import settings
    from hypothesis.strategies import SearchStrategy


@functools.cache
def _formats() -> dict[str, SearchStrategy[str]]:
    from hypothesis import strategies as st

    return {
        "uuid": st.uuids().map(str),
        "date-time": st.datetimes(timezones=st.just(timezone.utc)).map(
            lambda moment: moment.isoformat()
        ),
        "date": st.dates().map(lambda day: day.isoformat()),
        "email": st.from_regex(r"\A[a-z]{1,8}@[a-z]{1,8}\.(com|org|net)\Z"),
        "uri": st.from_regex(r"\Ahttps://[a-z]{1,10}\.example/[a-z0-9]{0,8}\Z"),
    }


def from_schema(schema: dict[str, Any], *, no_slash: bool = False) -> SearchStrategy[Any]:
    """Values valid for ``schema`` (as far as the schema tells; callers re-validate)."""
    strategy: SearchStrategy[Any] = _strategy(schema, schema.get("$defs", {}), no_slash)
    return strategy


def _strategy(schema: dict[str, Any], defs: dict[str, Any], no_slash: bool) -> Any:
    from hypothesis import strategies as st

    if "$ref" in schema:
        return _strategy(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, no_slash)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return st.one_of([_strategy(option, defs, no_slash) for option in options])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _strategy(schema["allOf"][0], defs, no_slash)
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"] or kind
        return st.one_of([_strategy({**schema, "type": k}, defs, no_slash) for k in kinds])
    if kind == "string":
        return _strings(schema, no_slash)
    if kind == "integer":
        return st.integers(*_bounds(schema, integer=True))
    if kind == "number":
        low, high = _bounds(schema, integer=False)
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = _strategy(schema.get("items", {}), defs, no_slash)
        return st.lists(
            items, min_size=schema.get("minItems", 0), max_size=schema.get("maxItems", 3)
        )
    if kind == "object" or "properties" in schema:
        return _objects(schema, defs)
    return _json_values()


def _strings(schema: dict[str, Any], no_slash: bool) -> SearchStrategy[str]:
    from hypothesis import strategies as st

    min_size = schema.get("minLength", 0)
    max_size = schema.get("maxLength")
    if "pattern" in schema:
        strings = st.from_regex(schema["pattern"], fullmatch=True)
    elif schema.get("format") in _formats():
        strings = _formats()[schema["format"]]
    else:
        alphabet = st.characters(
            exclude_categories=["Cs"], exclude_characters="/" if no_slash else ""
        )
        return st.text(
            alphabet, min_size=min_size, max_size=max_size if max_size is not None else 120
        )
    return strings.filter(
        lambda s: (
            len(s) >= min_size
            and (max_size is None or len(s) <= max_size)
            and not (no_slash and "/" in s)
        )
    )


def _bounds(schema: dict[str, Any], *, integer: bool) -> tuple[Any, Any]:
    low = schema.get("minimum")
    high = schema.get("maximum")
    if "exclusiveMinimum" in schema:
        low = (
            schema["exclusiveMinimum"] + 1
            if integer
            else math.nextafter(schema["exclusiveMinimum"], math.inf)
        )
    if "exclusiveMaximum" in schema:
        high = (
            schema["exclusiveMaximum"] - 1
            if integer
            else math.nextafter(schema["exclusiveMaximum"], -math.inf)
        )
    return low, high


def _objects(schema: dict[str, Any], defs: dict[str, Any]) -> SearchStrategy[dict[str, Any]]:
    """Required properties always, each optional one present or absent."""
    from hypothesis import strategies as st

    required = set(schema.get("required", ()))
    properties = schema.get("properties", {})
    return st.fixed_dictionaries(
        {name: _strategy(sub, defs, False) for name, sub in properties.items() if name in required},
        optional={
            name: _strategy(sub, defs, False)
            for name, sub in properties.items()
            if name not in required
        },
    )


def _json_values() -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=2), max_leaves=4)


@functools.cache
def _first() -> settings:
    from hypothesis import Phase, settings

    # The first value that fits, reproducibly; shrinking it would cost a second or more.
    return settings(database=None, max_examples=500, derandomize=True, phases=[Phase.generate])


def minimal_object(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The smallest object body the schema allows: required properties only, or None if the
    schema is not an object. With no required property that is ``{}``; else Hypothesis
    finds the first values that fit, deterministically."""
    defs = schema.get("$defs", {})
    objects = [s for s in _options(schema, defs) if s.get("type") == "object" or "properties" in s]
    if not objects:
        return None
    if not objects[0].get("required"):
        return {}
    from hypothesis import find

    found: dict[str, Any] = find(_objects(objects[0], defs), lambda _: True, settings=_first())
    return found


def _options(schema: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    if "$ref" in schema:
        return _options(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return [o for option in schema[key] for o in _options(option, defs)]
    return [schema]


def field_schema(schema_type: Any, name: str) -> dict[str, Any] | None:
    """The JSON schema of field ``name`` of a validated type (a model, or FastAPI's body
    annotation), with its ``$defs``; None if the type has no such field."""
    import warnings
    from typing import Annotated, get_args, get_origin

    from pydantic import TypeAdapter

    if get_origin(schema_type) is Annotated:
        # FastAPI validates bodies as Annotated[Model, FieldInfo(...)]; the field's own
        # settings (an alias) say nothing about the model's properties, and warn.
        schema_type = get_args(schema_type)[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schema = TypeAdapter(schema_type).json_schema()
    except Exception:  # not every validated type can produce a JSON schema
        return None
    defs = schema.get("$defs", {})
    for option in _options(schema, defs):
        prop = option.get("properties", {}).get(name)
        if prop is not None:
            return {**prop, "$defs": defs} if defs else dict(prop)
    return None


def sentinel(
    schema: dict[str, Any], convertor: str, index: int, avoid: frozenset[Any] = frozenset()
) -> Any:
    """A distinctive value valid for a path param: easy to find again in validation inputs.

    Strings get a unique token when the schema allows one; otherwise (a pattern, a format)
    Hypothesis finds a matching value with at least a few distinct characters.
    """
    kind = schema.get("type")
    if kind == "integer" or convertor == "int":
        low, high = _bounds(schema, integer=True)
        return _pick(low, high, 7_340_291 + index * 1_000_003)
    if kind == "number" or convertor == "float":
        low, high = _bounds(schema, integer=False)
        return float(_pick(low, high, 7340.5 + index))
    if convertor == "uuid" or schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if "pattern" not in schema and "format" not in schema and "enum" not in schema:
        for _ in range(64):
            value = _token_string(schema, convertor, uuid.uuid4().hex[:12])
            if value not in avoid:
                return value
    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    strings = from_schema(schema, no_slash=convertor != "path")
    try:  # distinctive if the schema allows: a "0" could be anything in a body
        return find(strings, lambda s: s not in avoid and _distinctive(s), settings=_first())
    except NoSuchExample:
        return find(strings, lambda s: s not in avoid, settings=_first())


def _token_string(schema: dict[str, Any], convertor: str, token: str) -> str:
    value = "pl" + token + ("/x" + token[:4] if convertor == "path" else "")
    max_size = schema.get("maxLength")
    if max_size is not None:
        value = value[:max_size]
    min_size: int = schema.get("minLength", 0)
    return value + "x" * max(0, min_size - len(value))


def _distinctive(value: Any) -> bool:
    return not isinstance(value, str) or (len(value) >= 6 and len(set(value)) >= 4)


def _pick(low: Any, high: Any, preferred: Any) -> Any:
    if low is not None and preferred < low:
        preferred = (
            low
            if high is None
            else (low + high) // 2
            if isinstance(low, int) and isinstance(high, int)
            else low
        )
    if high is not None and preferred > high:
        preferred = (
            high
            if low is None
            else (low + high) // 2
            if isinstance(low, int) and isinstance(high, int)
            else high
        )
    return preferred
