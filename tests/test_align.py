"""The comparison engine: claims, lineages, differences, scorer, grouping, and the brief of the
bundled examples with the real model."""

from __future__ import annotations

import numpy as np
import pytest

from corroborate.align import Comparer
from corroborate.align.differences import (
    ClaimContext,
    date_differences,
    event_phrases,
    quantity_differences,
    quotation_differences,
    reference_dates_conflict,
    wording_differences,
)
from corroborate.align.features import FEATURES
from corroborate.align.lineage import containment, find_lineages, same_outlet, shingles
from corroborate.align.scorer import fit_scorer, load_default_scorer
from corroborate.embed import HashingEmbedder
from corroborate.model import Analysis, Article, Brief, Claim
from corroborate.textnorm import article_id


def make_article(text: str, source: str = "Wire", title: str = "A title of some words",
                 published: str | None = "2026-09-21T10:00:00+00:00") -> Article:
    return Article(article_id(text, source), text, title, source, published)


def whole(analysis: Analysis, index: int = 0) -> ClaimContext:
    s = analysis.sentences[index]
    return ClaimContext(Claim(analysis.article.id, s.index, s.start, s.end), analysis)


# -- lineages ----------------------------------------------------------------------------

def test_copies_are_one_lineage_and_the_earliest_is_root(analyzer) -> None:  # type: ignore[no-untyped-def]
    body = ("Fire crews fought a blaze at a chemical warehouse near the river port for nine hours "
            "on Tuesday, and officials said nobody was hurt in the fire that started at dawn.")
    wire = analyzer.analyze(make_article(body, "Pacific Wire", published="2026-10-14T09:00:00Z"))
    copy = analyzer.analyze(make_article(body + " (Pacific Wire)", "Daily Ledger",
                                         published="2026-10-14"))
    other = analyzer.analyze(make_article(
        "A warehouse burned for hours in the port district, witnesses told the Herald on Tuesday.",
        "The Herald"))
    lineages = find_lineages([copy, other, wire])
    assert len(lineages) == 2
    joined = next(lin for lin in lineages if len(lin.articles) == 2)
    assert joined.root == wire.article.id  # same day; the copy credits the wire
    assert "repeats" in joined.reasons[0]


def test_shingles_and_outlet_names() -> None:
    a = shingles("one two three four five six seven eight")
    assert containment(a, a) == 1.0
    assert containment(a, shingles("nine ten eleven twelve thirteen")) == 0.0
    assert same_outlet("Pacific Wire", "Pacific Wire Service")
    assert same_outlet("Reuters", "REUTERS")
    assert not same_outlet("The Meridian Post", "The Northbridge Times")


# -- differences -------------------------------------------------------------------------

@pytest.mark.parametrize(("left", "right", "differ"), [
    ("The meeting lasted about 30 minutes, officials said.",
     "The meeting lasted 30 minutes, officials said.", False),
    ("The meeting lasted about 30 minutes, officials said.",
     "The meeting lasted about 25 minutes, officials said.", True),
    ("Kang took office three years ago and has pushed for better ties.",
     "Kang took office two years and 10 months ago and has pushed for better ties.", False),
    ("At least 12 people were killed in the fire at the plant.",
     "Fifteen people were killed in the fire at the plant.", True),
    ("Twelve people were killed in the fire at the plant.",
     "12 people were killed in the fire at the plant.", False),
])
def test_quantities_with_hedges(analyzer, left: str, right: str, differ: bool) -> None:  # type: ignore[no-untyped-def]
    a = analyzer.analyze(make_article(left, "A"))
    b = analyzer.analyze(make_article(right, "B"))
    found = quantity_differences(whole(a), whole(b))
    assert bool(found) is differ, found
    if found:
        assert {v.claim.article for v in found[0].values} == {a.article.id, b.article.id}


def test_reference_dates_differ(analyzer) -> None:  # type: ignore[no-untyped-def]
    a = analyzer.analyze(make_article(
        "It was the first face-to-face meeting between the two leaders since December 2019."))
    b = analyzer.analyze(make_article(
        "It was the first dialogue between the two leaders since a brief conversation in June.",
        "Other"))
    found = date_differences(whole(a), whole(b))
    assert found and found[0].label.startswith("reference date")
    assert [v.value for v in found[0].values] == ["2019-12", "2026-06"]
    assert reference_dates_conflict(whole(a), whole(b))
    same = analyzer.analyze(make_article(
        "The two leaders had not met face to face since December 2019, officials said.", "Third"))
    assert not reference_dates_conflict(whole(a), whole(same))


