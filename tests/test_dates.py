from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corroborate.analyze.dates import clean_expression, looks_like_date, resolve_date

PUB = date(2026, 9, 24)  # a Thursday


@pytest.mark.parametrize(
    ("text", "future", "expected"),
    [
        ("on Wednesday", False, "2026-09-23"),
        ("Wednesday", True, "2026-09-30"),
        ("Thursday", False, "2026-09-24"),
        ("last Thursday", False, "2026-09-17"),
        ("Sept. 21", False, "2026-09-21"),
        ("since December 2019", False, "2019-12"),
        ("in June", False, "2026-06"),
        ("December", False, "2025-12"),
        ("last week", False, None),
        ("last month", False, "2026-08"),
        ("next month", True, "2026-10"),
        ("earlier this year", False, "2026"),
        ("yesterday", False, "2026-09-23"),
        ("March 3, 2025", False, "2025-03-03"),
        ("2019", False, "2019"),
        ("two years ago", False, "2024"),
        ("two years and 10 months ago", False, "2023-11"),
        ("recently", False, None),
    ],
)
def test_resolve(text: str, future: bool, expected: str | None) -> None:
    assert resolve_date(text, PUB, future=future) == expected


def test_without_publication_date_only_absolute_dates_resolve() -> None:
    assert resolve_date("on Monday", None) is None
    assert resolve_date("in June", None) is None
    assert resolve_date("December 2019", None) == "2019-12"
    assert resolve_date("March 3, 2025", None) == "2025-03-03"


def test_dateish() -> None:
    assert looks_like_date("last week")
    assert looks_like_date("June")
    assert not looks_like_date("full-year")
    assert not looks_like_date("45")


@given(st.text(), st.booleans())
def test_resolver_never_crashes(text: str, future: bool) -> None:
    value = resolve_date(text, PUB, future=future)
    assert value is None or value[:4].isdigit()


@given(st.text())
def test_clean_expression_is_idempotent(text: str) -> None:
    once = clean_expression(text)
    assert clean_expression(once) == once
