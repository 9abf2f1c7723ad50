"""The calendar: simulation days as dates, hours of the day, weekdays and months."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class Calendar:
    """Maps simulation days to clock hour, weekday and month; day 0 is ``start``."""

    def __init__(self, start: date):
        self.start = start

    def hourly(self, hours: int):
        """Hour of day, weekday (0 = Monday) and month (0 = January) for each hour from the start."""
        k = np.arange(hours)
        days = k // 24
        base = np.datetime64(self.start.isoformat(), "D")
        dates = base + days
        weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
        month = dates.astype("datetime64[M]").astype(int) % 12
        return k % 24, weekday, month

    def months(self, days: int) -> list[str]:
        """The month (``jan``...) of each day from the start."""
        base = np.datetime64(self.start.isoformat(), "D")
        index = (base + np.arange(days)).astype("datetime64[M]").astype(int) % 12
        return [MONTHS[i] for i in index]

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=int(day))
