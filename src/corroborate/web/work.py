"""The web server's worker pool: CPU-bound work (analysis and comparison) off the event loop.

A fixed number of worker threads take jobs from one priority queue: interactive jobs (a
request is waiting for them) before background ones (briefs computed ahead). At most
``queue_limit`` jobs wait while every worker is busy (0: a job is taken only when a worker is
free); one more interactive job is refused with :class:`Busy`,
which the web layer answers with HTTP 503 and a Retry-After estimate. :meth:`WorkPool.flight`
is single flight: however many requests ask for the same key at once, one job runs and every
caller gets its future.

Threads, not processes: the analysis (spaCy) and the comparison (torch) release the GIL often
enough that the event loop keeps answering during a long job (docs/benchmarks.md, "Web server
under load"), and the engines, loaded once, are shared by the workers.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

log = logging.getLogger("corroborate.web")

INTERACTIVE, BACKGROUND = 0, 1
#: seconds a job is assumed to take before one has been timed
FIRST_GUESS_S = 10.0
MIN_RETRY_S, MAX_RETRY_S = 1, 600


class Busy(Exception):
    """Too many jobs are waiting: try again in ``retry_after`` seconds. ``ahead``: the jobs
    running or waiting."""

    def __init__(self, ahead: int, retry_after: int) -> None:
        super().__init__(f"{ahead} computations are running or waiting")
        self.ahead = ahead
        self.retry_after = retry_after


_Job = tuple[int, int, Callable[[], Any] | None, "concurrent.futures.Future[Any] | None", bool]


class WorkPool:
    """``workers`` threads (started on first use) over one priority queue."""

    def __init__(self, workers: int = 1, queue_limit: int = 8) -> None:
        if workers < 1 or queue_limit < 0:
            raise ValueError("a pool needs a worker and a queue limit of at least 0")
        self.workers = workers
        self.queue_limit = queue_limit
        self._queue: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._waiting = 0  # interactive jobs queued, not started
        self._running = 0  # jobs being run (any priority)
        self._interactive_running = 0
        self._mean_s = FIRST_GUESS_S
        self._timed = 0
        self._flights: dict[Hashable, concurrent.futures.Future[Any]] = {}
        self._closed = False

    # -- state ---------------------------------------------------------------------------
    @property
    def waiting(self) -> int:
        return self._waiting

    def idle(self) -> bool:
        """No interactive job is waiting or running (background work may start)."""
        with self._lock:
            return self._waiting == 0 and self._interactive_running == 0

    def estimate(self, waiting: int | None = None) -> int:
        """Seconds until a job queued now would likely be done (for Retry-After)."""
        ahead = (self._waiting if waiting is None else waiting) + self._running
        seconds = self._mean_s * max(1, ahead) / self.workers
        return int(min(MAX_RETRY_S, max(MIN_RETRY_S, math.ceil(seconds))))

    # -- jobs ------------------------------------------------------------------------------
    def submit(self, fn: Callable[[], Any], *,
               priority: int = INTERACTIVE) -> concurrent.futures.Future[Any]:
        """Queue ``fn``; its future. :class:`Busy` when ``queue_limit`` jobs wait already
        (background jobs are never refused: the caller queues one at a time)."""
        with self._lock:
            return self._submit(fn, priority)

    def _submit(self, fn: Callable[[], Any], priority: int) -> concurrent.futures.Future[Any]:
        if self._closed:
            raise RuntimeError("the work pool is closed")
        interactive = priority == INTERACTIVE
        # how many jobs would wait for a worker once this one is queued
        would_wait = self._waiting + self._running + 1 - self.workers
        if interactive and would_wait > self.queue_limit:
            raise Busy(self._waiting + self._running, self.estimate())
        self._start_threads()
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        if interactive:
            self._waiting += 1
        self._queue.put((priority, next(self._order), fn, future, interactive))
        return future

    def flight(self, key: Hashable, fn: Callable[[], Any], *,
               priority: int = INTERACTIVE) -> concurrent.futures.Future[Any]:
        """The future of the job for ``key``: the one already queued or running, else ``fn``
        queued now. A job that failed is handed out once more (so the request that comes
        next sees the error) and then forgotten (so the one after that tries again)."""
        with self._lock:
            future = self._flights.get(key)
            if future is not None:
                if future.done():
                    del self._flights[key]
                return future
            future = self._submit(fn, priority)
            self._flights[key] = future

            def landed(done: concurrent.futures.Future[Any]) -> None:
                if done.cancelled() or done.exception() is None:
                    with self._lock:
                        if self._flights.get(key) is done:
                            del self._flights[key]

            future.add_done_callback(landed)
            return future

    def in_flight(self, key: Hashable) -> bool:
        with self._lock:
            future = self._flights.get(key)
            return future is not None and not future.done()

    def _start_threads(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, daemon=True,
                                      name=f"corroborate-worker-{len(self._threads) + 1}")
            self._threads.append(thread)
            thread.start()

    def _work(self) -> None:
        while True:
            _, _, fn, future, interactive = self._queue.get()
            if fn is None or future is None:
                return
            with self._lock:
                if interactive:
                    self._waiting -= 1
                    self._interactive_running += 1
                self._running += 1
            started = time.perf_counter()
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        result = fn()
                    except BaseException as exc:  # handed to the waiter
                        future.set_exception(exc)
                    else:
                        future.set_result(result)
            finally:
                took = time.perf_counter() - started
                with self._lock:
                    self._running -= 1
                    if interactive:
                        self._interactive_running -= 1
                    self._timed += 1
                    weight = 1 / min(self._timed, 10)  # mean of the first ten, then moving
                    self._mean_s += weight * (took - self._mean_s)

    def close(self) -> None:
        """Stop the workers once the jobs already queued are done (does not wait)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for _ in self._threads:
                self._queue.put((BACKGROUND + 1, next(self._order), None, None, False))
