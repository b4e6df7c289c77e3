"""Does the story list stay fast while a large comparison runs? `/` latency under a /compare.

The database: the nine bundled example articles analysed once with the real analyzer and
copied into ``--stories`` synthetic stories (as ``benchmarks/web_speed.py`` does), so `/` lists
a real index. The server: ``corroborate.web.create_app`` under uvicorn, real HTTP on a free
loopback port, started by this script in its own process with the packaged engines. A small
/compare first loads the models (not measured). Then one client POSTs a large /compare:
``--articles`` pasted articles of about ``--chars`` characters each, made by repeating the
example articles' paragraphs (numbered, so no two are the same); the analysis and comparison
take minutes on two cores. One second after it is sent, another client GETs `/` back to back
(keep-alive) for ``--seconds`` or until the comparison answers, and the latencies of `/` are
reported: p50, p95, max, also for `/` with nothing running. Target: p95 < 200 ms.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/web_load.py [--articles 5] [--chars 120000]
        [--seconds 60] [--wait] [--json out.json]

``--wait`` waits for the comparison's answer (and reports its time) after the measurement.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from web_speed import build_db, free_port, serve  # the same database and server

ROOT = Path(__file__).resolve().parent.parent


def pasted_form(articles: int, chars: int) -> dict[str, str]:
    """``articles`` long articles from the examples' paragraphs, each about ``chars`` long."""
    from corroborate.ingest import Rejection, read_inputs

    examples = [a for a in read_inputs([str(ROOT / "examples")]) if not isinstance(a, Rejection)]
    paragraphs = [p.strip() for a in examples for p in a.text.split("\n\n") if p.strip()]
    form = {"slots": str(articles)}
    for n in range(1, articles + 1):
        parts: list[str] = []
        size, k = 0, 0
        while size < chars:
            paragraph = paragraphs[(k * 7 + n * 3) % len(paragraphs)]
            parts.append(f"Update {k + 1}. {paragraph}")
            size += len(parts[-1]) + 2
            k += 1
        form[f"title-{n}"] = f"Long report {n}"
        form[f"outlet-{n}"] = f"Outlet {n}"
        form[f"text-{n}"] = "\n\n".join(parts)[:chars]
    return form


def request(conn: http.client.HTTPConnection, method: str, path: str,
            form: dict[str, str] | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    if form is None:
        conn.request(method, path)
    else:
        conn.request(method, path, body=urlencode(form).encode(),
                     headers={"content-type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - started


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"requests": len(ordered), "p50_ms": 1000 * statistics.median(ordered),
            "p95_ms": 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
            "max_ms": 1000 * ordered[-1]}


def hammer(port: int, until: float, stop: threading.Event,
           slow: list[tuple[float, float]] | None = None) -> list[float]:
    """GET / back to back; ``slow`` gets (seconds since the start, latency) of those > 200 ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies = []
    began = time.perf_counter()
    while time.perf_counter() < until and not stop.is_set():
        at = time.perf_counter() - began
        status, took = request(conn, "GET", "/")
        if status != 200:
            raise RuntimeError(f"GET /: HTTP {status}")
        latencies.append(took)
        if slow is not None and took > 0.2:
            slow.append((at, took))
    conn.close()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--chars", type=int, default=120_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--stories", type=int, default=300)
    parser.add_argument("--wait", action="store_true", help="wait for the comparison's answer")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--serve", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.db"
        build_db(db, args.stories)
        form = pasted_form(args.articles, args.chars)
        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(db), str(port)])
        compare: dict[str, float] = {}
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                    request(conn, "GET", "/")
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            warm = pasted_form(2, 2_000)
            status, warm_s = request(conn, "POST", "/compare", warm)  # loads the models
            if status != 200:
                raise SystemExit(f"warm-up /compare: HTTP {status}")
            idle = summary(hammer(port, time.perf_counter() + 5, threading.Event()))
            done = threading.Event()

            def big() -> None:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
                with contextlib.suppress(OSError):  # the server was stopped first (no --wait)
                    compare["status"], compare["seconds"] = request(c, "POST", "/compare",
                                                                    form)
                done.set()

            sent = time.perf_counter()
            thread = threading.Thread(target=big, daemon=True)
            thread.start()
            time.sleep(1.0)
            slow: list[tuple[float, float]] = []
            loaded_latencies = hammer(port, time.perf_counter() + args.seconds, done, slow)
            in_flight = time.perf_counter() - sent
            finished_during = done.is_set()
            if args.wait:
                thread.join()
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:  # uvicorn waits for the running /compare
                server.kill()
                server.wait(10)
    loaded = summary(loaded_latencies)
    chars = sum(len(v) for k, v in form.items() if k.startswith("text-"))
    print(f"/compare: {args.articles} articles, {chars:,} characters in all; "
          f"warm-up compare {warm_s:.1f} s")
    if compare:
        print(f"/compare answered HTTP {int(compare['status'])} after {compare['seconds']:.1f} s"
              + ("" if finished_during else " (after the measurement)"))
    else:
        print(f"/compare still running after {in_flight:.0f} s (not waited for)")
    print(f"{'GET /':<22}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, r in (("idle", idle), ("during /compare", loaded)):
        print(f"{name:<22}{int(r['requests']):>9}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
              f"{r['max_ms']:>9.1f}")
    if slow:
        print(f"{len(slow)} requests over 200 ms, at (s after the first): "
              + ", ".join(f"{at:.1f} ({1000 * took:.0f} ms)" for at, took in slow[:10]))
    target = loaded["p95_ms"] < 200
    print(f"target p95 < 200 ms: {'met' if target else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps({"idle": idle, "during_compare": loaded,
                                         "compare": compare, "chars": chars,
                                         "over_200_ms": slow,
                                         "cpus": os.cpu_count()}, indent=2))
    return 0 if target else 1


if __name__ == "__main__":
    sys.exit(main())
