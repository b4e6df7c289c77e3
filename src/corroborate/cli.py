"""The command line: parses, calls the library, formats, and maps errors to exit codes.

Exit codes (README "Exit codes"): 0 success; 1 some inputs were rejected (the rest went in);
2 usage error; 3 article not found; 4 database error; 5 a model or dependency is missing;
6 the web server cannot listen; 70 internal error; 130 interrupted.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from corroborate import __version__
from corroborate.config import DEFAULT_MAX_BYTES, Settings
from corroborate.errors import CorroborateError, InputError, NotFoundError, UsageError
from corroborate.ingest import (
    INPUT_FORMATS,
    PLANNED_FORMATS,
    SKIP_KINDS,
    IngestOptions,
    Rejection,
    Skipped,
    count_skipped,
    expand_inputs,
    list_inputs,
    load_outlet_names,
    read_one,
)
from corroborate.ingest.language import analysable
from corroborate.model import Article

F = TypeVar("F", bound=Callable[..., Any])

EXIT_REJECTED = 1
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
#: an article this long gets a note before its (long) analysis
LARGE_ARTICLE_CHARS = 200_000
#: a brief of a story this large gets a note before its comparison
LARGE_STORY_ARTICLES = 25


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


_NOT_ENGLISH = ("they are stored and grouped into stories, but the analysis uses English "
                "rules, so it is not to be relied on, and briefs leave them out (saying so)")


def _reader_went_away() -> None:
    """The reader of stdout closed it (``corroborate show ID | head``): stop quietly, as
    command-line tools do, instead of a traceback when Python flushes stdout at exit."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    sys.exit(0)


