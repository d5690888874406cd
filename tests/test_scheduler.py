"""The scheduler fires triggers from the store while the run endpoint answers the seed's 400.

Every test drives a real variant app over HTTP, with a settable clock in place of the system
clock and ``app.state.scheduler.tick()`` in place of the background loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI

from repro import Variant
from repro.client import Client
from repro.probes import SEED_BODY, SEED_STATUS
from repro.routines.scheduler import Scheduler
from tests.support import variants

UTC = timezone.utc
TRIGGERS = "/v1/code/triggers"
# 12:02:30 on a Sunday: between two five-minute boundaries, mid-minute.
START = datetime(2025, 6, 1, 12, 2, 30, tzinfo=UTC)

RUN_IS_BROKEN = variants(where=lambda v: v.expect["rejects_valid_run"])


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def api(variant: Variant, clock: FakeClock) -> Iterator[Client]:
    """A client on a fresh app of ``variant`` whose store and scheduler read ``clock``."""
    app: FastAPI = variant.load().create_app(clock=clock)
    with Client(app) as client:
        yield client


def at(hour: int, minute: int, second: int = 0, microsecond: int = 0) -> datetime:
    return datetime(2025, 6, 1, hour, minute, second, microsecond, tzinfo=UTC)


def create(api: Client, body: dict[str, Any]) -> dict[str, Any]:
    response = api.request("POST", TRIGGERS, body)
    assert response.status_code == 201, response.content
    trigger: dict[str, Any] = response.json()
    return trigger


def get(api: Client, trigger_id: str) -> dict[str, Any]:
    response = api.request("GET", f"{TRIGGERS}/{trigger_id}")
    assert response.status_code == 200, response.content
    trigger: dict[str, Any] = response.json()
    return trigger


def tick_at(api: Client, clock: FakeClock, now: datetime) -> list[tuple[str, str, datetime]]:
    """Set the clock and tick once: (trigger id, source, started at) of each run it fired."""
    clock.now = now
    scheduler: Scheduler = api.app.state.scheduler
    return [(run.trigger_id, run.source, run.started_at) for run in scheduler.tick()]


def assert_run_is_broken(api: Client, trigger_id: str) -> None:
    before = api.run_counts()
    response = api.run(trigger_id)
    assert (response.status_code, response.content) == (SEED_STATUS, SEED_BODY)
    assert api.run_counts() == before


@pytest.mark.parametrize("variant", RUN_IS_BROKEN)
@pytest.mark.parametrize("body", [{"cron_expression": "*/5 * * * *"}, {}])
def test_run_answers_the_seed_400_for_a_created_trigger(api: Client, body: dict[str, Any]) -> None:
    trigger = create(api, {"name": "nightly", **body})
    response = api.run(trigger["id"])
    assert (response.status_code, response.content) == (SEED_STATUS, SEED_BODY)
    response = api.run(trigger["id"], {})
    assert (response.status_code, response.content) == (SEED_STATUS, SEED_BODY)
    assert api.run_counts() == {trigger["id"]: 0}


@pytest.mark.parametrize("variant", RUN_IS_BROKEN)
def test_recurring_trigger_fires_at_each_due_time_while_run_is_broken(
    api: Client, clock: FakeClock
) -> None:
    trigger = create(api, {"name": "every five", "cron_expression": "*/5 * * * *"})
    trigger_id = trigger["id"]
    assert trigger["next_run_at"] == "2025-06-01T12:05:00Z"
    assert_run_is_broken(api, trigger_id)

    assert tick_at(api, clock, START) == []
    assert tick_at(api, clock, at(12, 4, 59, 999999)) == []
    assert api.run_counts() == {trigger_id: 0}

    assert tick_at(api, clock, at(12, 5)) == [(trigger_id, "schedule", at(12, 5))]
    assert api.run_counts() == {trigger_id: 1}
    assert get(api, trigger_id)["next_run_at"] == "2025-06-01T12:10:00Z"

    assert tick_at(api, clock, at(12, 5)) == []
    assert tick_at(api, clock, at(12, 9, 59)) == []
    assert api.run_counts() == {trigger_id: 1}

    assert tick_at(api, clock, at(12, 10, 1)) == [(trigger_id, "schedule", at(12, 10, 1))]
    assert api.run_counts() == {trigger_id: 2}
    assert get(api, trigger_id)["next_run_at"] == "2025-06-01T12:15:00Z"
    assert_run_is_broken(api, trigger_id)


@pytest.mark.parametrize("variant", RUN_IS_BROKEN)
def test_recurring_trigger_fires_once_for_an_hour_of_missed_occurrences(
    api: Client, clock: FakeClock
) -> None:
    trigger_id = create(api, {"name": "every five", "cron_expression": "*/5 * * * *"})["id"]
    assert_run_is_broken(api, trigger_id)

    # 12:05 through 13:00 are all missed: one run, then the schedule resumes from now.
    assert tick_at(api, clock, at(13, 2, 30)) == [(trigger_id, "schedule", at(13, 2, 30))]
    assert tick_at(api, clock, at(13, 2, 30)) == []
    assert api.run_counts() == {trigger_id: 1}
    assert get(api, trigger_id)["next_run_at"] == "2025-06-01T13:05:00Z"


@pytest.mark.parametrize("variant", RUN_IS_BROKEN)
def test_one_shot_trigger_runs_once_when_due_while_run_is_broken(
    api: Client, clock: FakeClock
) -> None:
    """The seed's workaround: a one-shot trigger due in two minutes instead of "Run now"."""
    due = START + timedelta(minutes=2)
    trigger = create(api, {"name": "run it now", "run_once_at": "2025-06-01T12:04:30Z"})
    trigger_id = trigger["id"]
    assert (trigger["run_once_at"], trigger["next_run_at"]) == ("2025-06-01T12:04:30Z",) * 2
    assert trigger["cron_expression"] is None
    assert_run_is_broken(api, trigger_id)

    assert tick_at(api, clock, START) == []
    assert tick_at(api, clock, due - timedelta(microseconds=1)) == []
    assert api.run_counts() == {trigger_id: 0}

    assert tick_at(api, clock, due) == [(trigger_id, "schedule", due)]
    assert api.run_counts() == {trigger_id: 1}
    fired = get(api, trigger_id)
    assert (fired["run_once_at"], fired["next_run_at"]) == ("2025-06-01T12:04:30Z", None)

    for later in (due, at(12, 5), at(23, 59), due + timedelta(days=1)):
        assert tick_at(api, clock, later) == []
    # The clock steps back before the due time and forward past it again.
    assert tick_at(api, clock, START) == []
    assert tick_at(api, clock, at(12, 6)) == []
    assert api.run_counts() == {trigger_id: 1}
    assert_run_is_broken(api, trigger_id)


