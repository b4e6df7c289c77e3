"""The real spaCy model on the bundled examples: nothing of the NLP is mocked."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corroborate.ingest import read_inputs
from corroborate.model import Analysis, Article
from corroborate.report import analysis_to_dict

ROOT = Path(__file__).resolve().parent.parent


def _analyse(analyzer, examples: Path, name: str) -> Analysis:  # type: ignore[no-untyped-def]
    [a] = [r for r in read_inputs([str(examples / name)]) if isinstance(r, Article)]
    result: Analysis = analyzer.analyze(a)
    return result


@pytest.fixture(scope="module")
def summit(analyzer, examples: Path) -> Analysis:  # type: ignore[no-untyped-def]
    return _analyse(analyzer, examples, "summit/pacific-wire.txt")


def test_offsets_point_into_the_text(summit: Analysis) -> None:
    text = summit.article.text
    for s in summit.sentences:
        assert text[s.start : s.end].strip() == text[s.start : s.end]
    for group in (summit.entities, summit.quantities, summit.dates, summit.quotes,
                  summit.attributions):
        for item in group:
            sent = summit.sentences[item.sentence]
            assert 0 <= item.start < item.end <= len(text)
            assert sent.start <= item.start <= sent.end


def test_pronoun_speaker_resolved_to_named_person(summit: Analysis) -> None:
    text = summit.article.text
    added = [q for q in summit.quotes if q.cue == "added"]
    assert added, "the 'she added' quote is found"
    assert added[0].speaker == "Lee Ha-na"
    assert added[0].speaker_role == "presidential spokesperson"
    assert text[added[0].speaker_start : added[0].speaker_end] == "she"


def test_attributions_named_and_anonymous(summit: Analysis) -> None:
    by_source = {a.source: a for a in summit.attributions}
    assert by_source["sources"].kind == "anonymous" and not by_source["sources"].named
    assert by_source["sources"].cue == "according to"
    assert by_source["A senior presidential official"].named is False
    assert by_source["The presidential office"].kind == "government"
    assert by_source["Lee Ha-na"].cue == "told reporters"


def test_quantities_and_dates(summit: Analysis) -> None:
    text = summit.article.text
    q = {text[x.start : x.end]: x for x in summit.quantities}
    assert q["about 30 minutes"].approximate and q["about 30 minutes"].unit == "minute"
    assert q["seventh"].value == 7
    d = {text[x.start : x.end]: x.value for x in summit.dates}
    assert d["Monday"] == "2026-09-21"
    assert d["December 2019"] == "2019-12"
    assert d["two years and 10 months ago"] == "2023-11"


def test_entity_keys_join_short_and_full_names(summit: Analysis) -> None:
    text = summit.article.text
    keys = {text[e.start : e.end]: e.key for e in summit.entities}
    assert keys["Kang"] == keys["Kang Min-jae"] == "PERSON:kang-min-jae"


def test_quoted_as_saying_names_both(analyzer, examples: Path) -> None:  # type: ignore[no-untyped-def]
    analysis = _analyse(analyzer, examples, "summit/northbridge-times.txt")
    quoted = [q for q in analysis.quotes if q.cue == "quoted ... as saying"]
    assert quoted and quoted[0].speaker == "the presidential office"
    media = [a for a in analysis.attributions if a.kind == "media"]
    assert any("Hanbit News Agency" in a.source for a in media)


def test_json_output_matches_schema(summit: Analysis) -> None:
    schema = json.loads((ROOT / "schemas" / "analysis.schema.json").read_text())
    doc = json.loads(json.dumps(analysis_to_dict(summit)))
    jsonschema.validate(doc, schema)
    assert doc["schema"] == "corroborate.analysis/1"


def test_all_examples_analyse_and_validate(analyzer, examples: Path) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads((ROOT / "schemas" / "analysis.schema.json").read_text())
    arts = [r for r in read_inputs([str(examples)]) if isinstance(r, Article)]
    for analysis in analyzer.analyze_many(arts):
        jsonschema.validate(json.loads(json.dumps(analysis_to_dict(analysis))), schema)
        assert analysis.sentences


def test_worker_processes_give_the_same_analysis(analyzer, examples: Path) -> None:  # type: ignore[no-untyped-def]
    arts = [r for r in read_inputs([str(examples)]) if isinstance(r, Article)]
    single = list(analyzer.analyze_many(arts))
    forked = list(analyzer.analyze_many(arts, n_process=2, batch_size=3))
    assert forked == single


@pytest.mark.parametrize(
    ("text", "speakers"),
    [
        ('"The deal is dead," Walsh said.\nKing disagreed. "Everyone knows it is alive. It just '
         'needs time," he told Fox News.\n"Give it a week."', ["Walsh", "King", "King"]),
        ('Mayor Lisa Chen spoke to reporters on Friday. "We will rebuild," she said.',
         ["Lisa Chen"]),
        ('The city was flooded. Her deputy, Tom Park, disagreed. "Luck had nothing to do with '
         'it," he said.', ["Tom Park"]),
        ('The café owner said "we are sad" on Tuesday.', ["The café owner"]),
        ('Lee said Park would attend. "It is settled," he added.', ["Lee"]),
        # a quotation running over lines of one sentence each, its cue at the end
        ('Officials met on Friday.\n\u201cIt\u2019s very simple.\nIf they were culpable, they '
         'should be held accountable,\u201d Charles Schumer said.', ["Charles Schumer"]),
        # the name set off after a role that holds another name
        ('A spokesman for Mr. Hunter, Michael Harrison, said Tuesday that the congressman '
         '\u201cbelieves this action is purely politically motivated.\u201d',
         ["Michael Harrison"]),
        ('However, one of her lawyers, Tom Kirsch, says the plea agreement "does not '
         'contemplate a sentence of that length."', ["Tom Kirsch"]),
        # a definite title: the person the story is about
        ('Rep. Blake Farenthold resigned on Friday. Blake Farenthold had settled a suit. '
         'Lauren Greene accused Farenthold of misconduct. \u201cI had no idea how to run a '
         'congressional office,\u201d the four-term congressman said in December.',
         ["Blake Farenthold"]),
        # a short quotation inside what a reporting verb reports is speech, not a scare quote
        ('Vega contended that there was a "rush to indict" after the investigation.',
         ["Vega"]),
        # a surname the model tags as an organisation, named in full elsewhere, is the
        # subject "she" refers to (not the last quoted speaker)
        ('\u201cI said it, I was wrong, and I apologize," Trump said.\nRep. Alexandria '
         'Ocasio-Cortez spoke on Friday.\nOn Saturday, Ocasio-Cortez tweeted a vow to '
         'support Tlaib.\n\u201cI got your back,\u201d she tweeted.',
         ["Trump", "Alexandria Ocasio-Cortez"]),
        # a cue-less quotation opening the sentence after a quote whose cue is long continues
        # that quote; one in the middle of a sentence of its own does not
        ('\u201cI don\u2019t really like that kind of language,\u201d Representative Jerrold '
         'Nadler, Democrat of New York and the chairman of the House Judiciary Committee, '
         'where any impeachment inquiry must begin, said on CNN.\n\u201cBut more to the '
         'point, I disagree with what she said.\u201d', ["Jerrold Nadler", "Jerrold Nadler"]),
        ('"We will appeal," Walsh said on Tuesday after a long hearing at the federal court '
         'in the northern district of the state.\nIt came as the board, in a letter to the '
         'mayor, called the ruling "a disgrace to the city and its people."',
         ["Walsh", None]),
        # the parser leaves the reporting verb without a subject ("Pacelle" read as
        # coordinated with "Twitter"): the person named right before it, past an appositive
        ('In a post to Twitter, Wayne Pacelle, the CEO of The Humane Society of the United '
         'States, said he was \u201cgrateful\u201d that Trump would reconsider.',
         ["Wayne Pacelle"]),
        # ... past two such phrases, and then "he said" is that person, not the speaker before
        ('"We have work to do," Obama said.\nAfter the vote, Rep. Bobby Scott, D-Va., one of '
         'the nine lawmakers to vote against the resolution, said the nation faces bigger '
         'problems.\n"Instead of creating jobs, we are debating a motto," he said.',
         ["Obama", "Bobby Scott"]),
        # a reporting participle speaks for the subject of the clause it hangs from
        ('President Obama criticized Congress on Wednesday, saying: "They have time to do '
         'it."', ["Obama"]),
        # ... not the person named right before it
        ('Senator Mary Lane met with John Smith on Monday saying "we have a lot of work to '
         'do."', ["Mary Lane"]),
        # an inverted cue opening the line, which the parser reads as one name
        ('Robert Gibbs spoke to reporters.\nAdded Gibbs: "Who on earth thinks that this is '
         'somehow going to be a better agreement?"', ["Robert Gibbs"]),
        # a reporting participle the tagger reads as a noun ("writing")
        ('Trump appeared to respond to Tlaib over Twitter Friday morning, writing: \u201cThey '
         'only want to impeach me because they know they can\u2019t win in 2020, too much '
         'success!\u201d', ["Trump"]),
        # ... or that the parser hangs on what the main clause reports
        ('In brief remarks, Mr. Obama on Wednesday emphatically disputed that Democrats '
         'generally feel betrayed by his deal with Congressional Republicans on the tax cuts, '
         'saying that \u201cthe more who look at it, the more will say this makes '
         'sense.\u201d', ["Obama"]),
        # a line ending on a colon after a reporting verb introduces the next line's quotation
        ('McMahon is one of the Republican Senate candidates.\nRennie wrote:\n"The Blumenthal '
         'Bombshell comes at the end of more than 2 months of deep research."', ["Rennie"]),
        ('The governor spoke on Monday.\nThe bill passed:\n"It is a good day," one aide said.',
         ["one aide"]),
        # a pronoun with several people to refer to teaches none of them a gender: "he" is a
        # guess here, and "she" later is still the woman the passage is about
        ('Senate leader Chuck Schumer and House leader Nancy Pelosi visited the White House '
         'after their meeting with Trump, when he said he would be proud to do it.\n'
         '"They are now feeling the heat," Schumer said.\nPelosi, who is expected to return '
         'to the speakership on Thursday, intends to pass the spending bills.\n"We are asking '
         'the president to open the government," she told reporters.',
         ["Chuck Schumer", "Nancy Pelosi"]),
        # a definite description of an office is the person named with that title ...
        ('Mary Cheney, daughter of former Vice President Dick Cheney, wrote on Facebook.\n'
         'Her sister Liz Cheney said nothing.\n"Freedom means freedom for everyone," the '
         'former vice president said.', ["Dick Cheney"]),
        # ... else the person the passage is about (the subject of the sentence before)
        ('President Trump halted the decision on Friday.\nCalifornia Rep. Ed Royce on Friday '
         'questioned the action.\n"The administration should withdraw this decision," the '
         'committee chairman said in a statement.', ["Ed Royce"]),
        # ... an appositive is closed by a comma: ", the governor pointed" is the next
        # clause's subject, not a title of the name before it
        ('Gov. Mike Pence signed the law.\nMr. Pence defended it.\nIn the interviews '
         'with Mr. Stephanopoulos, the '
         'governor pointed to federal law.\n"That is not on my agenda," the governor said.',
         ["Mike Pence"]),
        # ... the whole title: a vice president is no president
        ('President Trump met Vice President Mike Pence on Monday.\n"Walls work," the '
         'president said.', ["Trump"]),
        # ... but a description naming another body, or no office, is left as it is
        ('Rep. Ed Royce questioned the action.\n"We will not change course," the president '
         'of Mexico said.', ["the president of Mexico"]),
        ('Rep. Ed Royce questioned the action.\n"We will review it," the spokesman said.',
         ["the spokesman"]),
        # ... or past a participle phrase, with the verb's own adverb ("clearly says")
        ('At that March 2 event, which can be found here on YouTube, Blumenthal, advocating '
         'for troops returning from war, clearly says, "We have learned something very '
         'important since the days that I served in Vietnam."', ["Blumenthal"]),
        # a quotation that makes up the sentence after a reported statement is its source's
        ('Minutes later, Trump claimed Republicans are often attacked for supporting him.\n'
         '\u201cCome to think of it, does anyone get attacked more than me?\u201d',
         ["Trump"]),
        # ... or after a sentence with no quotation whose main clause has a person as subject
        ('Bernie Sanders, who was campaigning in Iowa on Sunday, has opposed the trade deal.'
         '\n"It is a failed trade policy, and I hope the secretary joins us."',
         ["Bernie Sanders"]),
        # a surname is the fuller name that adds no generation
        ('Donald Trump Jr. spoke first.\nPresident Donald Trump arrived later.\n"We will win," '
         'Trump said.', ["Donald Trump"]),
        # ... a long one: a short one is a title ("This Week")
        ('Pence failed to explain the law, Long said.\n\u201cThis Week.\u201d', [None]),
        # ... not when something else stands in its sentence, or a sentence lies between
        ('Trump claimed Republicans are often attacked.\nThe crowd cheered.\n\u201cDoes '
         'anyone get attacked more than me?\u201d', [None]),
        # the complement of a characterising verb is in its subject's words
        ('Senator Chuck Schumer, the Democratic leader, denounced the offer as \u201cnot a '
         'compromise but more hostage taking.\u201d', ["Chuck Schumer"]),
        ('Sullivan, for the record, called the night "a solid win for Biden."', ["Sullivan"]),
        # ... a participle's in the subject of the clause it hangs from
        ('Rep. Ed Royce called on the administration to reverse its policy, labeling it the '
         '\u201cwrong move at the wrong time.\u201d', ["Ed Royce"]),
        # ... accusing someone of it, too
        ('Sen. Marco Rubio accused Obama of trying to "undermine the constitutional right to '
         'bear arms."', ["Marco Rubio"]),
        # a quotation inside what a reporting participle reports
        ('Mike Huckabee rejects calls for a minimum wage hike, saying his proposals will '
         'yield a "maximum wage."', ["Mike Huckabee"]),
        ('Susan Collins praised the president, saying she hoped that the offer would "lead to '
         'constructive debate that will end this impasse."', ["Susan Collins"]),
        # a person's representative speaks for them, not as them; a person's own words stay
        # theirs
        ('Stone\u2019s attorney added that the arrest was "a spectacle staged for the cameras '
         'by the government."', ["Stone\u2019s attorney"]),
        ('Mr. Braley\u2019s apology noted his stint "doing farm jobs and working a grain '
         'elevator."', ["Braley"]),
        # posting is saying
        ('President Donald Trump called trophy hunting a horror show.\n\u201cBig-game '
         'trophy decision will be announced next week,\u201d he posted to Twitter Sunday '
         'evening.', ["Donald Trump"]),
        # the author of a document that speaks: "from X", or "by X" set off by commas
        ('"The First Amendment protects freedom of religion," reads a statement from Senate '
         'Majority Leader Harry Reid\'s office.', ["Harry Reid"]),
        ('But the report, by White House Counsel Robert Bauer, concluded that "the '
         'allegations rest on factual errors."', ["Robert Bauer"]),
        # ... one author: a document of several keeps its own words
        ('But the lawsuit from the ACLU and the NAACP argues that Colorado has "created a '
         'dangerous gap in the federal drug control system."',
         ["the lawsuit from the ACLU and the NAACP"]),
        # ... a document with no author named has none ("reads" is no cue then)
        ('"She has no choice but to take this course," the letter reads.', [None]),
        # ... documents in the plural too, "from X" / "by X" and "X's"
        ('Comments by Harry Reid on Tuesday said "we will not yield."', ["Harry Reid"]),
        ('Harry Reid\'s statements said "we will not yield on this bill."', ["Harry Reid"]),
    ],
)
def test_speakers_of_pronoun_and_cue_less_quotes(analyzer, text: str,  # type: ignore[no-untyped-def]
                                                 speakers: list[str]) -> None:
    article = Article(id="t", text=text, title="t", source="s", published="2026-03-12")
    assert [q.speaker for q in analyzer.analyze(article).quotes] == speakers


def test_dates_follow_tense(analyzer) -> None:  # type: ignore[no-untyped-def]
    text = ("The trial will resume on March 2, officials said. The first hearing took place "
            "on March 20. A ruling could come as early as Friday.")
    article = Article(id="t", text=text, title="t", source="s", published="2026-03-12")
    analysis = analyzer.analyze(article)
    values = {text[d.start : d.end]: d.value for d in analysis.dates}
    assert values["March 2"] == "2027-03-02"
    assert values["March 20"] == "2025-03-20"
    assert "2026-03-13" in values.values()


@pytest.mark.parametrize(("sentence", "expected"), [
    ("The bank's next policy meeting is in December.", "2026-12"),  # copula: "next" decides
    ("The board's next meeting is scheduled for Dec. 16.", "2026-12-16"),
    ("The bank's last policy meeting was in December.", "2025-12"),
    ("The peso's weakest level this year is the one it hit in December.", "2026 2025-12"),
    ("The ruling was expected in December.", "2025-12"),
    # a date an event is set for is the event's, whatever the tense of the setting
    ("Sentencing has been set for June 28.", "2027-06-28"),
    ("The judge set the sentencing for June 28 at 2 p.m.", "2027-06-28"),
    ("The hearing is scheduled on Dec. 3.", "2026-12-03"),
    ("The fire set the warehouse alight on June 28.", "2026-06-28"),
    # ... unless the setting is past or undone
    ("The vote, which had been scheduled for March 5, was postponed.", "2026-03-05"),
    ("The trial was originally set for March 12 but was delayed.", "2026-03-12"),
    ("Sales set a record for March.", "2026-03"),
    # the cues of the date's own clause, not of the sentence
    ("The man, who is accused of a robbery in March, will appear in court.", "2026-03"),
])
def test_year_of_scheduled_and_copula_dates(analyzer, sentence: str,  # type: ignore[no-untyped-def]
                                           expected: str) -> None:
    article = Article(id="t", text=sentence, title="t", source="s", published="2026-11-19")
    assert [d.value for d in analyzer.analyze(article).dates] == expected.split()


def test_quote_spans_over_lines_and_paragraphs() -> None:
    from corroborate.analyze.quote_spans import find_quote_spans

    # one sentence per line, the quotation closed two lines later: one span
    text = "\u201cThey came from Florida.\nI am confident,\u201d she said.\nNext line."
    spans = [s for s in find_quote_spans(text) if not s.is_term]
    assert len(spans) == 1
    assert text[spans[0].start:spans[0].end] == "They came from Florida.\nI am confident,"
    # the news convention: the next paragraph opens with its own mark
    text = "\u201cWe will rebuild.\n\u201cIt will take years,\u201d he said."
    spans = find_quote_spans(text)
    assert [text[s.start:s.end] for s in spans] == ["We will rebuild.", "It will take years,"]
    # scraped pages mix straight and curly marks: each closes the other
    text = ('He insisted the remarks didn\'t "reflect who I am.\u201d\n'
            '\u201cI said it, I was wrong," Trump said.')
    spans = find_quote_spans(text)
    assert [text[s.start:s.end] for s in spans] == ["reflect who I am.", "I said it, I was wrong,"]
    # an opening mark never closed: ends at its paragraph
    text = "\u201cAn unclosed remark here.\nA plain line.\nAnother plain line."
    spans = find_quote_spans(text)
    assert [text[s.start:s.end] for s in spans] == ["An unclosed remark here."]


@given(st.text(alphabet=st.sampled_from(list('ab "\u201c\u201d\n.,')), max_size=60))
def test_quote_spans_are_ordered_and_inside_the_text(text: str) -> None:
    from corroborate.analyze.quote_spans import find_quote_spans

    previous = -1
    for span in find_quote_spans(text):
        assert 0 <= span.open < span.start <= span.end <= span.close <= len(text)
        assert span.open > previous
        previous = span.open
