"""``CronExpression``: the field syntax, its errors, and ``next_after`` against brute force."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from repro.routines.cron import CronExpression

UTC = timezone.utc
# Longest day in each month, leap years included.
_MONTH_DAYS = dict(enumerate((31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), start=1))
# Every weekday occurs within a week, so a brute force over this many days finds any
# expression whose month and day-of-month fields are `*`.
_BRUTE_FORCE_DAYS = 8


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def upcoming(expression: CronExpression, moment: datetime, count: int) -> list[datetime]:
    """The next ``count`` firings after ``moment``, each one found from the previous one."""
    found = []
    for _ in range(count):
        following = expression.next_after(moment)
        assert following is not None
        found.append(following)
        moment = following
    return found


# Parsing.


def test_star_is_every_value_of_its_field_and_restricts_nothing() -> None:
    expression = CronExpression.parse("* * * * *")
    assert expression.minutes == tuple(range(60))
    assert expression.hours == tuple(range(24))
    assert expression.days == frozenset(range(1, 32))
    assert expression.months == frozenset(range(1, 13))
    assert expression.weekdays == frozenset(range(1, 8))
    assert (expression.days_restricted, expression.weekdays_restricted) == (False, False)


def test_numbers_select_one_value_per_field() -> None:
    expression = CronExpression.parse("5 4 3 2 1")
    assert expression.minutes == (5,)
    assert expression.hours == (4,)
    assert expression.days == frozenset({3})
    assert expression.months == frozenset({2})
    assert expression.weekdays == frozenset({1})
    assert (expression.days_restricted, expression.weekdays_restricted) == (True, True)


def test_ranges_include_both_ends() -> None:
    expression = CronExpression.parse("10-12 0-23 28-31 11-12 1-5")
    assert expression.minutes == (10, 11, 12)
    assert expression.hours == tuple(range(24))
    assert expression.days == frozenset({28, 29, 30, 31})
    assert expression.months == frozenset({11, 12})
    assert expression.weekdays == frozenset({1, 2, 3, 4, 5})


@pytest.mark.parametrize(
    ("minute_field", "minutes"),
    [
        ("*/15", (0, 15, 30, 45)),
        ("*/7", (0, 7, 14, 21, 28, 35, 42, 49, 56)),
        ("10-30/10", (10, 20, 30)),
        ("10-29/10", (10, 20)),
        ("50/3", (50, 53, 56, 59)),
        ("*/60", (0,)),
        ("*/1", tuple(range(60))),
    ],
)
def test_step_takes_every_nth_value_from_the_start_of_its_range(
    minute_field: str, minutes: tuple[int, ...]
) -> None:
    assert CronExpression.parse(f"{minute_field} * * * *").minutes == minutes


def test_step_counts_from_the_fields_low_end() -> None:
    expression = CronExpression.parse("* * */10 */5 *")
    assert expression.days == frozenset({1, 11, 21, 31})
    assert expression.months == frozenset({1, 6, 11})


def test_list_is_the_sorted_union_of_its_items() -> None:
    expression = CronExpression.parse("45,5,10-12,*/30,5 9,17 * * *")
    assert expression.minutes == (0, 5, 10, 11, 12, 30, 45)
    assert expression.hours == (9, 17)


def test_text_is_the_fields_joined_by_single_spaces() -> None:
    assert CronExpression.parse("  */5\t*  * *\n1-5 ").text == "*/5 * * * 1-5"


@pytest.mark.parametrize("sunday", ["0", "7"])
def test_day_of_week_0_and_7_are_both_sunday(sunday: str) -> None:
    expression = CronExpression.parse(f"0 9 * * {sunday}")
    assert expression.weekdays == frozenset({7})
    saturday_noon = utc(2024, 9, 7, 12, 0)
    assert upcoming(expression, saturday_noon, 2) == [utc(2024, 9, 8, 9, 0), utc(2024, 9, 15, 9, 0)]


def test_day_of_week_range_through_7_ends_on_sunday() -> None:
    assert CronExpression.parse("0 0 * * 5-7").weekdays == frozenset({5, 6, 7})
    assert CronExpression.parse("0 0 * * 0-7").weekdays == frozenset(range(1, 8))


def test_both_day_fields_restricted_fire_on_a_day_matching_either() -> None:
    """Vixie cron: ``13 * 5`` is the 13th of every month and every Friday, not Friday the 13th."""
    expression = CronExpression.parse("0 0 13 * 5")
    sunday = utc(2024, 9, 1, 0, 0)
    assert upcoming(expression, sunday, 8) == [
        utc(2024, 9, 6, 0, 0),  # Friday
        utc(2024, 9, 13, 0, 0),  # Friday the 13th, once
        utc(2024, 9, 20, 0, 0),
        utc(2024, 9, 27, 0, 0),
        utc(2024, 10, 4, 0, 0),
        utc(2024, 10, 11, 0, 0),
        utc(2024, 10, 13, 0, 0),  # a Sunday, by day of month
        utc(2024, 10, 18, 0, 0),
    ]


def test_only_day_of_month_restricted_fires_on_that_day_of_any_weekday() -> None:
    expression = CronExpression.parse("0 0 13 * *")
    assert upcoming(expression, utc(2024, 9, 1, 0, 0), 3) == [
        utc(2024, 9, 13, 0, 0),
        utc(2024, 10, 13, 0, 0),
        utc(2024, 11, 13, 0, 0),
    ]


def test_only_day_of_week_restricted_fires_on_that_weekday_of_any_date() -> None:
    expression = CronExpression.parse("0 0 * * 5")
    assert upcoming(expression, utc(2024, 9, 1, 0, 0), 3) == [
        utc(2024, 9, 6, 0, 0),
        utc(2024, 9, 13, 0, 0),
        utc(2024, 9, 20, 0, 0),
    ]


def test_day_field_starting_with_star_counts_as_unrestricted_so_both_must_match() -> None:
    """Vixie cron: a day field whose text starts with ``*`` (``*/2`` too) is unrestricted."""
    expression = CronExpression.parse("0 0 */2 * 5")
    assert (expression.days_restricted, expression.weekdays_restricted) == (False, True)
    # Fridays on odd days of the month only.
    assert upcoming(expression, utc(2024, 9, 1, 0, 0), 3) == [
        utc(2024, 9, 13, 0, 0),
        utc(2024, 9, 27, 0, 0),
        utc(2024, 10, 11, 0, 0),
    ]


# Errors.


@pytest.mark.parametrize(
    ("text", "count"),
    [("", 0), ("*", 1), ("* * * *", 4), ("* * * * * *", 6), ("0 0 * * * 2025", 6)],
)
def test_wrong_number_of_fields_is_rejected_with_the_count(text: str, count: int) -> None:
    with pytest.raises(ValueError, match=f"^expected 5 fields, got {count}$"):
        CronExpression.parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("60 * * * *", "minute: '60' is outside 0-59"),
        ("* 24 * * *", "hour: '24' is outside 0-23"),
        ("* * 0 * *", "day of month: '0' is outside 1-31"),
        ("* * 32 * *", "day of month: '32' is outside 1-31"),
        ("* * * 0 *", "month: '0' is outside 1-12"),
        ("* * * 13 *", "month: '13' is outside 1-12"),
        ("* * * * 8", "day of week: '8' is outside 0-7"),
        ("* * * * 5-8", "day of week: '5-8' is outside 0-7"),
        ("30-10 * * * *", "minute: '30-10' is outside 0-59"),
        ("70/5 * * * *", "minute: '70/5' is outside 0-59"),
        ("1,99 * * * *", "minute: '99' is outside 0-59"),
    ],
)
def test_value_outside_its_field_is_rejected_naming_field_and_item(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        CronExpression.parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x * * * *", "minute: 'x' is not a number"),
        ("* * * JAN *", "month: 'JAN' is not a number"),
        ("* * * * MON", "day of week: 'MON' is not a number"),
        ("1.5 * * * *", "minute: '1.5' is not a number"),
        ("+5 * * * *", "minute: '+5' is not a number"),
        ("* -1 * * *", "hour: '' is not a number"),
        ("* 1- * * *", "hour: '' is not a number"),
        ("1,,2 * * * *", "minute: '' is not a number"),
        ("*/x * * * *", "minute: 'x' is not a number"),
        ("*/ * * * *", "minute: '' is not a number"),
        ("\u0663 * * * *", "minute: '\u0663' is not a number"),  # ARABIC-INDIC DIGIT THREE
        ("1-2-3 * * * *", "minute: '2-3' is not a number"),
    ],
)
def test_non_number_is_rejected_naming_field_and_text(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        CronExpression.parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("*/0 * * * *", "minute: step must be at least 1"),
        ("* 0-10/0 * * *", "hour: step must be at least 1"),
        ("* * * * 1/0", "day of week: step must be at least 1"),
    ],
)
def test_zero_step_is_rejected(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        CronExpression.parse(text)


@pytest.mark.parametrize("text", ["0 0 30 2 *", "0 0 31 2 *", "0 0 31 4,6,9,11 *", "0 0 30-31 2 *"])
def test_expression_matching_no_calendar_date_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"^never fires$"):
        CronExpression.parse(text)


def test_february_29_fires_in_the_next_leap_year() -> None:
    expression = CronExpression.parse("0 0 29 2 *")
    assert upcoming(expression, utc(2025, 1, 1, 0, 0), 2) == [
        utc(2028, 2, 29, 0, 0),
        utc(2032, 2, 29, 0, 0),
    ]


def test_search_spans_the_400_year_cycle_across_a_non_leap_century() -> None:
    """29 February on a Sunday or Thursday (``*/4`` counts as unrestricted, so both must
    hold): from 2088 the next one is in 2120, past 2100, which is not a leap year. A
    28-year search answered None here, and the trigger silently stopped firing."""
    expression = CronExpression.parse("0 0 29 2 */4")
    assert expression.next_after(utc(2088, 3, 1)) == utc(2120, 2, 29)


def test_impossible_day_of_month_still_fires_by_a_restricted_day_of_week() -> None:
    expression = CronExpression.parse("0 0 30 2 1")
    # Mondays of February.
    assert upcoming(expression, utc(2025, 1, 1, 0, 0), 5) == [
        utc(2025, 2, 3, 0, 0),
        utc(2025, 2, 10, 0, 0),
        utc(2025, 2, 17, 0, 0),
        utc(2025, 2, 24, 0, 0),
        utc(2026, 2, 2, 0, 0),
    ]


# next_after.


def test_next_after_a_matching_minute_is_the_following_match() -> None:
    expression = CronExpression.parse("*/5 * * * *")
    assert expression.next_after(utc(2024, 5, 1, 12, 5)) == utc(2024, 5, 1, 12, 10)


def test_next_after_the_instant_before_a_match_is_that_match() -> None:
    expression = CronExpression.parse("*/5 * * * *")
    just_before = datetime(2024, 5, 1, 12, 4, 59, 999999, tzinfo=UTC)
    assert expression.next_after(just_before) == utc(2024, 5, 1, 12, 5)


def test_next_after_is_on_a_whole_minute() -> None:
    expression = CronExpression.parse("* * * * *")
    following = expression.next_after(datetime(2024, 5, 1, 12, 0, 30, 500000, tzinfo=UTC))
    assert following == utc(2024, 5, 1, 12, 1)
    assert following is not None
    assert (following.second, following.microsecond) == (0, 0)


@pytest.mark.parametrize(
    ("text", "moment", "following"),
    [
        pytest.param("15 * * * *", utc(2024, 3, 10, 10, 20), utc(2024, 3, 10, 11, 15), id="hour"),
        pytest.param("30 6 * * *", utc(2024, 3, 10, 7, 0), utc(2024, 3, 11, 6, 30), id="day"),
        pytest.param("0 0 1 * *", utc(2024, 1, 31, 23, 59), utc(2024, 2, 1, 0, 0), id="month"),
        pytest.param("0 12 * * *", utc(2024, 2, 28, 13, 0), utc(2024, 2, 29, 12, 0), id="leap-day"),
        pytest.param("0 12 * * *", utc(2023, 2, 28, 13, 0), utc(2023, 3, 1, 12, 0), id="feb-28"),
        pytest.param("0 0 31 * *", utc(2024, 4, 1, 0, 0), utc(2024, 5, 31, 0, 0), id="short-month"),
        pytest.param("0 0 1 1 *", utc(2024, 12, 31, 23, 59), utc(2025, 1, 1, 0, 0), id="year"),
        pytest.param(
            "59 23 31 12 *", utc(2024, 12, 31, 23, 59), utc(2025, 12, 31, 23, 59), id="y+1"
        ),
        pytest.param("0 9 * * 1-5", utc(2024, 9, 6, 9, 0), utc(2024, 9, 9, 9, 0), id="weekend"),
    ],
)
def test_next_after_crosses_boundaries(text: str, moment: datetime, following: datetime) -> None:
    assert CronExpression.parse(text).next_after(moment) == following


def test_next_after_reads_an_aware_moment_in_any_zone_as_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    expression = CronExpression.parse("0 7 * * *")
    following = expression.next_after(datetime(2024, 6, 1, 8, 0, tzinfo=plus_two))  # 06:00Z
    assert following == utc(2024, 6, 1, 7, 0)
    assert following is not None
    assert following.tzinfo is UTC


# next_after against a brute-force search, for generated expressions.


@dataclass(frozen=True)
class CronField:
    text: str
    values: frozenset[int]

    @property
    def restricted(self) -> bool:
        """As in Vixie cron, a field whose text starts with ``*`` restricts nothing."""
        return not self.text.startswith("*")


@dataclass(frozen=True)
class CronSpec:
    """A generated expression and, computed independently of the parser, what it means."""

    minute: CronField
    hour: CronField
    day: CronField
    month: CronField
    weekday: CronField

    @property
    def text(self) -> str:
        fields = (self.minute, self.hour, self.day, self.month, self.weekday)
        return " ".join(field.text for field in fields)

    def matches(self, moment: datetime) -> bool:
        if moment.minute not in self.minute.values or moment.hour not in self.hour.values:
            return False
        if moment.month not in self.month.values:
            return False
        in_days = moment.day in self.day.values
        sunday_is_0 = moment.isoweekday() % 7
        in_weekdays = sunday_is_0 in self.weekday.values or (
            sunday_is_0 == 0 and 7 in self.weekday.values
        )
        if self.day.restricted and self.weekday.restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays

    def fires(self) -> bool:
        """False if no calendar date satisfies the day fields (weekdays recur, dates may not)."""
        if self.day.restricted and self.weekday.restricted:
            return True
        return any(
            day <= _MONTH_DAYS[month] for month in self.month.values for day in self.day.values
        )


def _star(low: int, high: int) -> CronField:
    return CronField("*", frozenset(range(low, high + 1)))


@st.composite
def _cron_items(draw: st.DrawFn, low: int, high: int) -> CronField:
    shape = draw(st.sampled_from(["*", "*/n", "a", "a-b", "a-b/n", "a/n"]))
    step = draw(st.integers(1, high - low + 2))
    start = draw(st.integers(low, high))
    end = draw(st.integers(start, high))
    if shape == "*":
        return _star(low, high)
    if shape == "*/n":
        return CronField(f"*/{step}", frozenset(range(low, high + 1, step)))
    if shape == "a":
        return CronField(str(start), frozenset({start}))
    if shape == "a-b":
        return CronField(f"{start}-{end}", frozenset(range(start, end + 1)))
    if shape == "a-b/n":
        return CronField(f"{start}-{end}/{step}", frozenset(range(start, end + 1, step)))
    return CronField(f"{start}/{step}", frozenset(range(start, high + 1, step)))


def cron_fields(low: int, high: int) -> st.SearchStrategy[CronField]:
    """One field's text (a list of 1-3 items) and the values it stands for."""
    items = st.lists(_cron_items(low, high), min_size=1, max_size=3)
    return items.map(
        lambda parts: CronField(
            ",".join(part.text for part in parts), frozenset().union(*(p.values for p in parts))
        )
    )


