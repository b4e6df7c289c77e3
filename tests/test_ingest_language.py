"""The language of each article: detected at ingest, kept in its metadata, said aloud."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from corroborate.cli import main
from corroborate.ingest import IngestOptions, read_bytes
from corroborate.ingest.language import detect_language
from corroborate.model import Article

GERMAN = ("Die Bundesregierung hat am Montag in Berlin neue Maßnahmen gegen die steigenden "
          "Energiepreise beschlossen. Ein Sprecher des Wirtschaftsministeriums sagte, die "
          "Entlastung solle noch vor dem Winter bei den Haushalten ankommen.")
FRENCH = ("Le gouvernement a annoncé lundi à Paris de nouvelles mesures contre la hausse des "
          "prix de l'énergie. Un porte-parole du ministère a déclaré que l'aide arriverait "
          "avant l'hiver dans les foyers.")
ENGLISH = ("The government announced new measures against rising energy prices in London on "
           "Monday. A spokesman for the ministry said the relief would reach households "
           "before the winter.")


def test_languages_are_told_apart() -> None:
    assert detect_language("Neue Maßnahmen", GERMAN).code == "de"
    assert detect_language("Nouvelles mesures", FRENCH).code == "fr"
    guess = detect_language("New measures", ENGLISH)
    assert guess.code == "en" and guess.analysable and guess.confidence > 0.9
    assert not detect_language("", GERMAN).analysable
    assert detect_language("", "12 34 56 ... !!").code == "und"  # nothing to tell it by


def _read(records: list[dict[str, str]]) -> list[Article]:
    data = "\n".join(json.dumps(r) for r in records).encode()
    found = list(read_bytes(data, "feed.jsonl", IngestOptions(), kind="jsonl"))
    assert all(isinstance(a, Article) for a in found), found
    return [a for a in found if isinstance(a, Article)]


def test_the_language_is_kept_in_metadata_beside_what_the_input_declares() -> None:
    german, english = _read([
        {"title": "Neue Maßnahmen", "text": GERMAN, "language": "en"},  # declared wrongly
        {"title": "New measures", "text": ENGLISH}])
    assert german.metadata["language"] == "de"
    assert german.metadata["language_declared"] == "en"
    assert english.metadata["language"] == "en" and "language_declared" not in english.metadata
    assert 0.5 <= float(english.metadata["language_confidence"]) <= 1.0


def test_ingest_says_which_articles_are_not_in_english(tmp_path: Path) -> None:
    feed = tmp_path / "mixed.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in [
        {"title": "Neue Maßnahmen", "text": GERMAN, "source": "Tagesblatt"},
        {"title": "Nouvelles mesures", "text": FRENCH, "source": "Le Quotidien"},
        {"title": "New measures", "text": ENGLISH, "source": "Daily Ledger"}]) + "\n")
    db = tmp_path / "mixed.db"
    runner = CliRunner()
    r = runner.invoke(main, ["ingest", str(feed), "--db", str(db), "--no-stories",
                             "--no-analyze"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert ("note: 2 of 3 articles are not in English (de 1, fr 1): they are stored and "
            "grouped into stories, but the analysis uses English rules, so it is not to be "
            "relied on, and briefs leave them out (saying so)") in r.output
    as_json = runner.invoke(main, ["ingest", str(feed), "--db", str(tmp_path / "j.db"),
                                   "--no-stories", "--no-analyze", "--format", "json"],
                            catch_exceptions=False)
    assert json.loads(as_json.stdout)["languages"] == {"de": 1, "en": 1, "fr": 1}
    listed = runner.invoke(main, ["articles", "--db", str(db), "--format", "json"])
    german = next(a for a in json.loads(listed.output) if a["source"] == "Tagesblatt")
    shown = runner.invoke(main, ["show", german["id"], "--db", str(db)])
    assert "· language de" in shown.output and "English rules" in shown.output
