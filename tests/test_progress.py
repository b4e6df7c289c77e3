"""The progress line: counts, rate, percentage and time left, drawn on a stream."""

from __future__ import annotations

import io

from corroborate.progress import Progress, format_duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_durations() -> None:
    assert [format_duration(s) for s in (0, 7.4, 185, 3723, -3)] == [
        "0:00", "0:07", "3:05", "1:02:03", "0:00"]


def test_known_total_shows_percentage_rate_and_time_left() -> None:
    clock, out = Clock(), io.StringIO()
    with Progress("ingesting", 400, stream=out, clock=clock) as bar:
        clock.now += 10
        bar.advance(100)
        assert bar.line() == "ingesting  100/400 articles (25%)  10.0/s  0:30 left"
        clock.now += 30
        bar.advance(300)
        assert bar.line() == "ingesting  400/400 articles (100%)  10.0/s  0:40"
    assert out.getvalue().endswith("\n") and "\r" in out.getvalue()
    assert bar.summary() == "40.0 s, 10.0 articles/s"


def test_an_estimated_total_grows_with_the_work() -> None:
    clock = Clock()
    bar = Progress("ingesting", 2, enabled=False, clock=clock)
    bar.advance(5)
    assert bar.total == 5 and "5/5" in bar.line()


def test_unknown_total_counts_and_rates_only() -> None:
    clock = Clock()
    bar = Progress("ingesting", None, enabled=False, clock=clock)
    clock.now += 4
    bar.advance(2)
    assert bar.line() == "ingesting  2 articles  0.5/s  0:04"


def test_disabled_progress_writes_nothing_and_redraws_are_throttled() -> None:
    clock, out = Clock(), io.StringIO()
    with Progress("x", 10, stream=out, clock=clock, enabled=False) as bar:
        bar.advance()
    assert out.getvalue() == ""
    with Progress("x", 1000, stream=out, clock=clock) as bar:
        for _ in range(500):
            bar.advance()  # the clock stands still: one redraw at most
    assert out.getvalue().count("\r") <= 3