@st.composite
def _cron_specs(draw: st.DrawFn) -> CronSpec:
    # Half the expressions fire within the brute force's reach: month and day of month `*`.
    near = draw(st.booleans())
    return CronSpec(
        minute=draw(cron_fields(0, 59)),
        hour=draw(cron_fields(0, 23)),
        day=_star(1, 31) if near else draw(cron_fields(1, 31)),
        month=_star(1, 12) if near else draw(cron_fields(1, 12)),
        weekday=draw(cron_fields(0, 7)),
    )


def cron_specs() -> st.SearchStrategy[CronSpec]:
    """Valid five-field expressions in every syntax the parser supports."""
    return _cron_specs()


def utc_moments() -> st.SearchStrategy[datetime]:
    return st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2099, 12, 31),
        timezones=st.just(UTC),
    )


def brute_force_next(spec: CronSpec, moment: datetime) -> datetime | None:
    """The first matching minute after ``moment`` within ``_BRUTE_FORCE_DAYS``, minute by minute."""
    candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    end = candidate + timedelta(days=_BRUTE_FORCE_DAYS)
    while candidate < end:
        if spec.matches(candidate):
            return candidate
        candidate += timedelta(minutes=1)
    return None


EVERY_FIVE_MINUTES = CronField("*/5", frozenset(range(0, 60, 5)))
FRIDAY = CronField("5", frozenset({5}))
THIRTEENTH = CronField("13", frozenset({13}))
FRIDAYS = CronSpec(EVERY_FIVE_MINUTES, _star(0, 23), _star(1, 31), _star(1, 12), FRIDAY)
FRIDAYS_AND_13THS = CronSpec(EVERY_FIVE_MINUTES, _star(0, 23), THIRTEENTH, _star(1, 12), FRIDAY)
FEBRUARY_30TH = CronSpec(
    EVERY_FIVE_MINUTES,
    _star(0, 23),
    CronField("30", frozenset({30})),
    CronField("2", frozenset({2})),
    _star(0, 7),
)


