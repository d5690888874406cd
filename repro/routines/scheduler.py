"""The scheduler: fires due triggers straight from the store, never through the run endpoint.

That is why, in the seed, recurring schedules kept firing and the one-shot ``run_once_at``
workaround ran the job while every ``POST .../run`` answered 400.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone

from repro.routines.store import Run, TriggerStore

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class Scheduler:
    def __init__(self, store: TriggerStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def tick(self) -> list[Run]:
        """Fire what is due by the clock's current time."""
        return self.store.fire_due(self.clock())

    async def run_forever(self, interval: float = 1.0) -> None:
        while True:
            self.tick()
            await asyncio.sleep(interval)
