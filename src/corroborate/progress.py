"""Progress of long work (ingest, recluster, evaluation, the analysis behind a brief): a live
line with the count, the rate and, when the total is known, the percentage and the time left.

Only the command line shows it, on a terminal; elsewhere the work is silent until its summary.
The clock and the stream are passed in, so the arithmetic is testable without waiting.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: redraw at most this often (seconds)
REDRAW_S = 0.1


def format_duration(seconds: float) -> str:
    """``0:07``, ``3:05``, ``1:02:03``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts items done out of an optional (estimated) total. ``enabled=False`` counts without
    drawing. Use as a context manager: the line is finished (or cleared) on exit."""

    def __init__(self, label: str, total: int | None = None, *, unit: str = "articles",
                 enabled: bool = True, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.done = 0
        self.started = clock()
        self._drawn_at: float | None = None
        self._width = 0

    def __enter__(self) -> Progress:
        self.draw(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    @property
    def elapsed(self) -> float:
        return max(0.0, self.clock() - self.started)

    @property
    def rate(self) -> float:
        """Items per second so far (0 before the first second's worth of work)."""
        elapsed = self.elapsed
        return self.done / elapsed if elapsed > 0 else 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.total is not None and self.done > self.total:
            self.total = self.done  # the total was an estimate
        self.draw()

    def line(self) -> str:
        rate = self.rate
        parts = [self.label]
        if self.total:
            parts.append(f"{self.done}/{self.total} {self.unit} "
                         f"({100 * self.done / self.total:.0f}%)")
        else:
            parts.append(f"{self.done} {self.unit}")
        parts.append(f"{rate:.1f}/s" if rate else "")
        if self.total and rate and self.done < self.total:
            parts.append(f"{format_duration((self.total - self.done) / rate)} left")
        else:
            parts.append(format_duration(self.elapsed))
        return "  ".join(p for p in parts if p)

    def draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if not force and self._drawn_at is not None and now - self._drawn_at < REDRAW_S:
            return
        self._drawn_at = now
        text = self.line()
        self.stream.write("\r" + text + " " * max(0, self._width - len(text)))
        self.stream.flush()
        self._width = len(text)

    def finish(self) -> None:
        """End the live line (the summary that follows gets a line of its own)."""
        if self.enabled and self._width:
            self.draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0

    def summary(self) -> str:
        """``12.3 s, 4.5 articles/s`` for the command's summary line."""
        return f"{self.elapsed:.1f} s, {self.rate:.1f} {self.unit}/s"
