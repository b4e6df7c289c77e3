import pytest
from hypothesis import given
from hypothesis import strategies as st

from corroborate.analyze.numbers import parse_number_words, parse_ordinal
from corroborate.analyze.quantities import find_quantities


def one(text: str) -> tuple[str, float, str, bool]:
    found = find_quantities(text)
    assert len(found) == 1, found
    q = found[0]
    return text[q.start : q.end], q.value, q.unit, q.approximate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("They met for about 30 minutes.", ("about 30 minutes", 30, "minute", True)),
        ("a 30-minute meeting", ("30-minute", 30, "minute", False)),
        ("at least 12 people died", ("at least 12 people", 12, "person", True)),
        ("sales of more than $1.2 billion", ("more than $1.2 billion", 1.2e9, "USD", True)),
        ("up to 40 percent", ("up to 40 percent", 40, "percent", True)),
        ("fell 3.5% last year", ("3.5%", 3.5, "percent", False)),
        ("in office for two years and 10 months", ("two years and 10 months", 34, "month", False)),
        ("the seventh nuclear test", ("seventh", 7, "ordinal", False)),
        ("nearly 200 flights were cancelled", ("nearly 200 flights", 200, "flight", True)),
        ("€300 million in aid", ("€300 million", 3e8, "EUR", False)),
        ("twenty-five soldiers", ("twenty-five soldiers", 25, "soldier", False)),
        ("a cut of 25 basis points", ("25 basis points", 25, "basis point", False)),
        ("it weighs 26 pounds", ("26 pounds", 26, "pound", False)),
        ("a 2 million pounds fine", ("2 million pounds", 2e6, "GBP", False)),
        ("a KRW 5 trillion budget", ("KRW 5 trillion", 5e12, "KRW", False)),
        ("talks lasted 30-minutes.", ("30-minutes", 30, "minute", False)),
        # a number compound counts its noun: one outlet's 48-page indictment, another's 47
        ("in a 48-page indictment", ("48-page", 48, "page", False)),
        ("a five-term congressman", ("five-term", 5, "term", False)),
        ("a 12-member jury", ("12-member", 12, "member", False)),
    ],
)
def test_quantities(text: str, expected: tuple[str, float, str, bool]) -> None:
    assert one(text) == expected


def test_ranges_take_the_unit_of_their_upper_bound_and_are_approximate() -> None:
    text = "Officials put the death toll at between 40 and 50 people, after 30 to 40 minutes."
    found = [(text[q.start : q.end], q.value, q.unit, q.approximate, q.qualifier)
             for q in find_quantities(text)]
    assert found == [("between 40", 40, "person", True, "range"),
                     ("50 people", 50, "person", True, "range"),
                     ("30", 30, "minute", True, "range"),
                     ("40 minutes", 40, "minute", True, "range")]
    [loss] = find_quantities("losses could exceed 100 million euros")
    assert loss.approximate and loss.value == 1e8 and loss.unit == "EUR"


@pytest.mark.parametrize(
    "text",
    ["a one-on-one meeting", "one of the leaders", "in 2019 the", "a 45-year-old man",
     "at 10:30 on", "the G7 summit", "COVID-19 spread", "two years ago", "a two-way race",
     "two-thirds of voters", "a one-time payment", "a 3-2 vote"],
)
def test_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


def test_number_words() -> None:
    assert parse_number_words(["two", "hundred", "and", "fifty"]) == 250
    assert parse_number_words(["a", "dozen"]) == 12
    assert parse_number_words(["banana"]) is None
    assert parse_ordinal("twenty-first") == 21
    assert parse_ordinal("21st") == 21


@given(st.text())
def test_scanner_never_crashes_and_spans_are_valid(text: str) -> None:
    for q in find_quantities(text):
        assert 0 <= q.start < q.end <= len(text)


@given(st.lists(st.sampled_from(
    ["about", "30", "minutes", "$", "1.2", "billion", "-", "and", "two", "years", "%", "one",
     "at", "least", "seventh", "a", "dozen", "people", ",", "10", "months", "ago", "won"]),
    max_size=12))
def test_scanner_never_crashes_on_number_like_soup(words: list[str]) -> None:
    text = " ".join(words)
    for q in find_quantities(text):
        assert text[q.start : q.end].strip() == text[q.start : q.end]


def test_fractional_durations() -> None:
    from corroborate.analyze.quantities import find_quantities

    cases = {
        "They spoke for about half an hour.": (30.0, "minute", True),
        "It lasted an hour and a half.": (90.0, "minute", False),
        "The search took two and a half days.": (60.0, "hour", False),
        "He waited a quarter of an hour.": (15.0, "minute", False),
    }
    for text, (value, unit, approximate) in cases.items():
        found = find_quantities(text)
        assert [(q.value, q.unit, q.approximate) for q in found] == [(value, unit, approximate)]
        assert found[0].kind == "duration"
    assert find_quantities("The half-time score was level.") == []