def test_a_year_that_names_a_thing_dates_that_thing(analyzer) -> None:  # type: ignore[no-untyped-def]
    # "the 1996 Defense of Marriage Act" is the act's year, not when the court struck it down
    a = analyzer.analyze(make_article(
        "The ruling follows the Supreme Court decision that struck down the 1996 Defense of "
        "Marriage Act.", published="2013-08-29"))
    b = analyzer.analyze(make_article(
        "The Supreme Court overturned a part of the Defense of Marriage Act in 2013.",
        "Other", published="2013-08-29"))
    assert date_differences(whole(a), whole(b)) == []
    # ... and is compared with the year another outlet gives the same thing
    c = analyzer.analyze(make_article(
        "The Supreme Court struck down the 1998 Defense of Marriage Act.", "Third",
        published="2013-08-29"))
    found = date_differences(whole(a), whole(c))
    assert found and found[0].label == "year of defense"
    assert sorted(v.value for v in found[0].values) == ["1996", "1998"]


def test_a_month_without_its_year_is_compared_as_written(analyzer) -> None:  # type: ignore[no-untyped-def]
    # two articles of different years: "January" resolves to two years, but both outlets say
    # January, and neither says which year
    a = analyzer.analyze(make_article("In January, the governor said drug dealers were to "
                                      "blame for the rise in overdoses.",
                                      published="2016-08-30"))
    b = analyzer.analyze(make_article("In January, the governor blamed drug dealers for the "
                                      "rise in overdoses.", "Other", published="2017-02-01"))
    assert {d.value for d in a.dates} != {d.value for d in b.dates}
    assert date_differences(whole(a), whole(b)) == []
    c = analyzer.analyze(make_article("In March, the governor blamed drug dealers for the "
                                      "rise in overdoses.", "Third", published="2017-02-01"))
    assert date_differences(whole(a), whole(c))


def test_characterisation_with_who_said_it(analyzer) -> None:  # type: ignore[no-untyped-def]
    a = analyzer.analyze(make_article(
        "Seoul called it a one-on-one meeting between the two leaders in Auckland."))
    b = analyzer.analyze(make_article(
        "Tokyo called it informal talks between the two leaders in Auckland.", "Other"))
    found = wording_differences(whole(a), whole(b))
    assert found
    values = {v.value: v.attributed_to for v in found[0].values}
    assert values == {"one-on-one meeting": "Seoul", "informal talks": "Tokyo"}
    assert [p[2] for p in event_phrases("the prime minister held informal talks")] == [
        "informal talks"]


