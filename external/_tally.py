"""What the outside requester's hooks count, and the verdict on a run: no Schemathesis here.

The hooks (``external.hooks``) call these functions on every response Schemathesis gets; the
driver (``external._cli``) reads the tally back and judges it. Kept apart so that both the
counting rules and the verdict can be tested without Schemathesis installed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from repro.routines.errors import ERROR_TYPES

REQUEST_ID = re.compile(r"req_[0-9a-f]{24}")
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
MAX_SAMPLES = 5
"""How many examples of each kind of problem a tally keeps, for the report."""

BASE_URL_ENV = "PARAMLEAK_EXTERNAL_BASE_URL"
"""The served fix's base URL, which the hooks read the store from."""
TALLY_ENV = "PARAMLEAK_EXTERNAL_TALLY"
"""The file the hooks write their tally to."""
TRIGGER_IDS_ENV = "PARAMLEAK_EXTERNAL_TRIGGER_IDS"
"""Comma-separated ids of the triggers the driver created before the run."""

Snapshot = dict[str, dict[str, Any]]
"""The store as ``GET /v1/code/triggers`` shows it: each trigger by id."""


def envelope_problem(
    status: int, headers: Mapping[str, str], content: bytes, *, head: bool = False
) -> str | None:
    """What is wrong with an error response, or None if it is exactly the seed's envelope.

    Exactly ``{"type": "error", "error": {"type": T, "message": str}}`` with T the type the
    service gives ``status`` (``invalid_request_error`` for 400 and so on), and a
    ``request-id: req_<24 hex>`` header. ``headers`` has lowercase names. A HEAD answer has no
    body, so it is judged by its headers.
    """
    if not REQUEST_ID.fullmatch(headers.get("request-id", "")):
        return f"{status} without a request-id header"
    if head:
        return None
    try:
        body: Any = json.loads(content)
    except ValueError:
        return f"{status} with a body that is not JSON"
    if not isinstance(body, dict) or set(body) != {"type", "error"} or body["type"] != "error":
        return f"{status} outside the envelope"
    error = body["error"]
    if not isinstance(error, dict) or set(error) != {"type", "message"}:
        return f"{status} with an error object other than {{type, message}}"
    if not isinstance(error["message"], str):
        return f"{status} with a message that is not a string"
    expected = ERROR_TYPES.get(status, "api_error")
    if error["type"] != expected:
        return f"{status} with error type {error['type']!r}, not {expected!r}"
    return None


def response_problem(
    method: str, status: int, headers: Mapping[str, str], content: bytes
) -> str | None:
    """What breaks the contract in a response: a request id on each, the envelope on errors."""
    if status >= 400:
        return envelope_problem(status, headers, content, head=method.upper() == "HEAD")
    if not REQUEST_ID.fullmatch(headers.get("request-id", "")):
        return f"{status} without a request-id header"
    return None


def snapshot_of(listing: Any) -> Snapshot:
    """The store from the JSON body of ``GET /v1/code/triggers``."""
    return {trigger["id"]: trigger for trigger in listing["data"]}


def state_changes(before: Snapshot, after: Snapshot) -> list[str]:
    """How the store changed between two snapshots, leaving out what the scheduler does.

    The scheduler fires due triggers on its own every second: a firing adds one to a
    trigger's ``run_count`` and moves its ``next_run_at``, which no request can move. So a
    count that grew by one while ``next_run_at`` moved is the scheduler's; any other change
    (a trigger added or gone, a field changed, a count grown with the schedule unmoved) is
    a request's.
    """
    changes = [f"trigger {tid} added" for tid in after.keys() - before.keys()]
    changes += [f"trigger {tid} gone" for tid in before.keys() - after.keys()]
    for tid in before.keys() & after.keys():
        old, new = before[tid], after[tid]
        fired = old.get("next_run_at") != new.get("next_run_at")
        grown = new.get("run_count", 0) - old.get("run_count", 0)
        if grown != (1 if fired else 0):
            changes.append(
                f"trigger {tid} run_count {old.get('run_count')} -> {new.get('run_count')}"
            )
        ignored = {"run_count", "next_run_at"}
        for key in sorted((old.keys() | new.keys()) - ignored):
            if old.get(key) != new.get(key):
                changes.append(f"trigger {tid} {key} {old.get(key)!r} -> {new.get(key)!r}")
    return sorted(changes)


@dataclass
class Tally:
    """What one fix's run saw, response by response."""

    requests: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUS_CLASSES, 0))
    server_errors: int = 0
    envelope_violations: int = 0
    state_changes: int = 0
    network_errors: int = 0
    samples: list[str] = field(default_factory=list)

    def record(
        self,
        request: str,
        status: int,
        envelope: str | None = None,
        changes: Sequence[str] = (),
    ) -> None:
        """Count one response to ``request`` (``METHOD path``) and what was wrong with it."""
        self.requests += 1
        klass = f"{status // 100}xx"
        self.statuses[klass] = self.statuses.get(klass, 0) + 1
        if status >= 500:
            self.server_errors += 1
            self._sample(f"{request} answered {status}")
        if envelope is not None:
            self.envelope_violations += 1
            self._sample(f"{request}: {envelope}")
        if changes:
            self.state_changes += 1
            self._sample(f"{request} answered {status} and changed the store: {changes[0]}")

    def record_network_error(self, request: str) -> None:
        self.requests += 1
        self.network_errors += 1
        self._sample(f"{request}: no response (network error)")

    def _sample(self, text: str) -> None:
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append(text)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tally:
        known = {key: data[key] for key in asdict(cls()) if key in data}
        return cls(**known)

    def write(self, path: Path) -> None:
        """Write the tally to ``path`` whole: a reader never sees half of it."""
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(self.to_json()))
        os.replace(partial, path)

    @classmethod
    def read(cls, path: Path) -> Tally:
        """The tally at ``path``; an empty one if the hooks never wrote it."""
        try:
            return cls.from_json(json.loads(path.read_text()))
        except FileNotFoundError:
            return cls()


def failure(tally: Tally, exit_code: int) -> str | None:
    """Why a fix's run fails the bar, or None: every error enveloped, no 5xx, no state change.

    A run that sent nothing, or whose Schemathesis run did not exit 0 (a check failed, the
    schema did not load, a hook raised), fails too: it proved nothing.
    """
    reasons = []
    if tally.server_errors:
        reasons.append(f"{tally.server_errors} 5xx")
    if tally.envelope_violations:
        reasons.append(f"{tally.envelope_violations} envelope violations")
    if tally.state_changes:
        reasons.append(f"{tally.state_changes} rejected requests changed the store")
    if tally.network_errors:
        reasons.append(f"{tally.network_errors} requests got no response")
    if tally.requests == 0:
        reasons.append("no request was sent")
    if exit_code != 0:
        reasons.append(f"schemathesis exited {exit_code}")
    return ", ".join(reasons) or None


def verdict(results: Mapping[str, tuple[Tally, int]]) -> str | None:
    """One line saying why the whole run fails, or None if every fix holds."""
    failed = []
    for name, (tally, exit_code) in results.items():
        reason = failure(tally, exit_code)
        if reason is not None:
            failed.append(f"{name}: {reason}")
    if not results:
        return "no fix was run"
    return "; ".join(failed) or None


__all__ = [
    "BASE_URL_ENV",
    "REQUEST_ID",
    "STATUS_CLASSES",
    "TALLY_ENV",
    "TRIGGER_IDS_ENV",
    "Snapshot",
    "Tally",
    "envelope_problem",
    "failure",
    "response_problem",
    "snapshot_of",
    "state_changes",
    "verdict",
]
