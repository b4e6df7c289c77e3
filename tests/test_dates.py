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


# -- issue 13: partial and out-of-range publication dates ----------------------------------

def test_partial_publication_date_resolves_no_weekday() -> None:
    from corroborate.analyze.dates import parse_published

    # a year-only or month-only publication date names no day: "Wednesday" stays unresolved
    for partial in ("2026", "2026-09"):
        assert parse_published(partial) is None
        assert resolve_date("on Wednesday", parse_published(partial)) is None
        assert resolve_date("March 3, 2025", parse_published(partial)) == "2025-03-03"
    assert parse_published("2026-09-24T10:00:00+02:00") == PUB


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+05:00",
                                   "1799-12-31"])
def test_out_of_range_publication_dates_are_ignored_by_consumers(value: str) -> None:
    from corroborate.align.lineage import _utc
    from corroborate.analyze.dates import parse_published
    from corroborate.stories.features import article_day

    assert parse_published(value) is None
    assert article_day(value) is None
    assert _utc(value)  # no OverflowError converting to UTC


def test_date_arithmetic_at_the_edges_never_overflows() -> None:
    assert resolve_date("9999999 days ago", PUB) is None
    assert resolve_date("3000 years ago", PUB) is None
    assert resolve_date("yesterday", date(1, 1, 1)) is None
    assert resolve_date("tomorrow", date(9999, 12, 31)) is None
    assert resolve_date("next Monday", date(9999, 12, 31)) is None


def test_partial_dates_give_no_story_day() -> None:
    from corroborate.stories.features import article_day

    assert article_day("2026") is None and article_day("2026-09") is None
    assert article_day("2026-09-21") is not None


def test_stored_year_one_article_analyses_and_briefs(  # type: ignore[no-untyped-def]
        store, analyzer, comparer) -> None:
    # was: `corroborate analyze`/`brief` exit 70 (OverflowError) on an article stored with
    # --no-analyze and "published": "0001-01-01" (before ingest refused such dates)
    from corroborate.model import Article

    text = ("The two leaders met on Monday, officials said yesterday, a week after talks "
            "in Seoul stalled over the tariff question and the border.")
    old = Article(id="a" * 16, text=text, title="Leaders meet", source="Wire",
                  published="0001-01-01")
    partial = Article(id="b" * 16, text=text + " More later.", title="Leaders meet",
                      source="Ledger", published="2026")
    store.add_article(old)
    store.add_article(partial)
    analyses = [analyzer.analyze(store.get_article(a.id)) for a in (old, partial)]
    assert all(d.value is None for a in analyses for d in a.dates
               if "yesterday" in a.article.text[d.start:d.end]
               or "Monday" in a.article.text[d.start:d.end])
    brief = comparer.compare(analyses)
    assert brief.facts is not None