@pytest.mark.parametrize(("left", "right", "differ"), [
    # a word replaced, one word more inside the passage, a last word replaced: misquotes
    ('Obama asked Boehner: "What have you guys been debating, John?"',
     'Obama asked Boehner, "what have you guys been doing, John?"', True),
    ('"We have learned something important," Dodd said.',
     '"We have learned something very important," Dodd said.', True),
    ('Protesters told CNN: "We reject his visit."', 'Protesters told CNN: "We reject his message."',
     True),
    # a shorter excerpt, an omission marked by an ellipsis, spelling, another passage: not
    ('"We have learned something important," Dodd said.',
     '"We have learned something important today," Dodd said.', False),
    ('"We will … fight them on the beaches," he said.',
     '"We will always fight them on the beaches," he said.', False),
    ('"We will...fight them on the beaches," he said.',
     '"We will always fight them on the beaches," he said.', False),
    ('"The e-mail went to every member of the committee," Steele said.',
     '"The email went to every member of the committee," Steele said.', False),
    ('"I have not violated any I.R.S. rules," Lerner said.',
     '"I have not violated any IRS rules," Lerner said.', False),
    ('"We\'re going to impeach him," Tlaib told supporters.',
     '"We\'re gonna impeach him," Tlaib told supporters.', False),
    ('"I am not running for office," he said.',
     '"The bill will pass the Senate next week," he said.', False),
    # one wording written two ways: a compound, minor words, a spelling, an abbreviation
    ('"It provides clear, coherent tax-filing guidance for all couples," Lew said.',
     '"It provides clear, coherent tax filing guidance for all couples," Lew said.', False),
    ('"I have not violated any rules and regulations of the agency," Lerner said.',
     '"I have not violated any rules or regulations of the agency," Lerner said.', False),
    ('"I think this is a big mistake on the part of President Pena," Fox said.',
     '"I think this is a big mistake on part of President Pena," Fox said.', False),
    ('"And when your son says, Momma, look, you won," she said.',
     '"And when your son says, Mama, look, you won," she said.', False),
    ('"Senator Reid thinks the mosque should be built someplace else," the statement said.',
     '"Sen. Reid thinks the mosque should be built someplace else," the statement said.', False),
    # ... but not a word that says something else
    ('"I am not saying that I will finish the term," LePage said.',
     '"I am saying that I will finish the term," LePage said.', True),
])
def test_quotations_worded_differently(analyzer, left: str, right: str, differ: bool) -> None:  # type: ignore[no-untyped-def]
    a = analyzer.analyze(make_article(left, "A"))
    b = analyzer.analyze(make_article(right, "B"))
    assert a.quotes and b.quotes
    found = quotation_differences(whole(a), whole(b))
    assert bool(found) is differ, found
    if found:
        (d,) = found
        assert d.kind == "wording" and d.slot == "quotation"
        for v, analysis in zip(d.values, (a, b), strict=True):
            # the value is the quoted words as the article prints them, with their offsets
            assert analysis.article.text[v.start:v.end] == v.value
            assert v.value in analysis.article.text and '"' not in v.value


def test_quotations_of_two_speakers_are_not_compared(analyzer) -> None:  # type: ignore[no-untyped-def]
    a = analyzer.analyze(make_article('"It was a huge mistake," Senator Ann Lowe said on Friday.'))
    b = analyzer.analyze(make_article('"It was a mistake," Governor Tom Reyes said on Friday.',
                                      "Other"))
    assert {q.speaker for q in a.quotes + b.quotes} == {"Ann Lowe", "Tom Reyes"}
    assert quotation_differences(whole(a), whole(b)) == []


# -- scorer ------------------------------------------------------------------------------

def test_scorer_fits_separable_data_and_ships_weights() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 0] + 0.5 * x[:, 3] > 0).astype(int)
    scorer = fit_scorer(x, y)
    predicted = scorer.probabilities(x) >= scorer.threshold
    assert np.mean(predicted == y) > 0.95
    shipped = load_default_scorer()
    assert shipped.features == FEATURES and 0 < shipped.threshold < 1
    assert "msrp" in shipped.trained_on


# -- the whole comparison ------------------------------------------------------------------

def _check_invariants(brief: Brief) -> None:
    members: list[frozenset[tuple[str, str, int, int]]] = []
    for fact in brief.facts:
        articles = [c.article for c in fact.claims]
        slots = [(c.article, c.field) for c in fact.claims]
        # one statement (and headline) per article, except in a dispute that an outlet states
        # in two sentences (the facts sharing that dispute are merged)
        assert len(slots) == len(set(slots)) or fact.status == "disputed"
        assert len(set(fact.claims)) == len(fact.claims)
        keys = frozenset((c.article, c.field, c.start, c.end) for c in fact.claims)
        for c in fact.claims:
            assert brief.claim_text(c).strip()
        # a claim may support several facts, but no fact repeats or lies inside another
        assert all(not keys <= other and not other <= keys for other in members)
        members.append(keys)
        assert fact.outlets == len({brief.analysis_of(a).article.source for a in articles})
        if fact.status == "disputed":
            assert fact.differences
        elif fact.status == "agreed":
            assert fact.independent_sources >= 2
        else:
            assert fact.independent_sources == 1 or len(fact.claims) == 1
    order = [(-f.independent_sources, -f.outlets) for f in brief.facts]
    assert order == sorted(order), "most corroborated first"


def test_compare_with_a_small_embedder_keeps_invariants(example_analyses) -> None:  # type: ignore[no-untyped-def]
    comparer = Comparer(HashingEmbedder())
    for analyses in example_analyses.values():
        _check_invariants(comparer.compare(analyses))


def test_compare_nothing_is_a_usage_error() -> None:
    from corroborate.errors import UsageError

    with pytest.raises(UsageError):
        Comparer(HashingEmbedder()).compare([])


