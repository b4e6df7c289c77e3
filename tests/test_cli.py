from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from corroborate.cli import main
from corroborate.model import Article

ROOT = Path(__file__).resolve().parent.parent


def run(runner: CliRunner, *args: str, input: bytes | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def test_ingest_list_show_analyze(runner: CliRunner, db_path: Path, examples: Path) -> None:
    r = run(runner, "ingest", str(examples), "--db", str(db_path))
    assert r.exit_code == 0, r.output
    assert "10 ingested, 0 already present, 0 rejected" in r.output
    again = run(runner, "ingest", str(examples), "--db", str(db_path))
    assert "0 ingested, 10 already present" in again.output
    listing = run(runner, "articles", "--db", str(db_path), "--format", "json")
    rows = json.loads(listing.output)
    assert len(rows) == 10
    wire = next(r for r in rows if r["source"] == "Pacific Wire Service")
    shown = run(runner, "show", wire["id"][:8], "--db", str(db_path))
    assert shown.exit_code == 0 and "Quotes:" in shown.output
    analysed = run(runner, "analyze", wire["id"], "--db", str(db_path), "--format", "json")
    assert json.loads(analysed.output)["article"]["id"] == wire["id"]


def test_rejections_are_one_line_each_and_exit_1(runner: CliRunner, db_path: Path,
                                                 tmp_path: Path, examples: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01" * 100)
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"title": "x", "text": "too short"}\n{broken\n')
    r = run(runner, "ingest", str(tmp_path / "bin.txt"), str(feed), str(tmp_path / "missing"),
            str(examples / "summit"), "--db", str(db_path))
    assert r.exit_code == 1
    lines = [line for line in r.output.splitlines() if line.startswith("rejected:")]
    assert len(lines) == 4
    assert any("bin.txt" in line and "binary" in line for line in lines)
    assert any(f"{feed}:2" in line and "malformed JSON" in line for line in lines)
    assert any("missing" in line and "no such file" in line for line in lines)
    assert "3 ingested, 0 already present, 4 rejected" in r.output


def test_json_summary(runner: CliRunner, db_path: Path, examples: Path) -> None:
    r = run(runner, "ingest", str(examples / "factory-fire"), "--db", str(db_path),
            "--format", "json")
    doc = json.loads(r.output)
    assert len(doc["ingested"]) == 3 and doc["rejected"] == []


def test_stdin(runner: CliRunner, db_path: Path) -> None:
    body = ("The ministry said on Monday that at least 12 people were hurt when a bridge "
            "collapsed in the capital, officials said.")
    r = run(runner, "ingest", "-", "--db", str(db_path), "--source", "Wire",
            input=f"Bridge collapse\n\n{body}\n".encode())
    assert r.exit_code == 0 and "1 ingested" in r.output


def test_not_found_exit_code(runner: CliRunner, db_path: Path, examples: Path) -> None:
    run(runner, "ingest", str(examples / "summit"), "--db", str(db_path))
    r = runner.invoke(main, ["show", "abcdef", "--db", str(db_path)])
    assert r.exit_code == 3
    assert r.output.strip().startswith("error:") and len(r.output.strip().splitlines()) == 1


def test_reading_commands_never_create_a_database(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    for args in (["articles"], ["show", "abc"], ["analyze", "abc"]):
        r = runner.invoke(main, [*args, "--db", str(db)])
        assert r.exit_code == 4 and "no such database" in r.output
    assert not db.exists()
    r = runner.invoke(main, ["analyze", "typo.txt", "--db", str(db)])
    assert r.exit_code == 1 and "no such file" in r.output and not db.exists()


def test_bad_settings_are_usage_errors(runner: CliRunner, tmp_path: Path,
                                       examples: Path) -> None:
    r = runner.invoke(main, ["ingest", str(examples), "--db", str(tmp_path / "x.db")],
                      env={"CORROBORATE_MAX_BYTES": "20MB"})
    assert r.exit_code == 2 and "CORROBORATE_MAX_BYTES" in r.output
    r = runner.invoke(main, ["ingest", str(examples), "--max-bytes", "-5"])
    assert r.exit_code == 2


def test_closed_stdin_is_not_touched(runner: CliRunner, db_path: Path, examples: Path,
                                     monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setattr(sys, "stdin", None)
    from corroborate.cli import _stdin

    assert _stdin([str(examples)]) is None
    assert _stdin(["-"]) is None


def test_bad_database_exit_code(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database" * 200)
    r = runner.invoke(main, ["articles", "--db", str(bad)])
    assert r.exit_code == 4 and "not a usable" in r.output


def test_analyze_file_rejected_input(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "short.txt"
    f.write_text("T\n\nshort")
    r = runner.invoke(main, ["analyze", str(f)])
    assert r.exit_code == 1 and "near-empty" in r.output


def test_db_from_environment(runner: CliRunner, tmp_path: Path, examples: Path) -> None:
    db = tmp_path / "env.db"
    r = runner.invoke(main, ["ingest", str(examples / "summit")],
                      env={"CORROBORATE_DB": str(db)})
    assert r.exit_code == 0 and db.exists()


def _commands() -> list[str]:
    names = []
    for name, command in main.commands.items():
        sub = getattr(command, "commands", None)
        if sub:
            names += [f"{name} {s}" for s in sub]
        else:
            names.append(name)
    return names


def test_every_command_is_documented_with_examples(runner: CliRunner) -> None:
    readme = (ROOT / "README.md").read_text()
    for name in _commands():
        assert re.search(rf"`corroborate {name}\b", readme), f"{name} missing from README"
        help_text = run(runner, *name.split(), "--help").output
        assert "Example" in help_text, f"{name} --help has no examples"


def _command(name: str):  # type: ignore[no-untyped-def]
    command = main
    for part in name.split():
        command = command.commands[part]  # type: ignore[attr-defined]
    return command


def test_every_option_is_in_the_readme_row_of_its_command() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in _commands():
        [row] = [line for line in readme.splitlines()
                 if line.startswith(f"| `corroborate {name} ") or
                 line.startswith(f"| `corroborate {name}`")]
        for param in _command(name).params:
            flags = [f for f in [*getattr(param, "opts", []), *getattr(param, "secondary_opts",
                                                                        [])]
                     if f.startswith("-") and f != "--help"]
            if flags:  # one of its spellings (-o or --output) is enough
                assert any(re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", row)
                           for f in flags), f"{name}: {flags} missing from its README row"


def test_exit_codes_are_documented() -> None:
    import corroborate.cli as cli
    from corroborate import errors

    readme = (ROOT / "README.md").read_text()
    codes = {0, cli.EXIT_REJECTED, cli.EXIT_INTERNAL, cli.EXIT_INTERRUPTED}
    codes |= {cls.exit_code for cls in vars(errors).values()
              if isinstance(cls, type) and issubclass(cls, errors.CorroborateError)}
    for code in sorted(codes):
        assert re.search(rf"^\| {code} \|", readme, re.MULTILINE), code
        assert re.search(rf"\b{code} ", cli.__doc__ or ""), code


def test_compare_formats_and_output_file(runner: CliRunner, tmp_path: Path,
                                         examples: Path) -> None:
    r = run(runner, "compare", str(examples / "factory-fire"), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["schema"] == "corroborate.brief/3" and len(doc["articles"]) == 3
    assert doc["counts"]["disputed"] >= 1
    out = tmp_path / "brief.html"
    r = run(runner, "compare", str(examples / "factory-fire"), "--format", "html", "-o", str(out))
    assert r.exit_code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    md = run(runner, "compare", str(examples / "factory-fire"))
    assert "## Disputed" in md.output


def test_compare_rejects_bad_inputs_and_compares_the_rest(runner: CliRunner, tmp_path: Path,
                                                          examples: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{broken\n")
    r = run(runner, "compare", str(bad), str(examples / "summit" / "pacific-wire.txt"),
            str(examples / "summit" / "meridian-post.html"), "--format", "json")
    assert r.exit_code == 1
    assert f"rejected: {bad}:1" in r.stderr
    assert len(json.loads(r.stdout)["articles"]) == 2
    nothing = run(runner, "compare", str(bad))
    assert nothing.exit_code == 1 and "nothing to compare" in nothing.stderr


def test_compare_stored_ids(runner: CliRunner, db_path: Path, examples: Path) -> None:
    run(runner, "ingest", str(examples / "rate-decision"), "--db", str(db_path))
    rows = json.loads(run(runner, "articles", "--db", str(db_path), "--format", "json").output)
    ids = [row["id"][:10] for row in rows]
    r = run(runner, "compare", *ids, "--db", str(db_path), "--format", "json")
    assert r.exit_code == 0, r.output
    assert {a["id"] for a in json.loads(r.output)["articles"]} == {row["id"] for row in rows}


def test_eval_pairs_on_a_small_file(runner: CliRunner, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        {"a": "The fire killed 12 people at the plant.", "b": "Twelve died in the plant fire.",
         "label": 1},
        {"a": "The bank cut its rate to 4.25%.", "b": "The central bank lowered rates to 4.25%.",
         "label": 1},
        {"a": "The fire killed 12 people at the plant.", "b": "The bank cut its rate to 4.25%.",
         "label": 0},
        {"a": "Leaders met in Auckland on Monday.", "b": "Shares fell sharply in Tokyo.",
         "label": 0},
    ]
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = run(runner, "eval", "pairs", str(pairs), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    for key in ("f1", "precision", "recall", "accuracy", "auc", "pairs_per_second"):
        assert key in doc["corroborate"]
    assert doc["corroborate"]["auc"] == 1.0
    assert {"tfidf_cosine", "minilm_cosine"} <= set(doc)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": "x", "b": "y", "label": 3}\n')
    r = run(runner, "eval", "pairs", str(bad))
    assert r.exit_code == 1 and "bad.jsonl:1" in r.stderr


def test_compare_html_escapes_hostile_articles(runner: CliRunner, tmp_path: Path) -> None:
    hostile = ("Source: <script>alert(1)</script> Wire\nURL: javascript:alert(2)\n\n"
               "Blast <img src=x onerror=alert(3)> hits port\n\n"
               "At least 12 people were killed when a blast hit the port on Monday, "
               "officials said <script>alert(4)</script>.\n")
    plain = ("Source: Harbour Times\n\nPort blast kills 15\n\n"
             "Fifteen people were killed when a blast hit the port on Monday, officials said.\n")
    (tmp_path / "a.txt").write_text(hostile)
    (tmp_path / "b.txt").write_text(plain)
    out = tmp_path / "brief.html"
    r = run(runner, "compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--format",
            "html", "-o", str(out))
    assert r.exit_code == 0, r.output
    page = out.read_text()
    assert "<script" not in page and "<img" not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;" in page


# -- stories ---------------------------------------------------------------------------------

STORIES_SCHEMA = ROOT / "schemas" / "stories.schema.json"
BRIEF_SCHEMA = ROOT / "schemas" / "brief.schema.json"


def _validator(path: Path):  # type: ignore[no-untyped-def]
    import jsonschema

    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def story_db(tmp_path_factory: pytest.TempPathFactory, examples: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    """The examples ingested once (analysis and stories) for the read-only story commands."""
    db = tmp_path_factory.mktemp("cli-stories") / "stories.db"
    r = run(CliRunner(), "ingest", str(examples), "--db", str(db), "--format", "json")
    assert r.exit_code == 0, r.output
    return db, json.loads(r.stdout)


def _stories_json(runner: CliRunner, db: Path, *args: str) -> dict:  # type: ignore[type-arg]
    r = run(runner, "stories", "--db", str(db), "--format", "json", *args)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    _validator(STORIES_SCHEMA).validate(doc)
    return doc  # type: ignore[no-any-return]


def _folder_of(examples: Path) -> dict[str, str]:
    from corroborate.ingest import read_inputs

    return {a.id: Path(a.path).parent.name for a in read_inputs([str(examples)])
            if isinstance(a, Article) and a.path}


def test_ingest_assigns_stories_and_stories_lists_them(runner: CliRunner, story_db, examples: Path  # type: ignore[no-untyped-def]
                                                       ) -> None:
    db, ingested = story_db
    folders = _folder_of(examples)
    assert set(ingested["stories"]) == set(ingested["ingested"]) == set(folders)
    by_folder: dict[str, set[int]] = {}
    for aid, story in ingested["stories"].items():
        by_folder.setdefault(folders[aid], set()).add(story)
    assert {name: len(ids) for name, ids in by_folder.items()} == {
        "factory-fire": 1, "rate-decision": 1, "summit": 1}
    assert len(set(ingested["stories"].values())) == 3
    assert ingested["story_changes"] == []  # no moves or merges on the examples

    doc = _stories_json(runner, db)
    assert doc["schema"] == "corroborate.stories/1"
    assert {s["id"] for s in doc["stories"]} == set(ingested["stories"].values())
    rate = next(s for s in doc["stories"] if s["id"] == by_folder["rate-decision"].pop())
    assert rate["articles"] == 4 and len(rate["outlets"]) == 3
    assert doc["stories"][0] == rate  # newest first
    assert [s["articles"] for s in _stories_json(runner, db, "--sort", "size")["stories"]] == [
        4, 3, 3]
    assert len(_stories_json(runner, db, "--limit", "1")["stories"]) == 1
    assert _stories_json(runner, db, "--min-outlets", "4")["stories"] == []
    since = _stories_json(runner, db, "--since", "2026-11-01")["stories"]
    assert rate in since and len(since) == 1  # undated reports do not count as recent

    text = run(runner, "stories", "--db", str(db))
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert len(lines) == 3
    assert re.match(rf"\s*{rate['id']}\s+4 articles\s+3 outlets\s+2026-11-18 \.\. 2026-11-19",
                    lines[0])
    assert rate["headline"] in lines[0]


def test_stories_schema_is_strict() -> None:
    import jsonschema

    validator = _validator(STORIES_SCHEMA)
    story = {"id": 1, "headline": "h", "headline_article": "ab12", "articles": 1,
             "outlets": ["W"], "first_published": None, "last_published": "2026-10-14"}
    validator.validate({"schema": "corroborate.stories/1", "stories": [story]})
    for bad in ({"schema": "corroborate.stories/2", "stories": []},
                {"schema": "corroborate.stories/1", "stories": [], "extra": 1},
                {"schema": "corroborate.stories/1", "stories": [{**story, "extra": 1}]},
                {"schema": "corroborate.stories/1", "stories": [{**story, "id": "1"}]}):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(bad)


def test_brief_of_a_story(runner: CliRunner, story_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, ingested = story_db
    stories = _stories_json(runner, db)["stories"]
    largest = max(stories, key=lambda s: s["articles"])
    members = {aid for aid, sid in ingested["stories"].items() if sid == largest["id"]}

    r = run(runner, "brief", "largest", "--db", str(db), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    _validator(BRIEF_SCHEMA).validate(doc)
    assert {a["id"] for a in doc["articles"]} == members

    smallest = min(stories, key=lambda s: (s["articles"], s["id"]))
    r = run(runner, "brief", str(smallest["id"]), "--db", str(db), "--format", "json")
    doc = json.loads(r.stdout)
    _validator(BRIEF_SCHEMA).validate(doc)
    assert len(doc["articles"]) == smallest["articles"]
    assert smallest["headline_article"] in {a["id"] for a in doc["articles"]}

    md = run(runner, "brief", f"#{smallest['id']}", "--db", str(db))  # "#3", "s3" read as 3
    assert md.exit_code == 0 and md.stdout.startswith("#")
    out = tmp_path / "brief.html"
    page = run(runner, "brief", str(smallest["id"]), "--db", str(db), "--format", "html",
               "-o", str(out))
    assert page.exit_code == 0 and "wrote" in page.stderr
    assert out.read_text().lstrip().lower().startswith("<!doctype html")


def test_brief_errors(runner: CliRunner, story_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _ = story_db
    missing = runner.invoke(main, ["brief", "999", "--db", str(db)])
    assert missing.exit_code == 3
    assert missing.output.startswith("error: no story 999")
    assert len(missing.output.strip().splitlines()) == 1
    bad = runner.invoke(main, ["brief", "abc", "--db", str(db)])
    assert bad.exit_code == 2 and "expected a number" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    huge = runner.invoke(main, ["brief", "99999999999999999999999", "--db", str(db)])
    assert huge.exit_code == 3 and huge.output.startswith("error: no story 9999")
    longest = runner.invoke(main, ["brief", "9" * 5000, "--db", str(db)])
    assert longest.exit_code == 3 and len(longest.output.strip().splitlines()) == 1
    superscript = runner.invoke(main, ["brief", "²", "--db", str(db)])
    assert superscript.exit_code == 2 and "expected a number" in superscript.output
    since = runner.invoke(main, ["stories", "--db", str(db), "--since", "last week"])
    assert since.exit_code == 2 and "--since" in since.output
    none = tmp_path / "none.db"
    for args in (["stories"], ["brief", "largest"], ["recluster"]):
        r = runner.invoke(main, [*args, "--db", str(none)])
        assert r.exit_code == 4 and "no such database" in r.output, args
    assert not none.exists()


def test_recluster_keeps_the_stories(runner: CliRunner, story_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    db, _ = story_db
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    before = _stories_json(runner, copy)
    r = run(runner, "recluster", "--db", str(copy))
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("10 articles in 3 stories")
    assert _stories_json(runner, copy) == before


def test_ingest_without_stories_then_recluster(runner: CliRunner, db_path: Path,
                                               examples: Path) -> None:
    from corroborate.store import Store

    r = run(runner, "ingest", str(examples), "--db", str(db_path), "--no-stories",
            "--no-analyze", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["stories"] == {}
    empty = run(runner, "stories", "--db", str(db_path))
    assert empty.exit_code == 0 and "no stories" in empty.stdout
    assert _stories_json(runner, db_path)["stories"] == []
    nothing = runner.invoke(main, ["brief", "largest", "--db", str(db_path)])
    assert nothing.exit_code == 3 and "no stories" in nothing.output

    r = run(runner, "recluster", "--db", str(db_path))
    assert r.exit_code == 0 and re.match(r"10 articles in \d+ stories", r.stdout)
    stories = _stories_json(runner, db_path)["stories"]
    assert sum(s["articles"] for s in stories) == 10
    # the brief analyses articles stored without analysis, and stores the analysis
    factory = next(s for s in stories if "battery" in s["headline"].lower())
    brief = run(runner, "brief", str(factory["id"]), "--db", str(db_path), "--format", "json")
    assert brief.exit_code == 0, brief.output
    with Store(db_path) as store:
        assert store.get_analysis(factory["headline_article"]) is not None


def _gold_file(tmp_path: Path, examples: Path) -> Path:
    """The examples as a gold-labelled stream (event = folder), one malformed line."""
    from corroborate.ingest import read_inputs

    lines = []
    for a in read_inputs([str(examples)]):
        assert isinstance(a, Article) and a.path
        lines.append(json.dumps({
            "title": a.title, "text": a.text, "source": a.source,
            # the summit's Northbridge report has no date of its own: date it as the summit
            "published": a.published or "2026-09-21",
            "event": Path(a.path).parent.name, "topic": "examples"}))
    lines.insert(3, "{not json")
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_eval_stories_on_the_examples(runner: CliRunner, tmp_path: Path, examples: Path) -> None:
    gold = _gold_file(tmp_path, examples)
    r = run(runner, "eval", "stories", str(gold), "--format", "json")
    assert r.exit_code == 1, r.output  # rejected lines are reported (exit 1), the rest scored
    [rejected] = r.stderr.strip().splitlines()
    assert rejected.startswith(f"rejected: {gold}:4: malformed JSON")
    doc = json.loads(r.stdout)
    for key in ("b3_precision", "b3_recall", "b3_f1", "ari", "nmi", "stories_predicted",
                "stories_gold", "articles_per_second"):
        assert key in doc
    assert doc["articles"] == 10 and doc["rejected"] == 1
    assert doc["stories_gold"] == doc["stories_predicted"] == 3
    assert doc["b3_f1"] == doc["ari"] == doc["nmi"] == 1.0
    assert doc["articles_per_second"] > 0
    text = run(runner, "eval", "stories", str(gold))
    assert text.exit_code == 1
    assert "10 articles, 3 gold events, 3 stories predicted" in text.stdout
    assert "1 lines rejected" in text.stdout


# -- processes: model loading, Ctrl-C, kill -9 ------------------------------------------------
def _corroborate(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "corroborate.cli", *args]


def test_rejecting_an_empty_file_loads_no_model(tmp_path: Path, cli_in_fresh_process) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: every command took 4-5 s and 340 MB even to reject one empty file."""
    (tmp_path / "empty.txt").write_text("")
    code, loaded, stderr = cli_in_fresh_process(
        ["ingest", str(tmp_path / "empty.txt"), "--db", str(tmp_path / "e.db")],
        ["spacy", "torch"])
    assert (code, loaded) == (1, {"spacy": False, "torch": False}), stderr
    assert "empty article" in stderr


def _feed(path: Path, examples: Path, count: int) -> Path:
    """``count`` distinct articles made from the examples' texts, one JSON line each."""
    from corroborate.ingest import read_inputs

    bases = [a for a in read_inputs([str(examples)]) if isinstance(a, Article)]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            base = bases[i % len(bases)]
            out.write(json.dumps({"title": f"{base.title} ({i})", "source": base.source,
                                  "published": base.published,
                                  "text": f"{base.text}\n\nUpdate {i}: more reports came in."})
                      + "\n")
    return path


def _wait_for_articles(db: Path, at_least: int, proc: object, timeout: float = 180) -> int:
    import sqlite3
    import subprocess
    import time

    assert isinstance(proc, subprocess.Popen)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the ingest ended before it could be stopped"
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=5) as conn:
                    count = int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
                if count >= at_least:
                    return count
            except sqlite3.OperationalError:
                pass  # not migrated yet
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} articles after {timeout} s")


def _default_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _check_whole(db: Path) -> int:
    """Every stored article is stored whole: its story features and story, one arrival order."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        seqs = [r[0] for r in conn.execute("SELECT seq FROM story_features ORDER BY seq")]
        assert seqs == list(range(1, articles + 1))
        assert conn.execute("SELECT COUNT(*) FROM story_articles").fetchone()[0] == articles
        assert conn.execute(
            "SELECT COUNT(*) FROM story_changes WHERE kind = 'assign'").fetchone()[0] == articles
    return int(articles)


@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGINT"])
def test_an_ingest_stopped_midway_keeps_what_it_stored_and_goes_on(
        tmp_path: Path, examples: Path, signal_name: str) -> None:
    """kill -9 (or Ctrl-C) in the middle of an ingest: the database holds whole articles only,
    Ctrl-C says what went in, and the same command again stores the rest."""
    import signal
    import subprocess

    feed, db = _feed(tmp_path / "feed.jsonl", examples, 60), tmp_path / "stopped.db"
    args = _corroborate("ingest", str(feed), "--db", str(db), "--no-analyze", "--no-progress")
    # a job started in the background by a non-interactive shell (a CI runner's `make test &`)
    # inherits SIGINT ignored, and Python then installs no Ctrl-C handler: the child gets the
    # default disposition back, as an ingest run from a terminal has it
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    _wait_for_articles(db, 5, proc)
    proc.send_signal(getattr(signal, signal_name))
    _out, err = proc.communicate(timeout=120)
    stored = _check_whole(db)
    assert 5 <= stored < 60
    if signal_name == "SIGINT":
        assert proc.returncode == 130
        [line] = [x for x in err.splitlines() if x.startswith("interrupted")]
        assert f"interrupted after {stored} ingested" in line and "run the same command" in line
    else:
        assert proc.returncode == -signal.SIGKILL
    again = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{60 - stored} ingested, {stored} already present, 0 rejected" in again.stdout
    assert _check_whole(db) == 60


def test_input_format_forces_the_kind_and_names_bad_lines(runner: CliRunner, db_path: Path,
                                                          tmp_path: Path) -> None:
    body = ("The ministry said on Monday that at least {n} people were hurt when a bridge "
            "collapsed over the river in the northern town during the morning rush hour.")
    export = tmp_path / "export.dat"  # JSON Lines under a name that does not say so
    export.write_text("# exported by a scraper\n"
                      + json.dumps({"title": "Bridge", "text": body.format(n=12)}) + "\n"
                      + "not json\n"
                      + json.dumps({"title": "Bridge", "text": body.format(n=14)}) + "\n")
    r = run(runner, "ingest", str(export), "--input-format", "jsonl", "--db", str(db_path),
            "--no-stories")
    assert r.exit_code == 1
    assert "2 ingested, 0 already present, 1 rejected" in r.output
    assert f"rejected: {export}:3: malformed JSON" in r.output
    as_feed = run(runner, "ingest", str(export), "--input-format", "feed", "--db", str(db_path))
    assert as_feed.exit_code == 1 and f"rejected: {export}: not a" in as_feed.output


def test_serve_on_a_busy_port_is_one_line_and_its_own_exit_code(
        runner: CliRunner, db_path: Path, examples: Path) -> None:
    """Issue 13: `serve` on a busy port printed "serving ..." and exited 3 (article not found)."""
    import socket

    pytest.importorskip("uvicorn")
    run(runner, "ingest", str(examples / "summit"), "--db", str(db_path), "--no-stories")
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        r = run(runner, "serve", "--db", str(db_path), "--port", str(port))
    assert r.exit_code == 6
    assert r.output.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: the port is in use by another program "
        "(another `corroborate serve`?); pick another with --port"]
    bad = run(runner, "serve", "--db", str(db_path), "--host", "no-such-host.invalid")
    assert bad.exit_code == 6 and "no such address" in bad.output


def test_serve_answers_on_the_port_it_bound(tmp_path: Path, examples: Path) -> None:
    import socket
    import subprocess
    import time
    import urllib.request

    pytest.importorskip("uvicorn")
    db = tmp_path / "serve.db"
    subprocess.run(_corroborate("ingest", str(examples / "summit"), "--db", str(db),
                                "--no-analyze"), check=True, capture_output=True, timeout=300)
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    proc = subprocess.Popen(_corroborate("serve", "--db", str(db), "--port", str(port)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, page = time.monotonic() + 60, ""
        while time.monotonic() < deadline and not page:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    page = reply.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)
        assert "Kang" in page or "Sakuraba" in page
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_reader_that_closes_the_pipe_early_is_no_error(tmp_path: Path) -> None:
    """Issue 11: `corroborate show ... | head` ended in "internal error (BrokenPipeError)"."""
    import subprocess

    feed, db = tmp_path / "many.jsonl", tmp_path / "many.db"
    feed.write_text("".join(json.dumps({
        "title": f"Report {i} on the flooding of the river valley", "source": "Wire",
        "text": f"Report {i}: the river burst its banks on Monday and flooded the valley towns, "
                "officials said."}) + "\n" for i in range(3000)))
    subprocess.run(_corroborate("ingest", str(feed), "--db", str(db), "--no-analyze",
                                "--no-stories"), check=True, capture_output=True, timeout=300)
    proc = subprocess.Popen(_corroborate("articles", "--db", str(db)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100)  # like `head -c 100`, then the reader goes away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "error" not in err and "Traceback" not in err