@pytest.mark.parametrize("variant", RUN_IS_BROKEN)
def test_list_and_get_answer_the_trigger_while_run_answers_the_seed_400(api: Client) -> None:
    recurring = create(api, {"name": "every five", "cron_expression": "*/5 * * * *"})
    one_shot = create(api, {"name": "run it now", "run_once_at": "2025-06-01T12:04:30Z"})
    assert recurring == {
        "type": "trigger",
        "id": recurring["id"],
        "name": "every five",
        "cron_expression": "*/5 * * * *",
        "run_once_at": None,
        "created_at": "2025-06-01T12:02:30Z",
        "next_run_at": "2025-06-01T12:05:00Z",
        "run_count": 0,
    }

    for trigger in (recurring, one_shot):
        assert_run_is_broken(api, trigger["id"])
        assert get(api, trigger["id"]) == trigger
    listed = api.request("GET", TRIGGERS)
    assert listed.status_code == 200
    assert listed.json() == {"data": [recurring, one_shot]}


@pytest.mark.parametrize("variant", variants())
@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (
            {"cron_expression": "61 * * * *"},
            "cron_expression: Value error, minute: '61' is outside 0-59",
        ),
        ({"cron_expression": "0 0 30 2 *"}, "cron_expression: Value error, never fires"),
        (
            {"run_once_at": "2025-06-01T12:04:30"},
            "run_once_at: Input should have timezone info",
        ),
        (
            {"cron_expression": "0 * * * *", "run_once_at": "2025-06-02T00:00:00Z"},
            "Value error, give cron_expression or run_once_at, not both",
        ),
    ],
    ids=["cron-out-of-range", "cron-never-fires", "naive-run-once-at", "both-schedules"],
)
def test_invalid_schedule_is_rejected_and_nothing_is_stored(
    api: Client, clock: FakeClock, schedule: dict[str, str], message: str
) -> None:
    response = api.request("POST", TRIGGERS, {"name": "bad", **schedule})
    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": message},
    }
    listed = api.request("GET", TRIGGERS)
    assert (listed.status_code, listed.json()) == (200, {"data": []})
    assert tick_at(api, clock, START + timedelta(days=366)) == []