def test_articles_not_in_english_are_left_out_and_named(example_analyses) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from corroborate.ingest import IngestOptions, Rejection, read_bytes

    german = ("Bei einem Brand in der Fabrik von Voltara sind am Montag mindestens zwölf "
              "Menschen ums Leben gekommen, teilte die Polizei mit. Die Feuerwehr war mit "
              "mehr als hundert Einsatzkräften vor Ort, die Ursache ist noch unklar.")
    [article] = [a for a in read_bytes(("Brand in Fabrik\n" + german).encode(), "de.txt",
                                       IngestOptions()) if not isinstance(a, Rejection)]
    assert article.metadata["language"] == "de"
    english = list(example_analyses["factory-fire"])
    # its analysis (English rules over German text) is never read by the comparison
    foreign = replace(english[0], article=article)
    comparer = Comparer(HashingEmbedder())
    brief = comparer.compare([*english, foreign])
    assert [e.article.id for e in brief.excluded] == [article.id]
    assert brief.excluded[0].language == "de" and "English" in brief.excluded[0].reason
    assert article.id not in {a.article.id for a in brief.analyses}
    assert all(c.article != article.id for f in brief.facts for c in f.claims)
    assert comparer.compare(english).facts == brief.facts
    # a story of German articles only: nothing compared, and the brief says why
    alone = comparer.compare([foreign])
    assert alone.analyses == () and alone.facts == () and len(alone.excluded) == 1


def _fact_with(brief: Brief, *needles: str):  # type: ignore[no-untyped-def]
    for fact in brief.facts:
        texts = " ".join(brief.claim_text(c) for c in fact.claims)
        if all(n in texts for n in needles):
            return fact
    raise AssertionError(f"no fact holds {needles}")


def test_real_model_factory_fire(example_briefs) -> None:  # type: ignore[no-untyped-def]
    brief = example_briefs["factory-fire"]
    _check_invariants(brief)
    copies = [lin for lin in brief.lineages if len(lin.articles) == 2]
    assert len(copies) == 1
    root = brief.analysis_of(copies[0].root).article
    assert root.source == "Pacific Wire Service"
    toll = _fact_with(brief, "At least 12 people were killed", "Fifteen people were killed")
    assert toll.status == "disputed" and toll.outlets == 3 and toll.independent_sources == 2
    persons = next(d for d in toll.differences if d.kind == "quantity")
    assert {v.value for v in persons.values} >= {"at least 12 person", "15 person"}
    crews = _fact_with(brief, "about 120 firefighters", "About 150 firefighters")
    assert crews.status == "disputed"


def test_real_model_summit(example_briefs) -> None:  # type: ignore[no-untyped-def]
    brief = example_briefs["summit"]
    _check_invariants(brief)
    diffs = [d for f in brief.facts for d in f.differences]
    reference = [d for d in diffs if d.label.startswith("reference date")]
    assert reference and {"2019-12", "2026-06"} <= {v.value for v in reference[0].values}
    wording = [d for d in diffs if d.kind == "wording"]
    assert any({"informal talks", "one-on-one meeting"} <= {v.value for v in d.values}
               for d in wording)
    talks = _fact_with(brief, "seventh round")
    assert talks.status == "agreed" and talks.outlets == 3
    quotes = [q for a in brief.analyses for q in a.quotes]
    assert any(q.cue and "added" in q.cue and q.speaker == "Lee Ha-na" for q in quotes)


def test_real_model_rate_decision(example_briefs) -> None:  # type: ignore[no-untyped-def]
    brief = example_briefs["rate-decision"]
    _check_invariants(brief)
    sales = _fact_with(brief, "$1.5 billion", "$1.2 billion")
    assert sales.status == "disputed"
    meridian = [lin for lin in brief.lineages if len(lin.articles) == 2]
    assert meridian, "two articles of one outlet are one source"
    # Pacific Wire's "The board voted 4-1 for the cut, with one member favouring holding"
    # supports two facts that The Northbridge Times states apart: each is shown by its own claim
    shown = [brief.claim_text(f.claims[f.representative]) for f in brief.facts]
    assert "one voted to keep the rate at 4.5" in shown
    assert "four board members voted for the reduction" in shown
    count: dict[Claim, int] = {}
    for f in brief.facts:
        for c in f.claims:
            count[c] = count.get(c, 0) + 1
    for f in brief.facts:
        if count[f.claims[f.representative]] > 1:
            assert all(count[c] > 1 for c in f.claims), "a fact with a claim of its own shows it"


