"""Speed of the web site on loopback: the story list and a story page over 1,000 stories.

The database: the nine bundled example articles (three stories of three outlets) are analysed
once with the real analyzer; each of the 1,000 synthetic stories k is a copy of example story
``k mod 3``: its three articles keep their text and analysis (so the brief is a real one) and
get a new id, a headline with the story number, outlet names "Outlet A/B/C/D <k mod 40>" and
dates spread over the days of three years. Articles go in with
``Store.insert_article`` in one transaction, and story membership is written directly into
``stories``/``story_articles`` (no embedding, no assignment: the assigner is not measured here).
3,333 articles (one example story has four), 1,000 stories.

The server: ``corroborate.web.create_app`` under uvicorn (one worker process, started by this
script, port picked free on 127.0.0.1) with the packaged engines (MiniLM comparer, loaded at the
first story page, not timed). Clients: ``--clients`` threads with keep-alive connections
(stdlib http.client) sending GETs for ``--seconds`` per scenario. Scenarios:

  list        GET /                      (page 1, newest first)
  list-search GET /?q=story+7&sort=size  (word search + size order)
  story-warm  GET /stories/ID            (brief cached in memory)
  story-cold  GET /api/stories/ID/brief  for distinct never-seen stories, one client, in turn
              (each request computes its brief: the comparison of three articles; the API,
              which waits for it, since a story page would answer "being computed" at 1.5 s)

Printed: requests/s, p50 and p95 latency (ms). Client and server share the machine's cores.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/web_speed.py [--seconds 10] [--clients 4]
        [--cold 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORIES = 1_000


def build_db(path: Path, stories: int = STORIES) -> tuple[float, int]:
    """``stories`` stories of the analysed examples (seconds taken, articles written); also
    the database of ``web_load.py``."""
    from corroborate.analyze import Analyzer
    from corroborate.ingest import Rejection, read_inputs
    from corroborate.store import Store

    started = time.perf_counter()
    groups = []
    analyzer = Analyzer()
    for folder in sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir()):
        arts = [a for a in read_inputs([str(folder)]) if not isinstance(a, Rejection)]
        groups.append(list(analyzer.analyze_many(arts)))
    with Store(path) as store, store.atomic() as conn:
        n = 0
        for k in range(stories):
            day = f"{2024 + (k // 365) % 3}-{(k // 28) % 12 + 1:02d}-{k % 28 + 1:02d}"
            conn.execute("INSERT INTO stories(id, created_seq, updated_seq) VALUES (?,?,?)",
                         (k + 1, k + 1, k + 1))
            for j, analysis in enumerate(groups[k % len(groups)]):
                n += 1
                article = dataclasses.replace(
                    analysis.article, id=f"{n:016x}", published=day,
                    title=f"Story {k + 1}: {analysis.article.title}",
                    source=f"Outlet {chr(65 + j)} {k % 40}")
                store.insert_article(conn, article, dataclasses.replace(analysis,
                                                                        article=article))
                conn.execute("INSERT INTO story_articles(article_id, story_id) VALUES (?,?)",
                             (article.id, k + 1))
    return time.perf_counter() - started, n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db: Path, port: int) -> None:
    import uvicorn

    from corroborate.web import create_app

    uvicorn.run(create_app(db), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)


def get(conn: http.client.HTTPConnection, path: str) -> float:
    t = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status}")
    return time.perf_counter() - t


def load(port: int, paths: list[str], seconds: float, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine = []
        i = offset
        while time.perf_counter() < stop:
            mine.append(get(conn, paths[i % len(paths)]))
            i += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return summary(latencies, elapsed)


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"requests": len(ordered), "rps": len(ordered) / elapsed,
            "p50_ms": 1000 * statistics.median(ordered),
            "p95_ms": 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--cold", type=int, default=20, help="distinct stories for story-cold")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--serve", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "web.db"
        build_s, articles = build_db(db)
        print(f"built {db.name}: {STORIES} stories, {articles} articles in {build_s:.1f} s",
              file=sys.stderr)
        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(db), str(port)])
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                    get(conn, "/")
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            # loads the comparison model (not timed below)
            first = get(conn, "/api/stories/1/brief?wait=600")
            results = {
                "list": load(port, ["/"], args.seconds, args.clients),
                "list-search": load(port, ["/?q=story+7&sort=size"], args.seconds,
                                    args.clients),
                "story-warm": load(port, ["/stories/1"], args.seconds, args.clients),
            }
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)  # idle one closed
            cold_started = time.perf_counter()
            cold = [get(conn, f"/api/stories/{STORIES - k}/brief?wait=600")
                    for k in range(args.cold)]
            results["story-cold"] = summary(cold, time.perf_counter() - cold_started)
        finally:
            server.terminate()
            server.wait(10)
    print(f"first story page (model load + brief): {first:.2f} s")
    print(f"{'scenario':<13}{'clients':>8}{'requests':>10}{'req/s':>9}{'p50 ms':>9}"
          f"{'p95 ms':>9}")
    for name, r in results.items():
        clients = 1 if name == "story-cold" else args.clients
        print(f"{name:<13}{clients:>8}{int(r['requests']):>10}{r['rps']:>9.1f}"
              f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}")
    if args.json:
        args.json.write_text(json.dumps({"build_s": build_s, "articles": articles,
                                         "first_story_s": first,
                                         "cpus": os.cpu_count(), **results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
