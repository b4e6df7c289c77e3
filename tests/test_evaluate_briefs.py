"""Scoring briefs against claim-level gold: loading and checking gold files, matching
locators to claims, every metric on a hand-made brief, the CLI, and floors on the shared dev
gold (skipped without ../shared)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from corroborate.cli import main
from corroborate.errors import InputError
from corroborate.evaluate_briefs import GOLD_SCHEMA, load_gold, normalise, score_brief
from corroborate.model import (
    Analysis,
    Article,
    Brief,
    Claim,
    Difference,
    DifferenceValue,
    Fact,
    Quote,
    Sentence,
)

ROOT = Path(__file__).resolve().parent.parent

TEXT_A = ("The mayor resigned on Friday.\n"
          "He had served for 12 years, and the council thanked him.\n"
          "“It was an honour,” he said.")
TEXT_B = ("Mayor Jan Novak stepped down Friday.\n"
          "He served 14 years.\n"
          "The city will hold an election in May.")


def _analysis(aid: str, text: str, source: str, quotes: tuple[Quote, ...] = ()) -> Analysis:
    sentences, start = [], 0
    for i, line in enumerate(text.split("\n")):
        sentences.append(Sentence(i, start, start + len(line)))
        start += len(line) + 1
    article = Article(aid, text, "Title", source, metadata={"id": f"gold-{aid}"})
    return Analysis(article, tuple(sentences), quotes=quotes)


def _claim(a: Analysis, needle: str) -> Claim:
    start = a.article.text.index(needle)
    sentence = next(s.index for s in a.sentences if s.start <= start < s.end)
    return Claim(a.article.id, sentence, start, start + len(needle))


@pytest.fixture()
def brief() -> Brief:
    quote_start = TEXT_A.index("It was")
    a = _analysis("a", TEXT_A, "Outlet A", (Quote(
        2, quote_start, quote_start + len("It was an honour,"), "Jan Novak", None, "said",
        False),))
    b = _analysis("b", TEXT_B, "Outlet B")
    resigned = Fact("F1", "agreed", (_claim(a, "The mayor resigned on Friday"),
                                     _claim(b, "Mayor Jan Novak stepped down Friday")), 0, 2, 2)
    years_a, years_b = _claim(a, "He had served for 12 years"), _claim(b, "He served 14 years")
    years = Fact("F2", "disputed", (years_a, years_b), 0, 2, 2, (Difference(
        "quantity", "year", (DifferenceValue(years_a, 19, 27, "12 year"),
                             DifferenceValue(years_b, TEXT_B.index("14"),
                                             TEXT_B.index("14") + 8, "14 year"))),),)
    # a wrong agreement: the council's thanks (single in gold) with the election (single)
    mixed = Fact("F3", "agreed", (_claim(a, "the council thanked him"),
                                  _claim(b, "The city will hold an election in May")), 0, 2, 2)
    return Brief((a, b), (resigned, years, mixed), (), (), (), "a", ("F1",))


def _gold(tmp_path: Path, **extra: Any) -> Path:
    doc = {
        "schema": GOLD_SCHEMA, "event": "ev", "about": "a mayor resigns",
        "articles": {"x": "gold-a", "y": "gold-b"},
        "agreed": [{"name": "resigned", "support": {"x": ["resigned on friday"],
                                                    "y": ["stepped down"]}},
                   {"name": "served years", "support": {"x": ["served for"],
                                                        "y": ["served 14"]}},
                   {"name": "quote honour", "support": {"x": ["an honour"], "y": ["honour"]}}],
        "single": [{"name": "thanked", "outlet": "x", "loc": ["council thanked him"]},
                   {"name": "election", "outlet": "y", "loc": ["election in may"]},
                   {"name": "honour", "outlet": "x", "loc": ["it was an honour"]}],
        "disputed": [{"name": "years", "kind": "quantity",
                      "values": {"x": {"loc": ["12 years"], "value": "12"},
                                 "y": {"loc": ["14 years"], "value": "14"}}}],
        "quotes": [{"outlet": "x", "speaker": "novak", "text": ["it was an honour"]}],
        **extra,
    }
    path = tmp_path / "ev.gold.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_every_metric_on_a_hand_made_brief(tmp_path: Path, brief: Brief) -> None:
    gold = load_gold(_gold(tmp_path))
    score = score_brief(gold, brief, {"a": "x", "b": "y"})
    c = score.counts
    assert (c.agreed_found, c.agreed_gold) == (2, 3)  # resigned + years (disputed counts)
    assert (c.agreed_mixed, c.agreed_facts) == (1, 3)  # F3 holds gold single-outlet claims
    # thanked and election sit in an agreed fact; the quote is not a claim of the brief
    assert (c.single_right, c.single_gold) == (0, 3)
    assert (c.disputed_found, c.disputed_gold, c.differences_right, c.differences) == (1, 1, 1, 1)
    assert (c.quotes_right, c.quotes_gold) == (1, 1)
    metrics = c.metrics()
    assert metrics["agreed_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["agreed_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert any(m == "agreed not found: quote honour" for m in score.misses)


def test_a_claim_cut_through_a_locator_still_matches(tmp_path: Path, brief: Brief) -> None:
    """A locator spanning two claims of one sentence matches the part holding one of its
    substrings ("served for" + "12 years" where the claim is only "He had served for")."""
    a = brief.analyses[0]
    part = Claim("a", 1, a.article.text.index("He had"), a.article.text.index(" for 12"))
    fact = Fact("F9", "agreed", (part, brief.facts[1].claims[1]), 0, 2, 2)
    cut = Brief(brief.analyses, (fact,), (), (), (), "a", ())
    gold = load_gold(_gold(tmp_path, agreed=[{"name": "years", "support": {
        "x": ["had served", "12 years"], "y": ["served 14"]}}]))
    assert score_brief(gold, cut, {"a": "x", "b": "y"}).counts.agreed_found == 1


@pytest.mark.parametrize(("content", "reason"), [
    ("{not json", "not a JSON gold file"),
    ('{"schema": "other"}', "schema"),
    (json.dumps({"schema": GOLD_SCHEMA, "articles": {}}), "articles"),
    (json.dumps({"schema": GOLD_SCHEMA, "articles": {"x": "a"},
                 "single": [{"name": "n", "outlet": "z", "loc": ["w"]}]}), "not in"),
    (json.dumps({"schema": GOLD_SCHEMA, "articles": {"x": "a"},
                 "agreed": [{"name": "n", "support": {"x": []}}]}), "locator"),
    (json.dumps({"schema": GOLD_SCHEMA, "articles": {"x": "a"}, "agreed": [{"nom": 1}]}),
     "malformed gold item"),
])
def test_bad_gold_files_are_named_with_the_reason(tmp_path: Path, content: str,
                                                  reason: str) -> None:
    path = tmp_path / "bad.gold.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_gold(path)
    assert str(path) in str(info.value) and reason in str(info.value)


def test_normalise_folds_quotes_dashes_and_space() -> None:
    assert normalise("It’s  “Big”\u00a0— OK") == "it's \"big\" - ok"


def test_cli_eval_briefs_on_the_examples(tmp_path: Path) -> None:
    """The real pipeline end to end on a bundled story, gold naming articles by path."""
    gold = {
        "schema": GOLD_SCHEMA, "event": "summit", "about": "Kang and Sakuraba meet",
        "articles": {"pw": "examples/summit/pacific-wire.txt",
                     "mp": "examples/summit/meridian-post.html"},
        "agreed": [{"name": "they met in Auckland on the forum sidelines", "support": {
            "pw": ["sidelines of the pacific rim"], "mp": ["sidelines of the pacific rim"]}}],
        "single": [], "disputed": [], "quotes": [],
    }
    path = tmp_path / "summit.gold.json"
    path.write_text(json.dumps(gold), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["eval", "briefs", str(path), "--articles", "examples/summit",
                                  "--format", "json", "--misses"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["schema"] == "corroborate.eval-briefs/1"
    assert doc["total"]["counts"]["agreed_gold"] == 1
    assert set(doc["total"]["metrics"]) >= {"agreed_recall", "agreed_precision",
                                            "single_accuracy", "disputed_recall",
                                            "disputed_precision", "quote_speakers"}
    missing = runner.invoke(main, ["eval", "briefs", str(path), "--articles",
                                   "examples/factory-fire"])
    assert missing.exit_code == 1
    assert "is not among the articles" in missing.output


# Floors on the shared dev gold, a little under what `benchmarks/briefs_quality.py` measured
# (docs/benchmarks.md) with the support model: agreed recall 0.59, agreed precision 0.71,
# single-source 0.71, quote speakers 0.94. (The previous step's comparer, the pair model's
# scores alone: 0.43 / 0.72 / 0.76; the support model trades a little precision and
# single-source accuracy for recall on dev, and raises all three on the held-out events:
# 0.34 / 0.51 / 0.70 -> 0.53 / 0.69 / 0.74.) With participial clauses as claims of their own
# (2026-12-02): 0.59 / 0.74 / 0.73 in bfloat16, 0.59 / 0.75 / 0.74 in float32; the precision
# and single-source floors rise with them (0.66 -> 0.70, 0.67 -> 0.70). With a clause shown
# with the noun it describes (2026-12-03): 0.61 / 0.74 / 0.75 in bfloat16; the recall and
# single-source floors rise (0.55 -> 0.57, 0.70 -> 0.72). With two outlets quoting one
# statement counted as two sources: 0.65 / 0.75 / 0.75; the recall floor rises to 0.60.
# Quote speakers 31 -> 32 of 32 with the quote cues of 2026-12-03 (a quotation after a
# reported statement is its source's); the floor rises 0.88 -> 0.93 (30 of 32 passes).
FLOORS = {"agreed_recall": 0.60, "agreed_precision": 0.70, "single_accuracy": 0.72,
          "quote_speakers": 0.93}
# ... and on the claim gold of the bundled examples (in the repository, so always run):
# measured 0.60 / 0.80 / 0.62 (26 of 42) in bfloat16 (CPUs with AMX), 0.58 / 0.80 / 0.62 in
# float32 (the onnxruntime path of CPUs without it), disputes found 5 of 8, quote speakers 24
# of 24 on both.
EXAMPLE_FLOORS = {"agreed_recall": 0.52, "agreed_precision": 0.75, "single_accuracy": 0.59,
                  "disputed_recall": 0.5, "quote_speakers": 0.95}


def test_shared_dev_gold_floors(shared_data: Path) -> None:
    runner = CliRunner()
    golds = sorted(str(p) for p in (shared_data / "claims").glob("*.gold.json"))
    result = runner.invoke(main, ["eval", "briefs", *golds, "--articles",
                                  str(shared_data / "basil" / "articles.jsonl"),
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)["total"]["metrics"]
    for name, floor in FLOORS.items():
        assert metrics[name] >= floor, (name, metrics[name])


def test_example_gold_floors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the gold names the examples by their paths from the repo root
    golds = sorted(str(p.relative_to(ROOT))
                   for p in (ROOT / "benchmarks/data/claims/examples").glob("*.gold.json"))
    assert len(golds) == 3
    result = CliRunner().invoke(main, ["eval", "briefs", *golds, "--articles", "examples",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)["total"]["metrics"]
    for name, floor in EXAMPLE_FLOORS.items():
        assert metrics[name] >= floor, (name, metrics[name])


def test_every_basil_gold_file_points_into_its_articles(shared_data: Path) -> None:
    """Each committed BASIL gold file loads, names articles of the shared corpus, and every
    locator part and quote lies in its outlet's article (title or text), so that no set is
    silently scored on items no claim could ever match."""
    texts: dict[str, str] = {}
    with (shared_data / "basil" / "articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            texts[str(record["id"])] = normalise(f"{record['title']}\n{record['text']}")
    paths = sorted((ROOT / "benchmarks/data/claims").glob("*/*.gold.json"))
    paths = [p for p in paths if p.parent.name != "examples"]
    assert len(paths) >= 40
    for path in paths:
        gold = load_gold(path)
        assert set(gold.articles.values()) <= set(texts), path
        text = {outlet: texts[aid] for outlet, aid in gold.articles.items()}
        located = ([(o, loc) for _, support in gold.agreed for o, loc in support.items()]
                   + [(o, loc) for _, o, loc in gold.single]
                   + [(o, loc) for _, values in gold.disputed for o, loc in values.items()])
        for outlet, locator in located:
            missing = [part for part in locator if normalise(part) not in text[outlet]]
            assert not missing, (path.name, outlet, missing)
        for outlet, _speaker, quoted in gold.quotes:
            assert normalise(quoted) in text[outlet], (path.name, outlet, quoted)