def test_figure_slots_are_clause_bounded(analyzer) -> None:  # type: ignore[no-untyped-def]
    from corroborate.align.differences import figure_slots

    analysis = analyzer.analyze(make_article(
        "The campaign paid $3,544.00 at Mariel's Boutique, and $5,687.75 on Martha's Vineyard "
        "Holistic Retreat."))
    slots = {s.quantity.value: s for s in figure_slots(whole(analysis))}
    assert {"mariel", "boutique"} <= slots[3544.0].words
    assert "vineyard" not in slots[3544.0].words  # the clause after "and" is another slot
    assert {"martha", "vineyard", "holistic", "retreat"} <= slots[5687.75].words


def test_one_slot_two_values_in_differently_worded_claims(analyzer, comparer) -> None:  # type: ignore[no-untyped-def]
    a = analyzer.analyze(make_article(
        "Expenses charged to the campaign included $3,544.00 at Mariel's Boutique and "
        "$5,687.75 on Martha's Vineyard Holistic Retreat, records show.", "The Post"))
    b = analyzer.analyze(make_article(
        "In 2008, Mr. Jackson used the money for things like a $466.30 dinner at CityZen in "
        "Washington and a $5,587.75 vacation at the Martha's Vineyard Holistic Retreat.",
        "The Times"))
    brief = comparer.compare([a, b])
    diffs = [d for f in brief.facts for d in f.differences if d.kind == "quantity"]
    retreat = [d for d in diffs if "5687.75 USD" in {v.value for v in d.values}]
    assert retreat, f"no dispute over the retreat: {[d.values for d in diffs]}"
    assert {v.value for v in retreat[0].values} == {"5687.75 USD", "5587.75 USD"}
    assert "vineyard" in retreat[0].slot and not retreat[0].compatible
    fact = next(f for f in brief.facts if retreat[0] in f.differences)
    assert fact.status == "disputed"
    # the other figures of the two lists are other slots: no dispute between them
    assert not any({"3544 USD", "466.3 USD"} <= {v.value for v in d.values} for d in diffs)


def test_two_outlets_quoting_one_statement_are_two_sources(analyzer, comparer) -> None:  # type: ignore[no-untyped-def]
    # each outlet reports the statement in its own frame; the quotation, cut from the frame,
    # holds no quotation marks of its own, and is still not a copy of the other outlet's
    statement = ("We will rebuild every single home that the flood destroyed in the valley, "
                 "and we will start this week")
    a = analyzer.analyze(make_article(
        "Floodwater receded across the lower valley on Friday as crews cleared roads blocked "
        "by mud and fallen trees since the storm.\n"
        f"\u201c{statement},\u201d Mayor Ana Ruiz told reporters at city hall on Friday.\n"
        "The regional insurer said it had received more than 2,000 claims by Thursday night.",
        "Daily Ledger", title="Valley mayor vows to rebuild after flood"))
    b = analyzer.analyze(make_article(
        "Residents of Santa Lucia returned to find their houses filled with silt, three days "
        "after the river burst its banks in the worst flooding in decades.\n"
        f"\u201c{statement},\u201d Ruiz said in a televised address to residents on Friday "
        "evening.\nVolunteers handed out drinking water at the central market.",
        "The Harbour Herald", title="Flood-hit residents return to homes full of silt"))
    brief = comparer.compare([a, b])
    quoted = [f for f in brief.facts
              if any("rebuild every single home" in brief.claim_text(c) for c in f.claims)
              and len({c.article for c in f.claims}) == 2]
    assert quoted, [(f.status, [brief.claim_text(c) for c in f.claims]) for f in brief.facts]
    assert quoted[0].status == "agreed" and quoted[0].independent_sources == 2
    # the same passage in the outlets' own words (not quoted) is one source: a copy
    passage = ("Rescue teams reached the last cut-off villages of the valley late on Thursday "
               "after the river fell by two metres overnight")
    c = analyzer.analyze(make_article(
        "Floodwater receded across the lower valley on Friday as crews cleared roads blocked "
        f"by mud and fallen trees since the storm.\n{passage}, officials said on Friday.",
        "Daily Ledger", title="Valley mayor vows to rebuild after flood"))
    d = analyzer.analyze(make_article(
        "Residents of Santa Lucia returned to find their houses filled with silt, three days "
        "after the river burst its banks in the worst flooding in decades.\n"
        f"{passage}, the regional government said.", "The Harbour Herald",
        title="Flood-hit residents return to homes full of silt"))
    brief = comparer.compare([c, d])
    copied = [f for f in brief.facts
              if any("cut-off villages" in brief.claim_text(x) for x in f.claims)
              and len({x.article for x in f.claims}) == 2]
    assert copied and copied[0].independent_sources == 1


