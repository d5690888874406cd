"""Five-field cron expressions (minute hour day-of-month month day-of-week), in UTC.

Supports ``*``, numbers, ranges ``a-b``, steps ``*/n`` and ``a-b/n``, and lists. Day of week
0 and 7 are Sunday. As in Vixie cron, when both day fields are restricted a day matches if
either does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)
# The Gregorian calendar, weekdays included, repeats every 400 years (146,097 days): a
# schedule that matches nothing in that span never matches. (28 years is not enough: a
# century year like 2100 is not a leap year.)
_SEARCH_DAYS = 146_097
_MONTH_DAYS = {
    1: 31,
    2: 29,
    3: 31,
    4: 30,
    5: 31,
    6: 30,
    7: 31,
    8: 31,
    9: 30,
    10: 31,
    11: 30,
    12: 31,
}


@dataclass(frozen=True)
class CronExpression:
    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_restricted: bool
    weekdays_restricted: bool

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        """Parse ``text``; raise ``ValueError`` naming the bad field, or if it never fires."""
        parts = text.split()
        if len(parts) != len(_FIELDS):
            raise ValueError(f"expected 5 fields, got {len(parts)}")
        values = [
            _parse_field(part, name, low, high)
            for part, (name, low, high) in zip(parts, _FIELDS, strict=True)
        ]
        expression = cls(
            text=" ".join(parts),
            minutes=tuple(sorted(values[0])),
            hours=tuple(sorted(values[1])),
            days=frozenset(values[2]),
            months=frozenset(values[3]),
            weekdays=frozenset(7 if day == 0 else day for day in values[4]),
            days_restricted=not parts[2].startswith("*"),
            weekdays_restricted=not parts[4].startswith("*"),
        )
        if expression._never_fires():
            raise ValueError("never fires")
        return expression

    def next_after(self, moment: datetime) -> datetime | None:
        """The first matching minute strictly after ``moment`` (UTC), or None if none."""
        start = moment.astimezone(timezone.utc).replace(second=0, microsecond=0)
        start += timedelta(minutes=1)
        day, last = start.date(), start.date() + timedelta(days=_SEARCH_DAYS)
        while day <= last:
            if day.month not in self.months:
                day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
                continue
            if self._matches_day(day):
                first_day = day == start.date()
                for hour in self.hours:
                    if first_day and hour < start.hour:
                        continue
                    for minute in self.minutes:
                        if first_day and hour == start.hour and minute < start.minute:
                            continue
                        return datetime(
                            day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc
                        )
            day += timedelta(days=1)
        return None

    def _never_fires(self) -> bool:
        """No (month, day) pair exists, and weekdays cannot rescue it.

        With both day fields restricted, any weekday in any month matches. Otherwise a day
        must be a real date; every real date (29 February too) falls on every weekday
        within 400 years, so the weekday field alone never makes a schedule impossible.
        """
        if self.days_restricted and self.weekdays_restricted:
            return False
        return not any(day <= _MONTH_DAYS[month] for month in self.months for day in self.days)

    def _matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_days = day.day in self.days
        in_weekdays = day.isoweekday() in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays


def _parse_field(text: str, name: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = _number(step_text, name) if slash else 1
        if step < 1:
            raise ValueError(f"{name}: step must be at least 1")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _number(first, name), _number(last, name)
        else:
            start = _number(base, name)
            end = high if slash else start
        if not low <= start <= end <= high:
            raise ValueError(f"{name}: {item!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _number(text: str, name: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{name}: {text!r} is not a number")
    return int(text)
