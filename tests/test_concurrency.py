"""State under concurrency: runs and creates racing each other lose nothing, and the scheduler
fires a one-shot exactly once and a recurring trigger at most once per tick, whatever the
clock does.

Three kinds of concurrency: ``asyncio.gather`` of requests through one ASGI app; threads,
each with its own event loop, through the same app; threads calling the store and the
scheduler directly. A Hypothesis state machine drives the scheduler with a clock that jumps
forward and backward and checks it against a model written without the cron module.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from repro import Variant
from repro.client import run_path
from repro.probes import SEED_BODY, SEED_STATUS
from repro.routines.cron import CronExpression
from repro.routines.scheduler import Scheduler
from repro.routines.store import Run, Trigger, TriggerStore
from tests.strategies import EXAMPLE_TRIGGER_ID
from tests.support import variants

UTC = timezone.utc
START = datetime(2025, 6, 1, 12, 2, 30, tzinfo=UTC)  # a Sunday, mid-minute
TRIGGERS = "/v1/code/triggers"
BASE_URL = "http://routines.test"
N = 64
THREADS = 8
RUN_WORKS = variants(where=lambda v: not v.expect["rejects_valid_run"])

T = TypeVar("T")


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every few microseconds instead of every 5 ms, so that races show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def gathered(app: FastAPI, requests: list[tuple[str, str, Any]]) -> list[httpx.Response]:
    """Send ``(method, path, json body)`` requests all at once, on one event loop."""

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            sent = (http.request(method, path, json=body) for method, path, body in requests)
            return list(await asyncio.gather(*sent))

    return asyncio.run(send_all())


def in_threads(count: int, work: Callable[[int], T]) -> list[T]:
    """``work(i)`` for i in ``range(count)``, on ``count`` threads released together."""
    start = threading.Barrier(count)

    def released(i: int) -> T:
        start.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def new_store_trigger(app: FastAPI, trigger_id: str = EXAMPLE_TRIGGER_ID) -> str:
    store: TriggerStore = app.state.store
    store.create(name="nightly", now=START, trigger_id=trigger_id)
    return trigger_id


def current(store: TriggerStore, trigger_id: str) -> Trigger:
    """The trigger as the store holds it now (what the store hands out is a snapshot)."""
    trigger = store.get(trigger_id)
    assert trigger is not None
    return trigger


def run_count(app: FastAPI, trigger_id: str) -> int:
    trigger = current(app.state.store, trigger_id)
    assert trigger.run_count == len(trigger.runs)
    return trigger.run_count


# --- over HTTP -----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", variants())
def test_n_concurrent_runs_of_one_trigger_raise_run_count_by_exactly_the_runs_answered(
    variant: Variant,
) -> None:
    app = variant.create_app()
    trigger_id = new_store_trigger(app)
    notes = [f"run {i}" for i in range(N)]

    responses = gathered(app, [("POST", run_path(trigger_id), {"note": note}) for note in notes])

    ran = [response.json() for response in responses if response.status_code == 200]
    if variant.expect["rejects_valid_run"]:
        assert {(r.status_code, r.content) for r in responses} == {(SEED_STATUS, SEED_BODY)}
    else:
        assert len(ran) == N
    assert run_count(app, trigger_id) == len(ran)
    (got,) = gathered(app, [("GET", f"{TRIGGERS}/{trigger_id}", None)])
    assert got.json()["run_count"] == len(ran)
    assert sorted(run["note"] for run in ran) == (sorted(notes) if ran else [])
    assert len({run["id"] for run in ran}) == len(ran)
    assert {run["trigger_id"] for run in ran} <= {trigger_id}


@pytest.mark.parametrize("variant", RUN_WORKS)
def test_runs_from_threads_each_on_its_own_event_loop_are_all_counted(variant: Variant) -> None:
    app = variant.create_app()
    trigger_id = new_store_trigger(app)
    gathered(app, [("GET", TRIGGERS, None)])  # the app builds its middleware stack once
    per_thread = N // THREADS

    def runs(thread: int) -> list[int]:
        requests = [("POST", run_path(trigger_id), {"note": f"{thread}"})] * per_thread
        return [response.status_code for response in gathered(app, requests)]

    statuses = [status for batch in in_threads(THREADS, runs) for status in batch]

    assert statuses == [200] * THREADS * per_thread
    assert run_count(app, trigger_id) == THREADS * per_thread


@pytest.mark.parametrize("variant", variants())
def test_concurrent_creates_lose_nothing(variant: Variant) -> None:
    app = variant.create_app()
    names = [f"trigger {i}" for i in range(N)]

    responses = gathered(app, [("POST", TRIGGERS, {"name": name}) for name in names])

    assert [response.status_code for response in responses] == [201] * N
    created = {response.json()["id"]: response.json()["name"] for response in responses}
    assert sorted(created.values()) == sorted(names)
    (listed,) = gathered(app, [("GET", TRIGGERS, None)])
    assert {trigger["id"]: trigger["name"] for trigger in listed.json()["data"]} == created


# --- the store and the scheduler, from threads ---------------------------------------------


def test_threads_running_one_trigger_lose_no_run() -> None:
    store = TriggerStore()
    trigger = store.create(name="nightly", now=START)
    per_thread = 250

    def runs(thread: int) -> list[Run | None]:
        return [store.run(trigger.id, now=START, note=f"{thread}") for _ in range(per_thread)]

    made = [run for batch in in_threads(THREADS, runs) for run in batch]

    assert None not in made
    trigger = current(store, trigger.id)
    assert trigger.run_count == len(trigger.runs) == THREADS * per_thread
    assert len({run.id for run in trigger.runs}) == THREADS * per_thread
    assert Counter(run.note for run in trigger.runs) == {f"{t}": per_thread for t in range(THREADS)}


def test_threads_creating_triggers_lose_none() -> None:
    store = TriggerStore()
    per_thread = 250

    def creates(thread: int) -> list[str]:
        return [store.create(name=f"{thread}", now=START).id for _ in range(per_thread)]

    ids = [trigger_id for batch in in_threads(THREADS, creates) for trigger_id in batch]

    assert len(set(ids)) == THREADS * per_thread
    assert sorted(trigger.id for trigger in store.all()) == sorted(ids)


def test_threads_creating_one_id_store_it_exactly_once() -> None:
    store = TriggerStore()

    def create(thread: int) -> str | None:
        try:
            store.create(name=f"{thread}", now=START, trigger_id=EXAMPLE_TRIGGER_ID)
        except ValueError:
            return None
        return f"{thread}"

    winners = [name for name in in_threads(THREADS, create) if name is not None]

    assert len(winners) == 1
    assert [(t.id, t.name) for t in store.all()] == [(EXAMPLE_TRIGGER_ID, winners[0])]


def test_ticks_racing_with_runs_fire_each_due_trigger_once_and_count_every_run() -> None:
    store = TriggerStore()
    clock = FakeClock(START)
    scheduler = Scheduler(store, clock)
    one_shot = store.create(name="once", now=START, run_once_at=START + timedelta(minutes=1))
    recurring = store.create(
        name="every minute", now=START, cron_expression=CronExpression.parse("* * * * *")
    )
    clock.now = START + timedelta(minutes=2)  # both due; the recurring one next at 12:05
    rounds = 200

    def work(thread: int) -> list[list[str]]:
        if thread % 2:
            return [[run.trigger_id for run in scheduler.tick()] for _ in range(rounds)]
        for _ in range(rounds):
            store.run(one_shot.id, now=clock.now)
            store.run(recurring.id, now=clock.now)
        return []

    ticks = [fired for batch in in_threads(THREADS, work) for fired in batch]

    one_shot, recurring = current(store, one_shot.id), current(store, recurring.id)
    assert all(len(fired) == len(set(fired)) for fired in ticks)
    assert sorted(trigger_id for fired in ticks for trigger_id in fired) == sorted(
        [one_shot.id, recurring.id]
    )
    manual = THREADS // 2 * rounds
    for trigger in (one_shot, recurring):
        sources = Counter(run.source for run in trigger.runs)
        assert sources == {"schedule": 1, "manual": manual}
        assert trigger.run_count == len(trigger.runs) == manual + 1
    assert one_shot.next_run_at is None
    assert recurring.next_run_at == datetime(2025, 6, 1, 12, 5, tzinfo=UTC)


def test_a_trigger_read_while_ticks_fire_is_never_half_updated() -> None:
    """A fired one-shot reads ``run_count`` 1 with ``next_run_at`` null, never half of that.

    A tick counts the run, then clears ``next_run_at``; a reader on another thread (as a
    handler in a worker thread is) must see both changes or neither, however long it keeps
    the trigger it was given. Each round races a reader against ticks on fresh triggers.
    """
    torn: list[dict[str, Any]] = []
    for _ in range(30):
        store = TriggerStore()
        for second in range(100):
            store.create(name="once", now=START, run_once_at=START + timedelta(seconds=second))
        ticking = threading.Event()

        def read(store: TriggerStore = store, ticking: threading.Event = ticking) -> None:
            while not ticking.is_set():
                for trigger in store.all():
                    seen = trigger.to_json()
                    if (seen["run_count"] == 1) == (seen["next_run_at"] is not None):
                        torn.append(seen)

        reader = threading.Thread(target=read)
        reader.start()
        for second in range(0, 100, 10):
            store.fire_due(START + timedelta(seconds=second))
        ticking.set()
        reader.join()
    assert torn == []


def test_a_trigger_handed_out_is_a_snapshot_later_runs_and_ticks_leave_alone() -> None:
    store = TriggerStore()
    due = START + timedelta(minutes=1)
    created = store.create(name="once", now=START, run_once_at=due)
    got = store.get(created.id)
    (listed,) = store.all()
    store.run(created.id, now=START)
    store.fire_due(due)

    for trigger in (created, got, listed):
        assert trigger is not None
        assert (trigger.run_count, trigger.runs, trigger.next_run_at) == (0, [], due)
    now = store.get(created.id)
    assert now is not None
    assert (now.run_count, len(now.runs), now.next_run_at) == (2, 2, None)


def test_ticks_at_times_racing_forward_and_backward_fire_in_some_serial_order() -> None:
    """Each tick reads its own time; the fires must be those of the ticks in some order."""
    store = TriggerStore()
    cron = CronExpression.parse("*/5 * * * *")
    one_shot = store.create(name="once", now=START, run_once_at=START + timedelta(minutes=7))
    recurring = store.create(name="every five", now=START, cron_expression=cron)
    moments = [START + timedelta(minutes=minutes, seconds=7) for minutes in range(-30, 60)]

    def ticks(thread: int) -> list[list[Run]]:
        mine = moments[thread::THREADS] + moments[thread::THREADS][::-1]
        return [store.fire_due(now) for now in mine]

    fired = [run for batch in in_threads(THREADS, ticks) for tick in batch for run in tick]

    one_shot, recurring = current(store, one_shot.id), current(store, recurring.id)
    assert all(run.source == "schedule" for run in fired)
    assert [run.trigger_id for run in one_shot.runs] == [one_shot.id]
    assert one_shot.runs[0].started_at >= START + timedelta(minutes=7)
    # The recurring trigger's fires, in the order the store recorded them: each at or after
    # the occurrence that followed the previous one, as if the ticks had come one by one.
    due = cron.next_after(START)
    for run in recurring.runs:
        assert due is not None
        assert run.started_at >= due
        due = cron.next_after(run.started_at)
    assert recurring.next_run_at == due
    assert len(fired) == 1 + len(recurring.runs)
    for trigger in (one_shot, recurring):
        assert trigger.run_count == len(trigger.runs)


# --- the scheduler against a model, the clock jumping both ways ----------------------------

# The crons the machine uses, each with a predicate written without the cron module.
CRONS: dict[str, Callable[[datetime], bool]] = {
    "* * * * *": lambda minute: True,
    "*/5 * * * *": lambda minute: minute.minute % 5 == 0,
    "0 * * * *": lambda minute: minute.minute == 0,
    "30 12 * * 0": lambda minute: (minute.isoweekday(), minute.hour, minute.minute) == (7, 12, 30),
}
SPECIAL_DELTAS = [
    timedelta(microseconds=1),
    timedelta(seconds=1),
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=8),
]
DELTAS = st.sampled_from(
    [timedelta(0), *SPECIAL_DELTAS, *(-delta for delta in SPECIAL_DELTAS)]
) | st.timedeltas(min_value=-timedelta(days=2), max_value=timedelta(days=2))


def next_occurrence(matches: Callable[[datetime], bool], after: datetime) -> datetime:
    """The first whole minute strictly after ``after`` that ``matches``, minute by minute."""
    minute = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while not matches(minute):
        minute += timedelta(minutes=1)
    return minute


@dataclass
class Expected:
    run_once_at: datetime | None
    cron: str | None
    next_due: datetime | None
    scheduled: int = 0
    manual: int = 0
    reached: bool = False  # a tick came at or after run_once_at


class SchedulerMachine(RuleBasedStateMachine):
    triggers: Bundle[str] = Bundle("triggers")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock(START)
        self.store = TriggerStore()
        self.scheduler = Scheduler(self.store, self.clock)
        self.model: dict[str, Expected] = {}

    @rule(target=triggers, offset=DELTAS)
    def create_one_shot(self, offset: timedelta) -> str:
        at = self.clock.now + offset
        trigger = self.store.create(name="once", now=self.clock.now, run_once_at=at)
        self.model[trigger.id] = Expected(run_once_at=at, cron=None, next_due=at)
        return trigger.id

    @rule(target=triggers, cron=st.sampled_from(sorted(CRONS)))
    def create_recurring(self, cron: str) -> str:
        expression = CronExpression.parse(cron)
        trigger = self.store.create(name=cron, now=self.clock.now, cron_expression=expression)
        next_due = next_occurrence(CRONS[cron], self.clock.now)
        self.model[trigger.id] = Expected(run_once_at=None, cron=cron, next_due=next_due)
        return trigger.id

    @rule(delta=DELTAS)
    def jump(self, delta: timedelta) -> None:
        self.clock.now += delta

    @rule()
    def tick(self) -> None:
        now = self.clock.now
        runs = self.scheduler.tick()
        fired = [run.trigger_id for run in runs]
        assert len(fired) == len(set(fired)), f"a trigger fired twice in one tick: {fired}"
        assert all((run.source, run.started_at) == ("schedule", now) for run in runs)
        due = {
            trigger_id
            for trigger_id, expected in self.model.items()
            if expected.next_due is not None and expected.next_due <= now
        }
        assert set(fired) == due
        for trigger_id, expected in self.model.items():
            if expected.run_once_at is not None and expected.run_once_at <= now:
                expected.reached = True
            if trigger_id not in due:
                continue
            expected.scheduled += 1
            if expected.cron is None:
                expected.next_due = None
            else:
                expected.next_due = next_occurrence(CRONS[expected.cron], now)

    @rule(trigger_id=triggers)
    def run_now(self, trigger_id: str) -> None:
        run = self.store.run(trigger_id, now=self.clock.now, note="by hand")
        assert run is not None
        assert (run.trigger_id, run.source) == (trigger_id, "manual")
        self.model[trigger_id].manual += 1

    @invariant()
    def run_count_is_the_runs_recorded(self) -> None:
        for trigger_id, expected in self.model.items():
            trigger = self.store.get(trigger_id)
            assert trigger is not None
            sources = Counter(run.source for run in trigger.runs)
            assert trigger.run_count == len(trigger.runs) == expected.scheduled + expected.manual
            assert (sources["schedule"], sources["manual"]) == (
                expected.scheduled,
                expected.manual,
            )
            assert trigger.next_run_at == expected.next_due

    @invariant()
    def a_one_shot_fires_once_exactly_when_a_tick_reached_its_time(self) -> None:
        for expected in self.model.values():
            if expected.cron is None:
                assert expected.scheduled == (1 if expected.reached else 0)


TestSchedulerAgainstAModel = SchedulerMachine.TestCase
