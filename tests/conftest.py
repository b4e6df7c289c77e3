"""Shared fixtures: paths, the real analyzer (loaded once), a fresh database, a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Property-based tests (the readers' fuzz tests among them) run a bounded number of examples in
# CI; HYPOTHESIS_PROFILE=long runs many more, without a deadline (see README, "Testing"):
#   HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_ingest.py -k fuzz
# Tests that bound themselves (the fuzz tests: @settings(max_examples=60)) take the profile's
# numbers instead when it is "long" (see tests/test_ingest.py, _FUZZ).
settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("long", max_examples=20_000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"needs the shared corpora at {SHARED} (absent on this machine)")
    return SHARED


@pytest.fixture(scope="session")
def analyzer():  # type: ignore[no-untyped-def]
    from corroborate.analyze import Analyzer

    return Analyzer()


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture()
def store(db_path: Path) -> Iterator[object]:
    from corroborate.store import Store

    with Store(db_path) as s:
        yield s


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


CliProbe = Callable[..., tuple[object, dict[str, bool], str]]


@pytest.fixture()
def cli_in_fresh_process() -> CliProbe:
    """Runs ``corroborate ARGS...`` in a fresh interpreter and says its exit code, which of
    ``modules`` it imported, and its stderr: ``probe(args, modules)``."""
    import json
    import subprocess
    import sys

    def probe(args: list[str], modules: list[str]) -> tuple[object, dict[str, bool], str]:
        script = ("import json, sys\nfrom corroborate.cli import main\ncode = 0\n"
                  "try:\n    main(sys.argv[2:])\nexcept SystemExit as exit:\n"
                  "    code = exit.code\n"
                  "print(json.dumps([code, {m: m in sys.modules for m in "
                  "json.loads(sys.argv[1])}]))\n")
        done = subprocess.run([sys.executable, "-c", script, json.dumps(modules), *args],
                              capture_output=True, text=True, timeout=120)
        assert done.stdout.strip(), done.stderr
        code, loaded = json.loads(done.stdout.splitlines()[-1])
        return code, loaded, done.stderr

    return probe


@pytest.fixture(scope="session")
def comparer():  # type: ignore[no-untyped-def]
    """The real comparison engine: packaged MiniLM in float32 (so results do not depend on
    whether the CPU has bf16), shipped scorer."""
    from corroborate.align import Comparer
    from corroborate.embed import MiniLMEmbedder

    return Comparer(MiniLMEmbedder(precision="fp32"))


@pytest.fixture(scope="session")
def example_analyses(analyzer):  # type: ignore[no-untyped-def]
    """The analyses of each bundled example story, by story folder name."""
    from corroborate.ingest import Rejection, read_inputs

    stories = {}
    before = Path.cwd()
    os.chdir(ROOT)  # paths in the briefs are relative ("examples/summit/...") for golden files
    try:
        for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
            relative = str(folder.relative_to(ROOT))
            articles = [a for a in read_inputs([relative]) if not isinstance(a, Rejection)]
            stories[folder.name] = list(analyzer.analyze_many(articles))
    finally:
        os.chdir(before)
    return stories


@pytest.fixture(scope="session")
def example_briefs(comparer, example_analyses):  # type: ignore[no-untyped-def]
    return {name: comparer.compare(analyses) for name, analyses in example_analyses.items()}


# -- a real local web server (tests/test_ingest_fetch.py, tests/test_watch.py) -----------------
class WebSite:
    """An HTTP server on 127.0.0.1 in a thread. ``routes`` maps a path to a function of the
    request (a :class:`WebRequest`) giving ``(status, headers, body)``; ``requests`` logs every
    request as it came. Unknown paths are 404 (robots.txt too: everything allowed)."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict[str, object] = {}
        self.requests: list[WebRequest] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # the name http.server calls
                request = WebRequest(self.path, {k.lower(): v for k, v in self.headers.items()})
                site.requests.append(request)
                route = site.routes.get(self.path.split("?", 1)[0])
                status, headers, body = (route(request) if callable(route)  # type: ignore[misc]
                                         else (404, {}, b"not here"))
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        if value:  # "" leaves the header out (Content-Length: read to close)
                            self.send_header(key, value)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def page(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
             **headers: str) -> None:
        """Serve ``body`` at ``path`` (with an ETag when given, answering 304 to it)."""
        data = body.encode() if isinstance(body, str) else body
        fixed = {"Content-Type": content_type, **{k.replace("_", "-"): v
                                                  for k, v in headers.items()}}

        def reply(request: WebRequest) -> tuple[int, dict[str, str], bytes]:
            etag = fixed.get("ETag")
            if etag is not None and request.headers.get("if-none-match") == etag:
                return 304, {"ETag": etag}, b""
            return 200, fixed, data

        self.routes[path] = reply

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class WebRequest:
    def __init__(self, path: str, headers: dict[str, str]) -> None:
        self.path = path
        self.headers = headers


@pytest.fixture()
def web_site() -> Iterator[WebSite]:
    site = WebSite()
    try:
        yield site
    finally:
        site.close()
