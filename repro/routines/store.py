"""In-memory triggers and their runs, one store per app instance."""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from repro.routines.cron import CronExpression

TRIGGER_ID_PREFIX = "trg_"
TRIGGER_ID_ALPHABET = string.digits + string.ascii_letters
TRIGGER_ID_LENGTH = 24
TRIGGER_ID_PATTERN = rf"^{TRIGGER_ID_PREFIX}[0-9A-Za-z]{{{TRIGGER_ID_LENGTH}}}$"

RunSource = Literal["manual", "schedule"]


def new_trigger_id() -> str:
    """An id of the form every trigger gets: ``trg_`` and 24 base-62 characters."""
    suffix = "".join(secrets.choice(TRIGGER_ID_ALPHABET) for _ in range(TRIGGER_ID_LENGTH))
    return TRIGGER_ID_PREFIX + suffix


def rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Run:
    id: str
    trigger_id: str
    source: RunSource
    note: str | None
    started_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "trigger_run",
            "id": self.id,
            "trigger_id": self.trigger_id,
            "source": self.source,
            "note": self.note,
            "started_at": rfc3339(self.started_at),
        }


@dataclass
class Trigger:
    id: str
    name: str
    cron_expression: CronExpression | None
    run_once_at: datetime | None
    created_at: datetime
    next_run_at: datetime | None
    run_count: int = 0
    runs: list[Run] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "trigger",
            "id": self.id,
            "name": self.name,
            "cron_expression": self.cron_expression.text if self.cron_expression else None,
            "run_once_at": rfc3339(self.run_once_at),
            "created_at": rfc3339(self.created_at),
            "next_run_at": rfc3339(self.next_run_at),
            "run_count": self.run_count,
        }

    def snapshot(self) -> Trigger:
        """A copy that later runs and ticks leave alone (take it under the store's lock)."""
        return replace(self, runs=list(self.runs))


class TriggerStore:
    """Triggers by id. Every method is atomic, so handlers in worker threads may share it.

    A trigger handed out (by ``create``, ``get`` or ``all``) is a snapshot taken under the
    lock: a run or a tick on another thread never changes it while its reader serializes
    it, which would show a fired one-shot counted but still due.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._triggers: dict[str, Trigger] = {}

    def create(
        self,
        *,
        name: str,
        now: datetime,
        cron_expression: CronExpression | None = None,
        run_once_at: datetime | None = None,
        trigger_id: str | None = None,
    ) -> Trigger:
        """Store a new trigger. ``trigger_id`` lets tests choose an id of the issued form."""
        if cron_expression is not None:
            next_run_at = cron_expression.next_after(now)
        else:
            next_run_at = run_once_at
        with self._lock:
            new_id = trigger_id or new_trigger_id()
            if new_id in self._triggers:
                raise ValueError(f"trigger {new_id} already exists")
            trigger = Trigger(
                id=new_id,
                name=name,
                cron_expression=cron_expression,
                run_once_at=run_once_at,
                created_at=now,
                next_run_at=next_run_at,
            )
            self._triggers[new_id] = trigger
            return trigger.snapshot()

    def get(self, trigger_id: str) -> Trigger | None:
        with self._lock:
            trigger = self._triggers.get(trigger_id)
            return None if trigger is None else trigger.snapshot()

    def all(self) -> list[Trigger]:
        with self._lock:
            return [trigger.snapshot() for trigger in self._triggers.values()]

    def run(self, trigger_id: str, *, now: datetime, note: str | None = None) -> Run | None:
        """Run a trigger now ("Run now"); None if there is no such trigger."""
        with self._lock:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                return None
            return self._record_run(trigger, "manual", note, now)

    def fire_due(self, now: datetime) -> list[Run]:
        """Fire every trigger whose next run is due at ``now``, each at most once.

        Missed occurrences are coalesced into one run; a one-shot trigger never fires again.
        """
        with self._lock:
            runs = []
            for trigger in self._triggers.values():
                if trigger.next_run_at is None or trigger.next_run_at > now:
                    continue
                runs.append(self._record_run(trigger, "schedule", None, now))
                if trigger.cron_expression is not None:
                    trigger.next_run_at = trigger.cron_expression.next_after(now)
                else:
                    trigger.next_run_at = None
            return runs

    def _record_run(
        self, trigger: Trigger, source: RunSource, note: str | None, now: datetime
    ) -> Run:
        run = Run(
            id="run_" + secrets.token_hex(12),
            trigger_id=trigger.id,
            source=source,
            note=note,
            started_at=now,
        )
        trigger.run_count += 1
        trigger.runs.append(run)
        return run
