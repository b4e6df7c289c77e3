"""Atomic claims: propositions cut from the dependency parse, gaps, and page furniture."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corroborate.align.propositions import PropositionSplitter, is_furniture
from corroborate.model import Article, Claim
from corroborate.textnorm import article_id


def make_article(text: str, title: str = "Congressman resigns after settlement") -> Article:
    return Article(article_id(text, "Wire"), text, title, "Wire", "2018-04-06")


@pytest.fixture(scope="module")
def splitter(analyzer):  # type: ignore[no-untyped-def]
    return PropositionSplitter(analyzer.nlp)


def texts(splitter, analyzer, text: str, title: str = "A title of some words"
          ) -> list[str]:  # type: ignore[no-untyped-def]
    analysis = analyzer.analyze(make_article(text, title))
    props = splitter.split([analysis])[0]
    return [analysis.article.claim_text(p.claim) for p in props if p.claim.field == "text"]


def test_relative_clause_is_its_own_claim_with_a_gap(splitter, analyzer) -> None:  # type: ignore[no-untyped-def]
    text = ("Representative Blake Farenthold, who used $84,000 in taxpayer funds to settle a "
            "harassment case, resigned from Congress on Friday.")
    analysis = analyzer.analyze(make_article(text))
    props = splitter.split([analysis])[0]
    body = [p for p in props if p.claim.field == "text"]
    words = [analysis.article.claim_text(p.claim) for p in body]
    assert "Representative Blake Farenthold resigned from Congress on Friday" in words
    # a relative clause is shown and read with the noun it describes: the claim's span starts
    # at the noun, so what a reader sees is a statement, still traceable to the text
    relative_words = ("Representative Blake Farenthold, who used $84,000 in taxpayer funds to "
                      "settle a harassment case")
    assert relative_words in words
    main = body[words.index("Representative Blake Farenthold resigned from Congress on Friday")]
    assert main.claim.gaps and all(main.claim.start < s < e < main.claim.end
                                   for s, e in main.claim.gaps)
    relative = body[words.index(relative_words)]
    assert relative.claim.start == 0 and not relative.claim.gaps
    assert text[relative.claim.start : relative.claim.end] == relative_words
    assert relative.text.startswith("Representative Blake Farenthold who used")


def test_a_clause_shows_the_noun_it_describes(splitter, analyzer) -> None:  # type: ignore[no-untyped-def]
    text = ("Prosecutors detailed the allegations named in the 48-page indictment on Tuesday.\n"
            "The congressman, who was first elected in 2008, denied the charges.")
    analysis = analyzer.analyze(make_article(text))
    props = [p for p in splitter.split([analysis])[0] if p.claim.field == "text"]
    words = [analysis.article.claim_text(p.claim) for p in props]
    named = [w for w in words if "48-page indictment" in w]
    assert named and named[0].startswith("allegations named in")
    elected = [p for p in props if "2008" in analysis.article.claim_text(p.claim)]
    assert analysis.article.claim_text(elected[0].claim) == (
        "congressman, who was first elected in 2008")
    # the claim's span points at the noun and the clause, with the words between them a gap
    for p in props:
        assert 0 <= p.claim.start < p.claim.end <= len(text)
        for start, end in p.claim.gaps:
            assert p.claim.start < start < end < p.claim.end


def test_coordinated_predicates_and_reporting_frames_split(splitter, analyzer) -> None:  # type: ignore[no-untyped-def]
    found = texts(splitter, analyzer,
                  "The governor signed the budget on Tuesday and vetoed three spending bills.\n"
                  "Farenthold said in a statement on Friday that he would repay the money soon.")
    assert "The governor signed the budget on Tuesday" in found
    assert "vetoed three spending bills" in found
    assert "Farenthold said in a statement on Friday" in found
    assert "he would repay the money soon" in found


def test_a_quotation_is_cut_from_a_frame_that_says_something(splitter, analyzer) -> None:  # type: ignore[no-untyped-def]
    found = texts(splitter, analyzer,
                  "\u201cThis contraband has been heavily trafficked into our state,\u201d "
                  "Nebraska Attorney General Jon Bruning said at a news conference in Lincoln.")
    # the venue is a fact of its own; the quoted words are what other outlets quote
    assert found == ["Nebraska Attorney General Jon Bruning said at a news conference in Lincoln",
                     "This contraband has been heavily trafficked into our state"]
    # a frame that says no more than who spoke stays with the quotation, and nothing is cut
    # inside a quotation
    found = texts(splitter, analyzer, "\u201cI am not in the censorship business, and we "
                  "will not change the rules,\u201d Ms. Pelosi said.")
    assert found == ["I am not in the censorship business, and we will not change the "
                     "rules,\u201d Ms. Pelosi said"]
    # the frame keeps no quotation mark that opens what was cut from it, a quotation inside
    # a clause keeps its closing one
    found = texts(splitter, analyzer, 'Omori told a regular news conference on Tuesday: "It '
                  'was not a summit meeting at all."\nThe bank said the market had "normalised '
                  'significantly".')
    assert found == ["Omori told a regular news conference on Tuesday",
                     "It was not a summit meeting at all",
                     'The bank said the market had "normalised significantly"']
    # nor does one left with no more than who spoke once its appositive is cut
    found = texts(splitter, analyzer, "\u201cThe fire spread very quickly because battery cells "
                  "kept exploding,\u201d said Tomas Hruby, a spokesman for the fire service.")
    assert found == ["The fire spread very quickly because battery cells kept exploding,"
                     "\u201d said Tomas Hruby", "Tomas Hruby, a spokesman for the fire service"]


def test_participial_clauses_are_claims_of_their_own(splitter, analyzer) -> None:  # type: ignore[no-untyped-def]
    text = ("Farenthold was sued by his former aide in 2014, alleging a hostile work "
            "environment, gender discrimination and retaliation.\n"
            "Hunter is a five-term congressman representing San Diego County.")
    analysis = analyzer.analyze(make_article(text))
    props = [p for p in splitter.split([analysis])[0] if p.claim.field == "text"]
    words = [analysis.article.claim_text(p.claim) for p in props]
    assert "Farenthold was sued by his former aide in 2014" in words
    alleging = "alleging a hostile work environment, gender discrimination and retaliation"
    assert alleging in words
    # read with the subject of the clause it hangs from (not shown with it: the parse often
    # hangs a participle on the wrong clause), or read and shown with the noun it describes
    assert props[words.index(alleging)].text == f"Farenthold {alleging}"
    representing = "five-term congressman representing San Diego County"
    assert representing in words
    assert props[words.index(representing)].text == representing
    # a participle that is not set off by a comma stays in its clause
    assert texts(splitter, analyzer, "The senator left the hearing early citing a family "
                 "emergency at home.") == [
        "The senator left the hearing early citing a family emergency at home"]


def test_short_clauses_stay_whole(splitter, analyzer) -> None:  # type: ignore[no-untyped-def]
    assert texts(splitter, analyzer, "He came and she left after the meeting ended.") == [
        "He came and she left after the meeting ended"]


def test_headline_credit_lines_and_furniture_are_handled(splitter, analyzer) -> None:  # type: ignore[no-untyped-def]
    text = ("Updated: July 2, 2013 15:01 IST\n"
            "Tuesday, July 2nd, 2013\n"
            "Rescuers pulled 12 people from the rubble of the collapsed bridge on Monday.\n"
            "(Reporting by Jane Doe; Editing by John Roe)\n"
            "Read more: How the bridge was built")
    analysis = analyzer.analyze(make_article(text, title="Bridge collapses in capital"))
    props = splitter.split([analysis])[0]
    assert props[0].claim.field == "title" and props[0].claim.sentence is None
    words = [analysis.article.claim_text(p.claim) for p in props[1:]]
    assert words == ["Rescuers pulled 12 people from the rubble of the collapsed bridge on Monday"]


@pytest.mark.parametrize(("line", "furniture"), [
    ("Updated: July 2, 2013 15:01 IST", True),
    ("Tuesday, July 2nd, 2013", True),
    ("By Jane Doe and John Roe", True),
    ("Photo: Getty Images", True),
    ("Read more: the full report", True),
    ("More from Politics", True),
    ("Share this article", True),
    ("(AP Photo/Evan Vucci)", True),
    ("© 2026 The Harbour Herald", True),
    ("At least 12 people were killed on Tuesday, July 2.", False),
    ("By Tuesday the rescuers had found 30 survivors in the rubble.", False),
    ("More than 200 people were evacuated from the area.", False),
])
def test_furniture(line: str, furniture: bool) -> None:
    assert is_furniture(line) is furniture


def test_claim_text_leaves_out_gaps() -> None:
    text = "Farenthold, who used $84,000, resigned on Friday."
    article = make_article(text)
    claim = Claim(article.id, 0, 0, len(text) - 1, "text", ((10, 29),))
    assert article.claim_text(claim) == "Farenthold resigned on Friday"
    assert claim.covers(0, 10) and claim.covers(31, 39)
    assert not claim.covers(22, 29)


_WORDS = ["the", "minister", "said", "who", "and", "resigned", "on", "Friday", ",", "that",
          "he", "would", "leave", "after", "reports", "emerged", "$84,000", "Greene", "sued",
          "his", "former", "aide", "“", "”", ".", "told", "reporters", "which"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=40))
def test_claims_stay_inside_their_sentence_in_order(splitter, analyzer, words: list[str]  # type: ignore[no-untyped-def]
                                                   ) -> None:
    text = "The lead sentence has five words.\n" + " ".join(words)
    analysis = analyzer.analyze(make_article(text))
    for prop in splitter.split([analysis])[0]:
        claim = prop.claim
        if claim.field == "title":
            continue
        sentence = analysis.sentences[claim.sentence]
        assert sentence.start <= claim.start < claim.end <= sentence.end
        previous = claim.start
        for start, end in claim.gaps:
            assert previous < start < end < claim.end
            previous = end
        assert analysis.article.claim_text(claim).strip()


def test_claim_text_drops_a_bracket_whose_opening_lay_in_a_gap() -> None:

    text = ("OSTRAVA, Czech Republic, Oct 14 (Pacific Wire) - At least 12 people were killed "
            "(officially) and 31 injured")
    article = Article(id="x", text=text, title="T", source="s")
    dateline = text.index("Oct 14"), text.index(")")
    assert article.claim_text(Claim("x", 0, 0, len(text), "text", (dateline,))) == (
        "OSTRAVA, Czech Republic - At least 12 people were killed (officially) and 31 injured")
    # a gap over an opening bracket, or inside a bracketed aside
    opening = text.index("(Pacific"), text.index("Wire")
    assert article.claim_text(Claim("x", 0, 0, len(text), "text", (opening,))) == (
        "OSTRAVA, Czech Republic, Oct 14 Wire - At least 12 people were killed (officially) "
        "and 31 injured")
    aside = text.index("officially"), text.index(") and")
    assert article.claim_text(Claim("x", 0, 0, len(text), "text", (aside,))) == (
        "OSTRAVA, Czech Republic, Oct 14 (Pacific Wire) - At least 12 people were killed and "
        "31 injured")
    # brackets that open and close outside the gaps stay
    inner = text.index("Czech"), text.index(", Oct")
    assert article.claim_text(Claim("x", 0, 0, len(text), "text", (inner,))) == (
        "OSTRAVA Oct 14 (Pacific Wire) - At least 12 people were killed (officially) and 31 "
        "injured")
