"""Date expressions resolved against the publication date (pure, total functions).

``resolve_date("on Wednesday", date(2026, 9, 24))`` gives "2026-09-23"; partial dates stay
partial ("in June" -> "2026-06", "December 2019" -> "2019-12", "2019" -> "2019"); expressions that
cannot be pinned down ("last week", "recently", a weekday with no publication date) give None.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from corroborate.ingest.base import PUBLISHED_YEARS

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_PART_OF = (r"(?:early|mid|late|(?:the )?end of|(?:the )?start of|(?:the )?beginning of)")
_COUNT = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                 "twelve": 12, "several": None, "few": None, "couple": None}

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"^(?P<year>\d{4})-(?P<m>\d{2})(?:-(?P<d>\d{2}))?$")),
    ("mdy", re.compile(rf"^(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY},?\s+{_YEAR}$")),
    ("dmy", re.compile(rf"^(?:{_WEEKDAY},?\s+)?{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}$")),
    ("md", re.compile(rf"^(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}$")),
    ("dm", re.compile(rf"^(?:{_WEEKDAY},?\s+)?(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}$")),
    ("my", re.compile(rf"^(?:{_PART_OF}[\s-]+)?{_MONTH},?\s+(?:of\s+)?{_YEAR}$")),
    ("m", re.compile(rf"^(?:(?:{_PART_OF}|this|last|next)[\s-]+)?{_MONTH}$")),
    ("y", re.compile(rf"^(?:(?:{_PART_OF}|(?:the )?(?:summer|spring|autumn|fall|winter)(?: of)?)"
                     rf"[\s-]+)?{_YEAR}$")),
    ("wd", re.compile(rf"^(?P<rel>last|next|this|previous|coming)?\s*{_WEEKDAY}"
                      r"(?:\s+(?:morning|afternoon|evening|night))?$")),
    ("rel_unit", re.compile(r"^(?P<rel>last|next|this|past|previous|coming|earlier this"
                            r"|later this|earlier in the|later in the|early this|late this"
                            r"|late last|early last|early next|late next)\s+"
                            r"(?P<unit>week|month|year|weekend)$")),
    ("ago2", re.compile(rf"^(?P<n>{_COUNT})\s+years?(?:,\s*|\s+and\s+)(?P<m>{_COUNT})\s+"
                        r"months?\s+ago$")),
    ("ago", re.compile(rf"^(?P<n>{_COUNT})\s+(?P<unit>day|week|month|year)s?\s+ago$")),
]
_SIMPLE = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0,
           "this evening": 0, "yesterday": -1, "last night": -1, "yesterday morning": -1,
           "yesterday afternoon": -1, "yesterday evening": -1, "tomorrow": 1,
           "the day before yesterday": -2, "the day after tomorrow": 2}
_LEAD = re.compile(r"^(?:on|in|since|by|until|till|from|during|through|as of|before|after"
                   r"|around|about|at|as early as|as late as|no later than|no earlier than"
                   r"|starting|beginning|from)\s+", re.IGNORECASE)

_DATEISH = re.compile(
    r"\b(?:1[6-9]|20|21)\d\d(?:s|\b)|\d{4}-\d{2}|\b(?:" + "|".join(MONTHS) + "|"
    + "|".join(WEEKDAYS) + r")\b\.?|\b(?:today|tonight|yesterday|tomorrow|ago)\b"
    r"|\b(?:last|next|this|previous|coming|past|earlier|later|early|late)\s+(?:this\s+|in\s+the\s+)?"
    r"(?:week|weekend|month|year|decade)\b",
    re.IGNORECASE,
)


_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]|$)")


def clean_expression(text: str) -> str:
    expr = " ".join(text.replace("\u2019", "'").split()).strip(" ,.;:()").lower()
    while True:
        stripped = _LEAD.sub("", expr)
        if stripped == expr:
            return expr
        expr = stripped


def looks_like_date(text: str) -> bool:
    """True when an expression names a calendar point ("Monday", "June", "2019", "last week"),
    not only a vague time ("recent years", "annual")."""
    return bool(_DATEISH.search(text))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _closest_year(month: int, day: int | None, published: date, future: bool) -> int:
    """The year that puts a month (and day) nearest the publication date, on the side the
    tense implies: past events before publication, future ones after."""
    year = published.year
    if day is None:
        if future:
            return year + 1 if month < published.month else year
        return year - 1 if month > published.month else year
    candidate = _safe_date(year, month, day) or date(year, month, 28)
    if future:
        return year + 1 if candidate < published else year
    # A past event: a date more than a week after publication belongs to the year before.
    return year - 1 if candidate > published + timedelta(days=7) else year


def resolve_date(text: str, published: date | None, *, future: bool = False) -> str | None:
    """The ISO value of a date expression, partial where the expression is ("2019-12")."""
    expr = clean_expression(text)
    if not expr:
        return None
    if expr in _SIMPLE:
        if published is None:
            return None
        try:
            return (published + timedelta(days=_SIMPLE[expr])).isoformat()
        except OverflowError:
            return None
    for name, pattern in _PATTERNS:
        match = pattern.match(expr)
        if match:
            try:
                value = _resolve_match(name, match, published, future)
            except (OverflowError, ValueError):
                return None  # "9999999 days ago": before the first day a calendar can name
            if value is None or not value[:4].isdigit() or value.startswith("0000"):
                return None
            return value
    return None


def _resolve_match(name: str, m: re.Match[str], published: date | None, future: bool
                   ) -> str | None:
    groups = m.groupdict()
    if name == "iso":
        year, month = int(groups["year"]), int(groups["m"])
        if not 1 <= month <= 12:
            return None
        if groups.get("d"):
            found = _safe_date(year, month, int(groups["d"]))
            return found.isoformat() if found else None
        return f"{year:04d}-{month:02d}"
    if name in {"mdy", "dmy"}:
        found = _safe_date(int(groups["year"]), MONTHS[groups["month"]], int(groups["day"]))
        return found.isoformat() if found else None
    if name in {"md", "dm"}:
        month, day = MONTHS[groups["month"]], int(groups["day"])
        if published is None:
            return None
        found = _safe_date(_closest_year(month, day, published, future), month, day)
        return found.isoformat() if found else None
    if name == "my":
        return f"{int(groups['year']):04d}-{MONTHS[groups['month']]:02d}"
    if name == "m":
        if published is None:
            return None
        month = MONTHS[groups["month"]]
        rel = m.group(0).split()[0]
        if rel == "last":
            year = published.year if month < published.month else published.year - 1
        elif rel == "next":
            year = published.year if month > published.month else published.year + 1
        elif rel == "this":
            year = published.year
        else:
            year = _closest_year(month, None, published, future)
        return f"{year:04d}-{month:02d}"
    if name == "y":
        return f"{int(groups['year']):04d}"
    if name == "wd":
        if published is None:
            return None
        weekday = WEEKDAYS[groups["weekday"]]
        rel = groups.get("rel") or ""
        if rel in {"next", "coming"} or (future and rel not in {"last", "previous"}):
            delta = (weekday - published.weekday()) % 7
            if rel in {"next", "coming"} and delta == 0:
                delta = 7
            return (published + timedelta(days=delta)).isoformat()
        delta = (published.weekday() - weekday) % 7
        if rel in {"last", "previous"} and delta == 0:
            delta = 7
        return (published - timedelta(days=delta)).isoformat()
    if name == "rel_unit":
        if published is None:
            return None
        unit, rel = groups["unit"], groups["rel"]
        if unit in {"week", "weekend"}:
            return None
        offset = -1 if rel.startswith(("last", "past", "previous")) or rel.endswith("last") \
            else 1 if rel.startswith(("next", "coming")) or rel.endswith("next") else 0
        if unit == "year":
            return f"{published.year + offset:04d}"
        month_index = published.year * 12 + published.month - 1 + offset
        return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"
    if name == "ago2":
        if published is None:
            return None
        years = _count(groups["n"])
        months = _count(groups["m"])
        if years is None or months is None:
            return None
        month_index = published.year * 12 + published.month - 1 - years * 12 - months
        return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"
    if name == "ago":
        if published is None:
            return None
        raw = groups["n"]
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
        if n is None:
            return None
        unit = groups["unit"]
        if unit == "day":
            return (published - timedelta(days=n)).isoformat()
        if unit == "week":
            return (published - timedelta(weeks=n)).isoformat()
        if unit == "month":
            month_index = published.year * 12 + published.month - 1 - n
            return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"
        return f"{published.year - n:04d}"
    return None


def _count(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)


def parse_published(value: str | None) -> date | None:
    """The calendar date of an ISO publication timestamp, or None: also for a partial date
    ("2026", "2026-09": a weekday or "yesterday" in the text is not resolved against a day the
    publication date does not name) and for a year outside PUBLISHED_YEARS (what an article
    stored before that check, or written by another tool, may hold)."""
    if not value or not _FULL_DATE.match(value):
        return None
    try:
        found = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return found if found.year in PUBLISHED_YEARS else None