@given(spec=cron_specs(), moment=utc_moments())
@example(spec=FRIDAYS, moment=utc(2024, 9, 6, 23, 57))  # after a Friday's last slot
@example(spec=FRIDAYS_AND_13THS, moment=utc(2024, 9, 7, 12, 0))  # to the 13th, a Friday
@example(spec=FRIDAYS_AND_13THS, moment=utc(2024, 10, 12, 0, 0))  # to the 13th, a Sunday
@example(spec=FEBRUARY_30TH, moment=utc(2024, 1, 1, 0, 0))  # never fires
def test_next_after_is_the_first_matching_minute_found_by_brute_force(
    spec: CronSpec, moment: datetime
) -> None:
    if not spec.fires():
        with pytest.raises(ValueError, match=r"^never fires$"):
            CronExpression.parse(spec.text)
        return
    expression = CronExpression.parse(spec.text)
    assert expression.minutes == tuple(sorted(spec.minute.values))
    assert expression.hours == tuple(sorted(spec.hour.values))
    assert expression.days == spec.day.values
    assert expression.months == spec.month.values
    assert expression.weekdays == {7 if day == 0 else day for day in spec.weekday.values}

    following = expression.next_after(moment)
    expected = brute_force_next(spec, moment)
    if expected is not None:
        assert following == expected
    else:
        # Beyond the brute force's reach: later than all it searched, if found at all.
        reach = moment.replace(second=0, microsecond=0) + timedelta(days=_BRUTE_FORCE_DAYS)
        assert following is None or following > reach
    if following is not None:
        assert following.tzinfo is UTC
        assert (following.second, following.microsecond) == (0, 0)
        assert spec.matches(following)