def handle_errors(func: F) -> F:
    """Turn library errors into one line on stderr and the documented exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CorroborateError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INTERRUPTED)
        except BrokenPipeError:
            _reader_went_away()
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:
            _fail(f"internal error ({type(exc).__name__}: {exc}); please report it with the "
                  "command you ran", EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def _settings(db: str | None) -> Settings:
    return Settings.from_env().with_overrides(db_path=Path(db) if db else None)


def _open_store(db: str | None, *, create: bool = False,
                on_wait: Callable[[str], None] | None = None) -> Any:
    """The database; only `ingest` creates it, reading commands never leave a new file.
    ``on_wait`` hears once when a write waits for another process (default: a line on
    stderr)."""
    from corroborate.store import Store

    def waiting(message: str) -> None:
        click.echo(message, err=True)

    return Store(_settings(db).db_path, create=create, on_wait=on_wait or waiting)


def _estimate_articles(items: list[str | Rejection], input_format: str | None = None
                       ) -> int | None:
    """How many articles the inputs hold, for the progress bar: one per file, one per line
    of a JSON Lines file; None when standard input is among them."""
    total = 0
    for item in items:
        if item == "-":
            return None
        if isinstance(item, str) and (input_format == "jsonl" or (
                input_format is None and Path(item).suffix.lower() in (".jsonl", ".ndjson"))):
            total += _count_lines(Path(item))
        else:
            total += 1
    return total


def _count_lines(path: Path) -> int:
    lines = 0
    try:
        with path.open("rb") as stream:
            tail = b"\n"
            while chunk := stream.read(1 << 20):
                lines += chunk.count(b"\n")
                tail = chunk[-1:]
            if tail != b"\n":
                lines += 1
    except OSError:
        return 1
    return max(1, lines)


def _story_book(store: Any) -> tuple[Any, Any]:
    """The story assigner over a store, and the function giving a batch of articles their
    story features (the packaged MiniLM embeds titles and leads: :func:`story_embedder`)."""
    from corroborate.embed import story_embedder
    from corroborate.store.stories import StoryBook
    from corroborate.stories.stream import features_of

    embedder = story_embedder()
    return StoryBook(store), lambda articles: features_of(articles, embedder)


def _stdin(paths: tuple[str, ...] | list[str]) -> Any:
    """Standard input as bytes, only when it is asked for (``-``) and open."""
    if "-" not in paths or sys.stdin is None:
        return None
    return getattr(sys.stdin, "buffer", None)


def _progress(label: str, total: int | None, *, unit: str = "articles") -> Any:
    """Progress on stderr when it is a terminal (long commands: eval, recluster, brief)."""
    from corroborate.progress import Progress

    return Progress(label, total, unit=unit, enabled=sys.stderr.isatty())


def _counted(func: Callable[..., Any], bar: Any) -> Callable[..., Any]:
    """``func``, advancing ``bar`` after each call."""

    def counted(*args: Any, **kwargs: Any) -> Any:
        result = func(*args, **kwargs)
        bar.advance()
        return result

    return counted


db_option = click.option(
    "--db", metavar="FILE", envvar="CORROBORATE_DB",
    help="SQLite database file (default ./corroborate.db, or $CORROBORATE_DB).",
)


def fetch_options(func: F) -> F:
    """The options of commands that fetch web addresses (`ingest`, `watch`)."""
    for option in reversed((
        click.option("--urls", "url_files", multiple=True, metavar="FILE",
                     type=click.Path(exists=True, dir_okay=False),
                     help="A file of web addresses to fetch: one a line, # starts a comment "
                          "(repeatable)."),
        click.option("--fetch-links", is_flag=True,
                     help="For a feed entry that carries only a summary, fetch the page it "
                          "links to (else its title and summary go in, marked as a summary)."),
        click.option("--rate", type=click.FloatRange(min=0), default=1.0, show_default=True,
                     metavar="SECONDS", help="At least this long between two requests to one "
                                             "host (more when its robots.txt asks)."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=20.0,
                     show_default=True, metavar="SECONDS",
                     help="Give up on a connect or read that takes longer (each request is "
                          "tried 3 times, with back-off, on network errors, 429 and 5xx)."),
        click.option("--contact", metavar="URL_OR_EMAIL", envvar="CORROBORATE_CONTACT",
                     default=None, help="Put in the User-Agent, so that site operators can "
                                        "reach you (or $CORROBORATE_CONTACT)."),
    )):
        func = option(func)
    return func


class _Web:
    """Fetching for a command: the reader of web addresses over the database's fetch state,
    made when the first address needs it (httpx loads only then)."""

    def __init__(self, store: Any, options: IngestOptions, *, fetch: bool, fetch_links: bool,
                 rate: float, timeout: float, contact: str | None, max_bytes: int) -> None:
        self.store, self.options, self.fetch = store, options, fetch
        self.settings = {"fetch_links": fetch_links, "rate": rate, "timeout": timeout,
                         "contact": contact, "max_bytes": max_bytes}
        self.reader: Any = None

    def web_reader(self) -> Any:
        if self.reader is None:
            from corroborate.ingest.fetch import Fetcher, FetchOptions, WebReader
            from corroborate.store.fetch_state import StoreFetchState

            fetcher = Fetcher(FetchOptions(**self.settings),  # type: ignore[arg-type]
                              state=StoreFetchState(self.store))
            self.reader = WebReader(fetcher, self.options)
        return self.reader

    def read(self, item: str | Rejection, *, stdin: Any = None,
             named: frozenset[str] = frozenset()) -> Any:
        """The articles of one expanded input: a web address fetched, a sitemap file named on
        the command line expanded to its pages, anything else read as a file."""
        from corroborate.ingest import is_url

        if isinstance(item, str) and is_url(item):
            if not self.fetch:
                return iter([Rejection(item, "a web address, not fetched (--no-fetch): leave "
                                             "--no-fetch out to fetch it")])
            return self.web_reader().read(item)
        if isinstance(item, str) and item in named and self.fetch and _is_sitemap_file(item):
            return self.web_reader().read_sitemap_file(Path(item))
        return read_one(item, self.options, stdin=stdin)

    def commit(self, rejected: list[Rejection]) -> None:
        """Keep what was fetched in the database, except what stands for articles not
        stored (they are fetched again next time)."""
        if self.reader is not None:
            self.reader.commit({r.input for r in rejected})

    def summary(self) -> str:
        """", N unchanged since the last fetch, M read before" (empty without fetching)."""
        if self.reader is None:
            return ""
        stats = self.reader.stats
        parts = []
        if stats.unchanged:
            parts.append(f"{len(stats.unchanged)} unchanged since the last fetch")
        if stats.seen_before:
            parts.append(f"{stats.seen_before} feed entries or sitemap pages read before")
        return "".join(f", {p}" for p in parts)

    def as_json(self) -> dict[str, Any] | None:
        if self.reader is None:
            return None
        stats = self.reader.stats
        return {"fetched": stats.fetched, "unchanged": list(stats.unchanged),
                "read_before": stats.seen_before, "failed": stats.failed,
                "requests": self.reader.fetcher.requests}

    def close(self) -> None:
        if self.reader is not None:
            self.reader.fetcher.close()


def _is_sitemap_file(path: str) -> bool:
    import gzip
    import zlib

    from corroborate.ingest.sitemap import looks_like_sitemap

    try:
        with open(path, "rb") as stream:
            head = stream.read(4096)
            if head.startswith(b"\x1f\x8b"):
                stream.seek(0)
                with gzip.GzipFile(fileobj=stream) as inner:
                    head = inner.read(4096)
    except (OSError, EOFError, zlib.error):
        return False
    return looks_like_sitemap(head)


def _skipped_summary(skipped: tuple[Skipped, ...]) -> str:
    """", 17 skipped (9 images, styles, scripts or media; 6 sitemaps; 2 hidden)" (empty when
    nothing was skipped)."""
    if not skipped:
        return ""
    kinds = "; ".join(f"{n} {SKIP_KINDS.get(kind, (kind, kind))[n != 1]}"
                      for kind, n in count_skipped(skipped).items())
    return f", {len(skipped)} skipped ({kinds})"


#: What -v says of an article stored with no full text, or flagged as a stub.
_SUMMARY_ONLY = "stored as a summary only (the input gives no full text)"


def _flag_of(article: Article) -> tuple[str, str] | None:
    """``("summary", why)`` for an article stored as a summary only (metadata ``text_kind``
    "summary"), ``("stub", why)`` for a page flagged as a possible stub (metadata ``stub``)."""
    if article.metadata.get("text_kind") == "summary":
        return "summary", _SUMMARY_ONLY
    stub = article.metadata.get("stub")
    return ("stub", f"flagged as a possible stub: {stub}") if stub else None


def _flagged_summary(flagged: dict[str, int]) -> str:
    """", 5 stored as summaries only, 1 flagged as a possible stub" (the parts with none left
    out)."""
    summaries, stubs = flagged["summary"], flagged["stub"]
    parts = []
    if summaries:
        parts.append(f"{summaries} stored as "
                     f"{'a summary' if summaries == 1 else 'summaries'} only")
    if stubs:
        parts.append(f"{stubs} flagged as {'a possible stub' if stubs == 1 else 'possible stubs'}")
    return "".join(f", {p}" for p in parts)


def _url_lists(files: tuple[str, ...]) -> list[str | Rejection]:
    from corroborate.ingest.fetch import read_url_list

    return [item for name in files for item in read_url_list(Path(name))]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="corroborate")
def main() -> None:
    """Corroborate: which reports cover the same event, and what they agree on, what one outlet
    alone says, and where they differ.

    \b
    Examples:
      corroborate ingest examples/            # read a folder of articles into corroborate.db
      corroborate articles                    # list what is stored
      corroborate show 3f2a                   # one article with its analysis (id prefix)
      corroborate analyze article.html --format json
    """


@main.command()
@click.argument("paths", nargs=-1)
@db_option
@click.option("--source", metavar="NAME", help="Outlet name for every input (overrides metadata).")
@click.option("--source-map", "source_map", metavar="FILE",
              type=click.Path(dir_okay=False), default=None,
              help="JSON or CSV mapping of domain or name -> outlet name, over the shipped one "
                   "(\"theguardian.com\" -> \"The Guardian\").")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format of the summary.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None, metavar="N",
              help=f"Size limit per file (per line for JSON Lines); default {DEFAULT_MAX_BYTES}.")
@click.option("--input-format", type=click.Choice([*INPUT_FORMATS, *PLANNED_FORMATS]),
              default=None, help="Read every input as this kind instead of recognising it "
                                 "from its extension or content.")
@click.option("--no-analyze", is_flag=True, help="Store the articles without analysing them.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes for the language model (2 on a 2-core machine).")
@click.option("--progress/--no-progress", default=None,
              help="Show progress (articles, articles/s, time left) on stderr; default: when "
                   "stderr is a terminal.")
@click.option("--no-stories", is_flag=True,
              help="Do not assign the articles to stories now (`corroborate recluster` does).")
@fetch_options
@click.option("--no-fetch", is_flag=True,
              help="Fetch nothing: web addresses and sitemaps are named as not read.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local",
              show_default=True,
              help="Where reading, analysis and embedding run: this process, or Ray Data "
                   "workers (pip install 'corroborate[ray]'); stories and writes stay here.")
@click.option("--address", metavar="ADDRESS", default=None,
              help="With --engine ray: the Ray cluster to use (`ray start --head` prints it; "
                   "auto: the one on this machine); default a local instance.")
@click.option("--workers", type=click.IntRange(1, 4096), default=None, metavar="N",
              help="With --engine ray: analysis workers, one CPU each (default: every CPU).")
@click.option("-v", "--verbose", is_flag=True,
              help="Also list on stderr each input a directory walk skipped, and each article "
                   "stored as a summary only or flagged as a stub, with the reason (else the "
                   "summary counts them).")
@handle_errors
def ingest(paths: tuple[str, ...], db: str | None, source: str | None, source_map: str | None,
           fmt: str, max_bytes: int | None, input_format: str | None, no_analyze: bool,
           jobs: int, progress: bool | None, no_stories: bool, url_files: tuple[str, ...],
           fetch_links: bool, rate: float, timeout: float, contact: str | None,
           no_fetch: bool, engine: str, address: str | None, workers: int | None,
           verbose: bool) -> None:
    """Read articles into the database, analyse them and assign each to a story.

    Each new article joins the story of the same event among the active stories (or opens
    a new one) in the same transaction as its write; see `corroborate stories`. With
    --no-analyze the analysis waits until a brief needs it.

    PATHS are .txt/.md files (optional Source:/Date:/URL: header, then the title line),
    .html/.htm pages, .jsonl/.ndjson/.json files (fields title, text, source, url,
    published; news-please and JSON Feed fields too), feeds (.xml/.rss/.atom, JSON Feed: one
    article per entry; with --fetch-links an entry with only a summary is replaced by the page
    it links to), WARC/ARC archives (one article per HTML page), any of these gzipped,
    directories (searched recursively), - for standard input, or http(s):// addresses (also
    listed in --urls FILE); stdin and files with no telling extension are recognised from
    their content (--input-format forces a kind).

    Web addresses are fetched politely: robots.txt respected (a page it disallows is named
    as rejected), --rate seconds between requests to one host, --timeout per request, three
    tries with back-off on network errors, 429 and 5xx, redirects followed. A page is one
    article (its final URL and fetch time kept as fetched_url and fetched_at), a feed gives
    its entries, a sitemap (or a sitemap file named here) its pages. Fetched again, an
    unchanged address costs a conditional request (ETag, Last-Modified) and no article, and
    feed entries and sitemap pages read before are passed over (kept in the database).

    With --engine ray, reading, analysis and embedding run on Ray Data workers (a local
    instance with --workers CPUs, or the cluster at --address); the story assignment and the
    writes stay in this process, in input order, so articles, analyses, stories and
    rejections are those of --engine local. It reads files only (not - or web addresses).

    Several ingests may write to one database at once: each article's transaction waits
    for the other's (a line says so), and both processes' articles join the same stories.
    Ctrl-C stops after saying what went in; the same command again goes on where it stopped.

    Each bad input gets one line on stderr naming it and the reason; the rest is ingested.
    What a directory walk passes over as no article (images, style sheets, scripts, sitemaps,
    hidden files, README/LICENSE, other extensions) and the articles stored as a summary only
    or flagged as possible stubs are counted in the summary; -v lists each on stderr.
    Exit code 0 when nothing was rejected, 1 when something was.

    \b
    Examples:
      corroborate ingest examples/
      corroborate ingest --source "Pacific Wire" story.txt
      corroborate ingest pages/ --source-map outlets.csv
      cat feed.jsonl | corroborate ingest - --format json
      corroborate ingest export.dat --input-format jsonl
      corroborate ingest archive.jsonl --engine ray --address auto
      corroborate ingest https://example.org/news/story.html --rate 2
      corroborate ingest --urls feeds.txt --fetch-links --contact me@example.org
      corroborate ingest https://example.org/news-sitemap.xml
    """
    from corroborate.analyze import Analyzer
    from corroborate.progress import Progress
    from corroborate.store import IngestReport, ingest_articles

    if not paths and not url_files:
        raise UsageError("nothing to ingest: give PATH... (files, directories, -, web "
                         "addresses) or --urls FILE")
    if engine == "local" and (address is not None or workers is not None):
        raise UsageError("--address and --workers go with --engine ray: add --engine ray")

    settings = _settings(db).with_overrides(max_bytes=max_bytes)
    options = IngestOptions(source=source, max_bytes=settings.max_bytes,
                            min_words=settings.min_words, input_format=input_format,
                            outlets=load_outlet_names(source_map) if source_map else None)
    walked = list_inputs(paths)
    items = [*walked.items, *_url_lists(url_files)]
    skipped = walked.skipped
    if verbose:
        for passed in skipped:
            click.echo(f"skipped: {passed.input}: {passed.reason}", err=True)
    named = frozenset(paths)
    stdin = _stdin(paths)
    show_progress = sys.stderr.isatty() if progress is None else progress
    bar = Progress("ingesting", _estimate_articles(items, input_format), enabled=show_progress)
    counts = {"ingested": 0, "present": 0, "rejected": 0}

    def say(message: str) -> None:
        bar.finish()
        click.echo(message, err=True)

    languages: dict[str, int] = {}
    # the new articles stored as a summary only, and flagged as possible stubs: counts, and
    # their ids for --format json (the text summary holds nothing per article, so a run of
    # any length keeps its memory)
    details = fmt == "json"
    flagged: dict[str, int] = {"summary": 0, "stub": 0}
    flagged_ids: dict[str, list[str]] = {"summary": [], "stub": []}

    def on_result(item: Article | Rejection, status: str) -> None:
        counts[status] += 1
        if isinstance(item, Rejection):
            say(f"rejected: {item.input}: {item.reason}")
        else:
            in_flight.discard(item.id)
        if status == "ingested" and isinstance(item, Article):
            language = str(item.metadata.get("language", "und"))
            languages[language] = languages.get(language, 0) + 1
            flag = _flag_of(item)
            if flag is not None:
                flagged[flag[0]] += 1
                if details:
                    flagged_ids[flag[0]].append(item.id)
                if verbose:
                    say(f"flagged: {item.origin or item.path or item.id}: {flag[1]}")
        bar.advance()

    # new articles read by this run and not yet reported, so that an interrupt can say how
    # many the database holds (Ctrl-C may land between an article's commit and its count)
    in_flight: set[str] = set()

    def results(store: Any, web: _Web) -> Any:
        for item in items:
            for result in web.read(item, stdin=stdin, named=named):
                if isinstance(result, Article):
                    if len(result.text) >= LARGE_ARTICLE_CHARS:
                        name = result.origin or result.path or result.id
                        say(f"note: {name}: {len(result.text):,} characters; analysing it "
                            "can take a minute or more")
                    if not store.has_article(result.id):
                        in_flight.add(result.id)
                yield result

    analyzer = None if no_analyze else Analyzer()
    report = IngestReport()
    try:
        with bar, _open_store(db, create=True, on_wait=say) as store:
            web = _Web(store, options, fetch=not no_fetch, fetch_links=fetch_links, rate=rate,
                       timeout=timeout, contact=contact, max_bytes=settings.max_bytes)
            try:
                book, features_for = (None, None) if no_stories else _story_book(store)
                if engine == "ray":
                    from corroborate.store.ray_engine import ingest_with_ray

                    report = ingest_with_ray(store, items, options, analyze=not no_analyze,
                                             stories=book, on_result=on_result,
                                             on_new=lambda article: in_flight.add(article.id),
                                             address=address, workers=workers, details=details)
                else:
                    report = ingest_articles(store, results(store, web), analyzer,
                                             n_process=jobs, on_result=on_result,
                                             stories=book, features_for=features_for,
                                             details=details)
                web.commit(report.rejected)
            finally:
                web.close()
    except KeyboardInterrupt:
        with _open_store(db) as store:
            counts["ingested"] += sum(store.has_article(aid) for aid in in_flight)
        click.echo(f"interrupted after {counts['ingested']} ingested, {counts['present']} "
                   f"already present, {counts['rejected']} rejected"
                   f"{_skipped_summary(skipped)} ({settings.db_path}); "
                   "what was stored stays stored, articles still being analysed were not: run "
                   "the same command again to go on", err=True)
        sys.exit(EXIT_INTERRUPTED)
    stories = report.stories
    other = {code: n for code, n in languages.items() if not analysable(code)}
    if other:
        listed = ", ".join(f"{code} {n}" for code, n in sorted(other.items(),
                                                                key=lambda kv: (-kv[1], kv[0])))
        click.echo(f"note: {sum(other.values())} of {report.ingested_count} articles are not "
                   f"in English ({listed}): {_NOT_ENGLISH}", err=True)
    if fmt == "json":
        click.echo(json.dumps({
            "db": str(settings.db_path), "seconds": round(bar.elapsed, 3),
            "languages": dict(sorted(languages.items())),
            "ingested": report.ingested, "present": report.present,
            "rejected": [{"input": r.input, "reason": r.reason} for r in report.rejected],
            "skipped": [{"input": s.input, "kind": s.kind, "reason": s.reason}
                        for s in skipped],
            "skipped_counts": count_skipped(skipped),
            "summaries_only": flagged_ids["summary"], "stubs": flagged_ids["stub"],
            "stories": {aid: report.story_of[aid] for aid in report.ingested
                        if aid in report.story_of},
            "story_changes": [{"kind": c.kind, "story": c.story, "article_id": c.article_id,
                               "previous": c.previous} for c in report.changes
                              if c.kind != "assign"],
            **({"fetch": web.as_json()} if web.reader is not None else {}),
        }, indent=2))
    else:
        tail = (f", into {len(stories)} {'story' if len(stories) == 1 else 'stories'}"
                if stories else "")
        click.echo(f"{report.ingested_count} ingested, {report.present_count} already present, "
                   f"{len(report.rejected)} rejected{_skipped_summary(skipped)}"
                   f"{_flagged_summary(flagged)}{web.summary()} ({settings.db_path}){tail}; "
                   f"{bar.summary()}")
    if report.rejected:
        sys.exit(EXIT_REJECTED)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(_ctx: Any, _param: Any, value: str) -> float:
    """Seconds of a duration written ``30s``, ``10m``, ``2h``, ``1d`` or a plain number."""
    match = _DURATION.match(value)
    if match is None or float(match.group(1)) <= 0:
        raise click.BadParameter(f"{value!r}: give a duration such as 30s, 10m, 2h or 1d")
    return float(match.group(1)) * _SECONDS[match.group(2).lower()]


@main.command(name="watch")
@click.argument("addresses", nargs=-1, metavar="FEED_OR_URL...")
@db_option
@click.option("--every", default="10m", show_default=True, metavar="DURATION",
              callback=_duration,
              help="Time between the starts of two rounds (30s, 10m, 2h, 1d; a number alone is "
                   "seconds).")
@click.option("--once", is_flag=True,
              help="One round, then stop (exit 1 when something was rejected or could not be "
                   "fetched).")
@fetch_options
@click.option("--no-analyze", is_flag=True, help="Store the articles without analysing them.")
@click.option("--no-stories", is_flag=True,
              help="Do not assign the articles to stories now (`corroborate recluster` does).")
@handle_errors
def watch_cmd(addresses: tuple[str, ...], db: str | None, every: float, once: bool,
              url_files: tuple[str, ...], fetch_links: bool, rate: float, timeout: float,
              contact: str | None, no_analyze: bool, no_stories: bool) -> None:
    """Poll feeds and ingest their new entries, round after round, until Ctrl-C.

    Each round fetches every FEED_OR_URL (an RSS, Atom, RDF or JSON feed; a sitemap or news
    sitemap; a page) as `corroborate ingest` does (robots.txt, --rate, --timeout, tries with
    back-off), asking conditionally (ETag, Last-Modified) so that an unchanged feed costs a
    304 and nothing more. Its new entries are analysed, stored and assigned to stories; the
    entries already read are passed over. What was fetched and read is kept in the database,
    so a restart goes on where the last run stopped and never stores an article twice.

    A feed that cannot be fetched (the network, the server down, HTTP 5xx) gets one line on
    stderr, and the next round tries again; one line per round says what went in. Ctrl-C
    stops with a summary (exit 130); --once runs one round (exit 0, or 1 when something was
    rejected or could not be fetched).

    \b
    Examples:
      corroborate watch https://example.org/feed.xml --every 10m
      corroborate watch --urls feeds.txt --fetch-links --db news.db
      corroborate watch https://example.org/news-sitemap.xml --once
    """
    import time
    from datetime import datetime

    from corroborate.analyze import Analyzer
    from corroborate.ingest import is_url
    from corroborate.ingest.fetch import FetchStats
    from corroborate.store import ingest_articles

    def say(message: str) -> None:
        click.echo(message, err=True)

    targets: list[str | Rejection] = [*addresses, *_url_lists(url_files)]
    bad = [t if isinstance(t, Rejection) else
           Rejection(t, "not a web address: watch polls http(s):// addresses (read files "
                        "with `corroborate ingest`)")
           for t in targets if isinstance(t, Rejection) or not is_url(t)]
    urls = list(dict.fromkeys(t.strip() for t in targets
                              if isinstance(t, str) and is_url(t)))
    for rejection in bad:
        say(f"rejected: {rejection.input}: {rejection.reason}")
    if not urls:
        raise UsageError("nothing to watch: give feed addresses (http(s)://...) or --urls FILE")
    settings = _settings(db)
    options = IngestOptions(max_bytes=settings.max_bytes, min_words=settings.min_words)
    totals = {"ingested": 0, "present": 0, "rejected": len(bad)}
    counts = dict.fromkeys(totals, 0)
    rounds = 0

    def on_result(item: Article | Rejection, status: str) -> None:
        counts[status] += 1
        totals[status] += 1
        if isinstance(item, Rejection):
            say(f"rejected: {item.input}: {item.reason}")

    analyzer = None if no_analyze else Analyzer()
    try:
        with _open_store(db, create=True, on_wait=say) as store:
            web = _Web(store, options, fetch=True, fetch_links=fetch_links, rate=rate,
                       timeout=timeout, contact=contact, max_bytes=settings.max_bytes)
            try:
                book, features_for = (None, None) if no_stories else _story_book(store)
                reader = web.web_reader()
                while True:
                    rounds += 1
                    started = time.monotonic()
                    counts.update(dict.fromkeys(counts, 0))
                    reader.stats = FetchStats()  # this round's
                    stories: set[int] = set()
                    for url in urls:
                        report = ingest_articles(store, reader.read(url), analyzer,
                                                 on_result=on_result, stories=book,
                                                 features_for=features_for)
                        reader.commit({r.input for r in report.rejected})
                        stories.update(report.story_of[a] for a in report.ingested
                                       if a in report.story_of)
                    tail = (f", into {len(stories)} {'story' if len(stories) == 1 else 'stories'}"
                            if stories else "")
                    click.echo(f"{datetime.now().strftime('%H:%M:%S')} round {rounds}: "
                               f"{counts['ingested']} ingested, {counts['present']} already "
                               f"present, {counts['rejected']} rejected, "
                               f"{len(reader.stats.unchanged)} unchanged, "
                               f"{reader.stats.seen_before} entries read before "
                               f"({settings.db_path}){tail}")
                    if once:
                        break
                    reader.fetcher.forget_robots()  # read again each round
                    time.sleep(max(0.0, every - (time.monotonic() - started)))
            finally:
                web.close()
    except KeyboardInterrupt:
        click.echo(f"stopped after {rounds} {'round' if rounds == 1 else 'rounds'}: "
                   f"{totals['ingested']} ingested, {totals['present']} already present, "
                   f"{totals['rejected']} rejected ({settings.db_path}); what was stored stays "
                   "stored, and the same command again goes on from there", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if counts["rejected"] or bad:
        sys.exit(EXIT_REJECTED)


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--source", metavar="NAME", help="Only articles of this outlet.")
@click.option("--limit", type=int, default=None, help="At most this many articles.")
@handle_errors
def articles(db: str | None, fmt: str, source: str | None, limit: int | None) -> None:
    """List the stored articles (id, outlet, date, title).

    \b
    Examples:
      corroborate articles
      corroborate articles --source "Pacific Wire Service" --format json
    """
    with _open_store(db) as store:
        rows = store.list_articles(limit=limit, source=source)
    if fmt == "json":
        click.echo(json.dumps([
            {"id": r.id, "source": r.source, "title": r.title, "published": r.published,
             "url": r.url, "path": r.path, "sentences": r.sentences, "quotes": r.quotes}
            for r in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        if source or limit is not None:
            click.echo("no articles match")
        else:
            click.echo("no articles stored yet: see `corroborate ingest --help`")
        return
    for r in rows:
        date = (r.published or "")[:10] or "----------"
        click.echo(f"{r.id}  {date}  {r.source[:24]:<24}  {r.title}")


def _load_analysis(target: str, db: str | None) -> Any:
    """Analysis of a file (analysed now) or of a stored article id (as stored)."""
    from corroborate.analyze import analyze

    path = Path(target)
    if target == "-" or path.exists():
        if path.is_dir():
            raise CorroborateError(f"{target}: is a directory; analyze takes one article")
        found = [r for r in read_one(target if target == "-" else str(path), IngestOptions(),
                                     stdin=_stdin([target]))]
        rejected = [r for r in found if isinstance(r, Rejection)]
        arts = [r for r in found if isinstance(r, Article)]
        if not arts:
            first = rejected[0] if rejected else Rejection(target, "no article found")
            raise InputError(first.input, first.reason)
        if len(arts) > 1:
            click.echo(f"note: {target} holds {len(arts)} articles; analysing the first",
                       err=True)
        return analyze(arts[0])
    if not re.fullmatch(r"[0-9a-fA-F]{1,16}", target):
        raise InputError(target, "no such file or directory (and not an article id)")
    with _open_store(db) as store:
        stored = store.get_analysis(target)
        if stored is not None:
            return stored
        return analyze(store.get_article(target))


@main.command(name="analyze")
@click.argument("target", metavar="FILE_OR_ID")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@handle_errors
def analyze_cmd(target: str, db: str | None, fmt: str) -> None:
    """Analyse one article: sentences, entities, quantities, dates, quotes, attributions.

    FILE_OR_ID is a file of any ingestible kind (analysed now, nothing stored) or the id
    (or a unique id prefix) of a stored article.

    \b
    Examples:
      corroborate analyze examples/summit/pacific-wire.txt
      corroborate analyze 3f2a --format json
    """
    from corroborate.report import analysis_to_dict, analysis_to_text

    analysis = _load_analysis(target, db)
    if fmt == "json":
        click.echo(json.dumps(analysis_to_dict(analysis), indent=2, ensure_ascii=False))
    else:
        click.echo(analysis_to_text(analysis))


@main.command()
@click.argument("article_id")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@handle_errors
def show(article_id: str, db: str | None, fmt: str) -> None:
    """Print one stored article with its analysis.

    \b
    Examples:
      corroborate show 3f2a
      corroborate show 3f2a9c0d1e2f3a4b --format json
    """
    from corroborate.report import analysis_to_dict, analysis_to_text

    with _open_store(db) as store:
        article = store.get_article(article_id)
        analysis = store.get_analysis(article.id)
    if fmt == "json":
        if analysis is None:
            click.echo(json.dumps({"article": {"id": article.id, "source": article.source,
                                               "title": article.title, "text": article.text}},
                                  indent=2, ensure_ascii=False))
        else:
            doc = analysis_to_dict(analysis)
            doc["article"]["text"] = article.text
            click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    click.echo(article.title)
    language = article.metadata.get("language")
    click.echo(f"id {article.id} · {article.source} · {article.published or 'date unknown'}"
               + (f" · language {language}" if language else ""))
    if not analysable(language):
        click.echo(_NOT_ENGLISH)
    click.echo("")
    click.echo(article.text)
    click.echo("")
    if analysis is None:
        click.echo("(stored without analysis: run `corroborate analyze ID`)")
    else:
        click.echo("\n".join(analysis_to_text(analysis).splitlines()[2:]))


def _compare_inputs(inputs: tuple[str, ...], db: str | None) -> tuple[list[Any], list[Rejection]]:
    """Analyses for compare: files of any ingestible kind (analysed now, nothing stored) and
    stored article ids (their stored analysis). Rejected files are returned, not raised."""
    from corroborate.analyze import Analyzer

    found: list[Article] = []
    rejected: list[Rejection] = []
    stored: list[Any] = []
    ids: list[str] = []
    for target in inputs:
        path = Path(target)
        if target == "-" or path.exists():
            for item in expand_inputs([target]):
                for item_read in read_one(item, IngestOptions(), stdin=_stdin([target])):
                    if isinstance(item_read, Rejection):
                        rejected.append(item_read)
                    else:
                        found.append(item_read)
        elif re.fullmatch(r"[0-9a-fA-F]{1,16}", target):
            ids.append(target)
        else:
            rejected.append(Rejection(target, "no such file or directory (and not an article id)"))
    analyzer: Analyzer | None = None
    if ids:
        with _open_store(db) as store:
            for target in ids:
                analysis = store.get_analysis(target)
                if analysis is None:
                    analyzer = analyzer or Analyzer()
                    analysis = analyzer.analyze(store.get_article(target))
                stored.append(analysis)
    analyses: list[Any] = []
    if found:
        analyzer = analyzer or Analyzer()
        for article, outcome in analyzer.analyze_stream(found):
            if isinstance(outcome, Exception):
                rejected.append(Rejection(article.path or article.id,
                                          f"analysis failed ({outcome})"))
            else:
                analyses.append(outcome)
    return analyses + stored, rejected


brief_format_option = click.option(
    "--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md",
    show_default=True,
    help="Brief format: Markdown, JSON (corroborate.brief/3) or a standalone HTML page.")
brief_output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
    help="Write the brief to this file instead of standard output.")


def _write_brief(brief: Any, fmt: str, output: str | None) -> None:
    from corroborate.report import brief_to_dict, brief_to_html, brief_to_markdown

    doc = brief_to_dict(brief)
    if fmt == "json":
        rendered = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        rendered = brief_to_html(doc)
    else:
        rendered = brief_to_markdown(doc)
    if output:
        try:
            Path(output).write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise CorroborateError(f"{output}: cannot write the brief ({exc.strerror})") from exc
        click.echo(f"wrote {output} ({doc['counts']['agreed']} agreed, "
                   f"{doc['counts']['single']} single-source, {doc['counts']['disputed']} "
                   "disputed)", err=True)
    else:
        click.echo(rendered, nl=False)


@main.command(name="compare")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@db_option
@brief_format_option
@brief_output_option
@handle_errors
def compare_cmd(inputs: tuple[str, ...], db: str | None, fmt: str, output: str | None) -> None:
    """Compare reports of one event: facts the outlets agree on, facts one outlet alone
    reports, and disputed facts with the differing values side by side, each traced to its
    sentence.

    INPUT is a file of any ingestible kind (a .jsonl file may hold several articles), a
    directory, - for standard input, or the id (or unique prefix) of a stored article.
    Rejected inputs are named on stderr; the others are compared (exit code 1).

    \b
    Examples:
      corroborate compare examples/summit/
      corroborate compare a.txt b.html --format html -o brief.html
      corroborate compare 3f2a 9c0d --format json
    """
    from corroborate.align import Comparer

    analyses, rejected = _compare_inputs(inputs, db)
    for r in rejected:
        click.echo(f"rejected: {r.input}: {r.reason}", err=True)
    if not analyses:
        raise InputError(", ".join(inputs), "no article could be read; nothing to compare")
    _write_brief(Comparer().compare(analyses), fmt, output)
    if rejected:
        sys.exit(EXIT_REJECTED)


STORIES_SCHEMA = "corroborate.stories/1"


@main.command(name="stories")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format (json: corroborate.stories/1).")
@click.option("--since", metavar="DATE", default=None,
              help="Only stories with an article published on or after DATE (YYYY-MM-DD).")
@click.option("--min-outlets", type=click.IntRange(min=1), default=1, show_default=True,
              help="Only stories reported by at least this many outlets.")
@click.option("--sort", "order", type=click.Choice(["recent", "size"]), default="recent",
              show_default=True, help="Newest activity first, or largest first.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N stories.")
@handle_errors
def stories_cmd(db: str | None, fmt: str, since: str | None, min_outlets: int, order: str,
                limit: int | None) -> None:
    """List the stories: articles grouped by event as they were ingested.

    \b
    Examples:
      corroborate stories
      corroborate stories --min-outlets 2 --sort size --limit 10
      corroborate stories --since 2026-10-01 --format json
    """
    from corroborate.store.stories import list_stories

    if since is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", since):
        raise UsageError(f"--since {since!r}: expected a date such as 2026-10-14")
    with _open_store(db) as store:
        found = list_stories(store, since=since, min_outlets=min_outlets, limit=limit,
                             order=order)
    if fmt == "json":
        click.echo(json.dumps({"schema": STORIES_SCHEMA,
                               "stories": [story.to_dict() for story in found]},
                              indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("no stories (ingest articles first: corroborate ingest PATH)")
        return
    for story in found:
        dates = " .. ".join(sorted({(story.first_published or "")[:10],
                                    (story.last_published or "")[:10]} - {""})) or "undated"
        click.echo(f"{story.id:>5}  {story.articles:>3} articles  {len(story.outlets):>2} "
                   f"outlets  {dates:<24}  {story.headline}")


@main.command(name="brief")
@click.argument("story_id", metavar="STORY_ID")
@db_option
@brief_format_option
@brief_output_option
@handle_errors
def brief_cmd(story_id: str, db: str | None, fmt: str, output: str | None) -> None:
    """The comparison brief of one story (same as `corroborate compare` on its articles).

    STORY_ID is a number from `corroborate stories`, or `largest` for the story with the most
    articles. Articles stored without analysis (ingest --no-analyze) are analysed now and the
    analysis is stored. A story merged into another gives the brief of the story it lives on in.

    \b
    Examples:
      corroborate brief 3
      corroborate brief largest
      corroborate brief 3 --format html -o story3.html
    """
    from corroborate.align import Comparer
    from corroborate.analyze import Analyzer
    from corroborate.progress import Progress
    from corroborate.store.stories import list_stories, parse_story_id, story_article_ids

    analyses = []
    with _open_store(db) as store:
        if story_id.strip().lower() == "largest":
            top = list_stories(store, order="size", limit=1)
            if not top:
                raise NotFoundError(f"no stories in {store.path}: ingest articles first")
            sid = top[0].id
        else:
            sid = parse_story_id(story_id)
        ids = story_article_ids(store, sid)
        missing = [aid for aid in ids if store.get_analysis(aid) is None]
        analyzer: Analyzer | None = None
        bar = Progress("analysing", len(missing), enabled=bool(missing) and sys.stderr.isatty())
        with bar:
            for aid in ids:
                analysis = store.get_analysis(aid)
                if analysis is None:
                    analyzer = analyzer or Analyzer()
                    analysis = analyzer.analyze(store.get_article(aid))
                    store.set_analysis(analysis)
                    bar.advance()
                analyses.append(analysis)
    if len(analyses) >= LARGE_STORY_ARTICLES and sys.stderr.isatty():
        click.echo(f"comparing {len(analyses)} articles of story {sid}; this can take a "
                   "minute or more", err=True)
    _write_brief(Comparer().compare(analyses), fmt, output)


@main.command(name="recluster")
@db_option
@handle_errors
def recluster_cmd(db: str | None) -> None:
    """Assign every stored article to stories again, in arrival order, with the current
    model and settings (after an upgrade, or for articles ingested with --no-stories).
    One transaction: readers see the old stories or the new ones.

    \b
    Examples:
      corroborate recluster
      corroborate recluster --db archive.db
    """
    from corroborate.embed import story_embedder
    from corroborate.store.stories import recluster
    from corroborate.stories.stream import features_of

    embedder = story_embedder()
    with _open_store(db) as store:
        bar = _progress("reclustering", store.count_articles())

        def on_progress(done: int, total: int) -> None:
            bar.advance(done - bar.done)

        with bar:
            count = recluster(store, lambda articles: features_of(articles, embedder),
                              on_progress=on_progress)
        total = store.count_articles()
    click.echo(f"{total} articles in {count} stories ({_settings(db).db_path}); "
               f"{bar.summary()}")


@main.group(name="eval")
def eval_group() -> None:
    """Measure the analytic stages on annotated data."""


@eval_group.command(name="analysis")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--errors", "show_errors", is_flag=True, help="List every miss and false alarm.")
@click.option("--baseline/--no-baseline", default=True, show_default=True,
              help="Also score the plain-spaCy peer baseline in the same run.")
@handle_errors
def eval_analysis(file: str, fmt: str, show_errors: bool, baseline: bool) -> None:
    """Score the analyzer on hand-annotated passages (JSON Lines: text, published, quotes,
    attributions, quantities, dates), per field: precision, recall, F1, and for quotes the
    speaker accuracy.

    \b
    Example:
      corroborate eval analysis benchmarks/data/analysis_test.jsonl
    """
    from corroborate.analyze import Analyzer
    from corroborate.evaluate import evaluate_analysis, load_annotations, spacy_baseline

    records = load_annotations(Path(file))
    analyzer = Analyzer()
    with _progress("analysing", len(records), unit="passages") as bar:
        result = evaluate_analysis(records, _counted(analyzer.analyze, bar))
    peer = evaluate_analysis(records, spacy_baseline(analyzer.nlp)) if baseline else None
    if fmt == "json":
        doc = {"corroborate": result.to_dict(include_errors=show_errors)}
        if peer is not None:
            doc["spacy_baseline"] = peer.to_dict()
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo("Corroborate analyzer")
    click.echo(result.to_text(include_errors=show_errors))
    if peer is not None:
        click.echo("\nPeer baseline: plain spaCy entities and subjects of say/tell (same model)")
        click.echo(peer.to_text())


@eval_group.command(name="pairs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--cross-validate", "folds", type=click.IntRange(min=0), default=0,
              show_default=True, metavar="K",
              help="Re-run the calibration in K folds of FILE (for files the aligner was "
              "calibrated on, e.g. MSRP train); 0 scores the shipped aligner as it is.")
@click.option("--train-extra", type=click.Path(exists=True, dir_okay=False), default=None,
              help="With --cross-validate: pairs added to every training fold, as in the "
              "shipped calibration (ECB+ sentence pairs train).")
@handle_errors
def eval_pairs(file: str, fmt: str, folds: int, train_extra: str | None) -> None:
    """Score the aligner on a sentence-pair file (JSON Lines with a, b, label 0/1): f1,
    precision, recall, accuracy, auc and pairs per second, next to two peers run in the same
    call (TF-IDF cosine, plain MiniLM cosine) with thresholds calibrated on the same training
    data. Nothing is tuned on FILE.

    \b
    Examples:
      corroborate eval pairs ../shared/data/ecbplus/sentpairs_dev.jsonl
      corroborate eval pairs ../shared/data/msrp/pairs_train.jsonl --cross-validate 10 \\
          --train-extra ../shared/data/ecbplus/sentpairs_train.jsonl
    """
    from corroborate.align.pairs import load_pairs
    from corroborate.align.scorer import load_default_scorer, load_peer_thresholds
    from corroborate.embed import MiniLMEmbedder
    from corroborate.evaluate_pairs import evaluate_pairs

    if train_extra and folds < 2:
        raise UsageError("--train-extra needs --cross-validate K (K >= 2)")
    pairs = load_pairs(Path(file))
    extra = load_pairs(Path(train_extra)) if train_extra else []
    embedder = MiniLMEmbedder()
    embedder.embed(["warm up"])  # model load is not counted in pairs per second
    result = evaluate_pairs(pairs, embedder, load_default_scorer(),
                            peer_thresholds=load_peer_thresholds(), folds=folds,
                            extra_train=extra)
    doc = {"file": file, "embedder": embedder.name, **result.to_dict()}
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"{file}: {result.pairs} pairs ({result.positives} positive), {result.mode}, "
               f"{embedder.name}")
    click.echo(f"{'':<16}{'f1':>8}{'prec':>8}{'recall':>8}{'acc':>8}{'auc':>8}")
    for name, s in [("corroborate", result.corroborate), *result.peers.items()]:
        click.echo(f"{name:<16}{s.f1:>8.4f}{s.precision:>8.4f}{s.recall:>8.4f}"
                   f"{s.accuracy:>8.4f}{s.auc:>8.4f}")
    click.echo(f"pairs per second (aligner, after model load): {result.pairs_per_second:.0f}")


@eval_group.command(name="stories")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@handle_errors
def eval_stories(file: str, fmt: str) -> None:
    """Cluster a gold-labelled JSON Lines file (an `event` field per article) into stories
    and score against the gold events: B-cubed precision/recall/F1, ARI, NMI.

    The articles go one by one, in date order (file order without dates), through the
    same path as `corroborate ingest` (story features, assignment, one transaction each)
    into a fresh temporary database, without the per-article analysis (assignment does not
    use it). The clustering never sees the `event` or `topic` fields.

    \b
    Examples:
      corroborate eval stories ../shared/data/ecbplus/articles_dev.jsonl
      corroborate eval stories ../shared/data/basil/articles.jsonl --format json
    """
    from corroborate.evaluate_stories import evaluate_stories_file

    with _progress("clustering", None) as bar:

        def on_progress(done: int, total: int) -> None:
            bar.total = total
            bar.advance(done - bar.done)

        result = evaluate_stories_file(Path(file), on_progress=on_progress)
    for r in result.rejected:
        click.echo(f"rejected: {r.input}: {r.reason}", err=True)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(result.to_text())
    if result.rejected:
        sys.exit(EXIT_REJECTED)


@eval_group.command(name="briefs")
@click.argument("gold", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False),
                metavar="GOLD.json...")
@click.option("--articles", "article_inputs", multiple=True, required=True,
              type=click.Path(exists=True),
              help="Articles the gold names (any ingestible file or directory; repeatable). "
              "A gold article id matches a JSON Lines `id`, a stored id or a path.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--misses", "show_misses", is_flag=True,
              help="List every gold item the brief gets wrong.")
@handle_errors
def eval_briefs(gold: tuple[str, ...], article_inputs: tuple[str, ...], fmt: str,
                show_misses: bool) -> None:
    """Score the comparison against claim-level gold (corroborate.claims-gold/1): for each
    gold event, compare its articles and print agreed recall and precision, single-source
    accuracy, disputed recall and precision, and quote-speaker accuracy, per event and in
    total. Only the articles a gold file names are analysed.

    \b
    Examples:
      corroborate eval briefs ../shared/data/claims/*.gold.json \\
          --articles ../shared/data/basil/articles.jsonl
      corroborate eval briefs benchmarks/data/claims/examples/*.gold.json --articles examples
    """
    from corroborate.align import Comparer
    from corroborate.analyze import Analyzer
    from corroborate.evaluate_briefs import (
        article_keys_of,
        briefs_table,
        evaluate_briefs,
        load_gold,
    )

    golds = [load_gold(Path(g)) for g in gold]
    wanted = {aid for g in golds for aid in g.articles.values()}
    found: list[Article] = []
    rejected: list[Rejection] = []
    for item in expand_inputs(list(article_inputs)):
        for read in read_one(item, IngestOptions()):
            if isinstance(read, Rejection):
                rejected.append(read)
            elif article_keys_of(read) & wanted or any(
                    (read.path or "").endswith("/" + w.lstrip("./")) for w in wanted):
                found.append(read)
    for r in rejected:
        click.echo(f"rejected: {r.input}: {r.reason}", err=True)
    with _progress("analysing", len(found)) as bar:
        analyses = []
        for analysis in Analyzer().analyze_many(found):
            analyses.append(analysis)
            bar.advance()
    comparer = Comparer()
    with _progress("comparing", len(golds), unit="events") as bar:
        result = evaluate_briefs(golds, analyses, _counted(comparer.compare, bar),
                                 comparer.name)
    if fmt == "json":
        click.echo(json.dumps({"schema": "corroborate.eval-briefs/1",
                               **result.to_dict(include_misses=show_misses)}, indent=2))
    else:
        click.echo(briefs_table(result, include_misses=show_misses))
    if rejected:
        sys.exit(EXIT_REJECTED)


@main.command(name="serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default; 0.0.0.0 exposes it).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="TCP port to listen on.")
@click.option("--queue", type=click.IntRange(0, 1000), default=8, show_default=True,
              help="Comparisons that may wait while the worker is busy (0: none); past "
                   "that, requests get HTTP 503 with Retry-After.")
@click.option("--prefetch-every", type=click.FloatRange(0), default=5.0, show_default=True,
              help="Seconds between looks for changed stories whose brief to compute ahead "
                   "(0: only on view).")
@handle_errors
def serve_cmd(db: str | None, host: str, port: int, queue: int,
              prefetch_every: float) -> None:
    """Serve a local web site over the database: the stories, each story's brief with every
    fact linked to its sentence, articles, side-by-side reading, a compare form for pasted
    articles and a JSON API (/api/..., described at /openapi.json).

    Pages read the database, so they keep working while `corroborate ingest` writes; the
    server's one write is its brief cache. Analysis and comparison run on a worker, never
    blocking other pages; each story's brief is computed once, kept in the database and
    computed ahead when an ingest changes it.

    \b
    Examples:
      corroborate serve
      corroborate serve --db archive.db --port 8080
      corroborate serve --queue 2 --prefetch-every 0
    """
    from corroborate.errors import ModelUnavailableError

    try:
        import uvicorn

        from corroborate.web import create_app
    except ImportError as exc:
        raise ModelUnavailableError(
            f"the web server needs fastapi, uvicorn and jinja2 ({exc.name or exc} is missing): "
            "pip install 'corroborate[web]'") from exc
    path = _settings(db).db_path
    app = create_app(path, queue=queue, prefetch_every=prefetch_every)
    sock = _listening_socket(host, port)  # before "serving": a busy port is one clear line
    click.echo(f"serving {path} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def _listening_socket(host: str, port: int) -> Any:
    """A socket bound to ``host:port``, or :class:`ListenError` saying why not."""
    import errno
    import socket

    from corroborate.errors import ListenError

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ListenError(f"cannot listen on {host}:{port}: no such address ({exc}); "
                          "pass --host 127.0.0.1 or a local address") from exc
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ListenError(f"cannot listen on {host}:{port}: the port is in use by another "
                              "program (another `corroborate serve`?); pick another with "
                              "--port") from exc
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick "
                          "another --host or --port") from exc


if __name__ == "__main__":  # pragma: no cover
    main()