def _restating_nodes(articles: list[str], texts: list[str]) -> list:  # type: ignore[type-arg]
    from types import SimpleNamespace

    return [SimpleNamespace(claim=Claim(a, k, 0, 10), text=t)
            for k, (a, t) in enumerate(zip(articles, texts, strict=True))]


def test_facts_restated_by_many_outlets_are_listed_once() -> None:
    """With many outlets the supporters of claims that restate one headline overlap without
    one holding the other: such groups are one fact. Groups that differ in which claim of one
    article they hold are two facts one sentence packs, and stay two."""
    from typing import Any, cast

    from corroborate.align.compare import _merge_restated_groups

    head = "Lohan checks into Betty Ford"
    # claims 0-4 of five articles restate the headline; 5 is a second claim of article c
    nodes = cast(Any, _restating_nodes(["a", "b", "c", "d", "e", "c"],
                                       [head, head, head, head.upper(), head, "4-1 vote"]))
    scores = {(i, j): 0.9 for i in range(5) for j in range(i + 1, 5)}
    scores.update({(0, 5): 0.6, (1, 5): 0.6})
    # each claim's best supporters overlap: {0,1,2,3} and {0,1,2,4} -> one fact
    assert _merge_restated_groups([[0, 1, 2, 3], [0, 1, 2, 4], [5]], nodes, scores) == [
        [0, 1, 2, 3, 4], [5]]
    # {0,1,2} and {0,1,5} differ in the claim of article c: two facts
    packed = [[0, 1, 2], [0, 1, 5]]
    assert _merge_restated_groups(packed, nodes, scores) == packed
    # other words at the centre: two facts, however much they share
    other = cast(Any, _restating_nodes(["a", "b", "c", "d", "e", "c"],
                                       [head, head, head, "Another claim", "Another claim",
                                        "x"]))
    split = [[0, 1, 2], [1, 3, 4]]
    assert _merge_restated_groups(split, other, scores) == split
    assert _merge_restated_groups([[3], [4]], nodes, scores) == [[3], [4]]


def test_a_many_outlet_story_lists_a_restated_fact_once(shared_data, analyzer, comparer,  # type: ignore[no-untyped-def]
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """21 outlets on one rehab stay (ECB+ 1_ecbplus): merging restated groups leaves fewer
    agreed facts shown by the same words than the star groups alone, and loses no claim."""
    import importlib
    import json

    from corroborate.ingest import IngestOptions, Rejection, read_bytes

    lines = [line for name in ("articles_dev.jsonl", "articles_train.jsonl")
             for line in (shared_data / "ecbplus" / name).read_text(encoding="utf-8").splitlines()
             if json.loads(line)["event"] == "1_ecbplus"]
    assert len(lines) == 21
    articles = [a for a in read_bytes("\n".join(lines).encode(), "lohan.jsonl", IngestOptions(),
                                      kind="jsonl") if not isinstance(a, Rejection)]
    analyses = list(analyzer.analyze_many(articles))

    def repeated(brief: Brief) -> int:
        shown = [" ".join(brief.claim_text(f.claims[f.representative]).lower().split())
                 for f in brief.facts if f.status != "single"]
        return len(shown) - len(set(shown))

    merged = comparer.compare(analyses)
    compare_module = importlib.import_module("corroborate.align.compare")
    monkeypatch.setattr(compare_module, "_merge_restated_groups", lambda g, n, s: g)
    stars = comparer.compare(analyses)
    assert repeated(stars) >= 4 and repeated(merged) <= repeated(stars) // 2
    claims = {c for f in merged.facts for c in f.claims}
    assert claims == {c for f in stars.facts for c in f.claims}
    _check_invariants(merged)
