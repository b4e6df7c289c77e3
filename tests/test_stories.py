"""Stories in memory: features, the linear-kernel link model, group-average clustering and the
online assigner (same event together, ids stable, window, merges, restore), and the bundled
examples end to end with the real MiniLM."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corroborate.embed import HashingEmbedder
from corroborate.model import Article
from corroborate.stories import (
    AssignSettings,
    LinkModel,
    StoryAssigner,
    StoryChange,
    StoryFeatures,
    default_link_model,
    lead_text,
    story_features,
)
from corroborate.stories.assign import FIXED_SCALE, FIXED_UNIT, SPACES, _Story
from corroborate.stories.features import (
    FEATURES,
    NAMESPACES,
    TermStatistics,
    article_day,
    features_from_bytes,
    features_from_json,
    features_to_bytes,
    features_to_json,
    term_bags,
    term_id,
    term_list,
    weigh,
)
from corroborate.stories.linkage import (
    NodeVectors,
    group_average,
    mean_node,
    pairwise_signals,
    signal_matrix,
    to_arrays,
)
from corroborate.stories.stream import apply_changes, cluster_features, features_of
from corroborate.textnorm import article_id

# -- a small corpus of three unmistakable events (invented), four outlets each ---------------

EVENTS: dict[str, list[tuple[str, str]]] = {
    "quake": [
        ("Magnitude 6.1 earthquake strikes near Kessova",
         "A magnitude 6.1 earthquake struck near the mountain town of Kessova on Tuesday, "
         "killing at least 14 people and damaging hundreds of homes, the Varnian interior "
         "ministry said. Rescue teams from Dravik were searching collapsed buildings."),
        ("Kessova quake kills 14, rescuers search rubble",
         "Rescuers in Kessova searched the rubble of collapsed homes on Tuesday after a 6.1 "
         "magnitude earthquake killed 14 people, according to the Varnian interior ministry. "
         "Teams from Dravik joined the search overnight."),
        ("Death toll in Varnia earthquake rises to 14",
         "The death toll from Tuesday's earthquake near Kessova in Varnia rose to 14, the "
         "interior ministry said, as rescue teams from Dravik dug through collapsed buildings "
         "after the magnitude 6.1 quake."),
        ("Survivors pulled from Kessova rubble after 6.1 quake",
         "Two survivors were pulled from a collapsed building in Kessova, where a magnitude 6.1 "
         "earthquake killed 14 people on Tuesday. The Varnian interior ministry said teams from "
         "Dravik were still searching."),
    ],
    "transfer": [
        ("Orlen Brask joins Castellan United for 85 million",
         "Striker Orlen Brask has joined Castellan United from Porto Velha for a fee of 85 "
         "million euros, the clubs announced on Friday. Brask signed a five-year contract "
         "with Castellan."),
        ("Castellan United sign Brask in 85m euro deal",
         "Castellan United completed the signing of striker Orlen Brask from Porto Velha on "
         "Friday in a deal worth 85 million euros. The forward agreed a five-year contract."),
        ("Brask completes record move to Castellan",
         "Orlen Brask became Castellan United's record signing on Friday when the striker "
         "moved from Porto Velha for 85 million euros on a five-year contract, the club said."),
        ("Porto Velha sell Orlen Brask to Castellan United",
         "Porto Velha sold striker Orlen Brask to Castellan United for 85 million euros on "
         "Friday. Brask, who scored 31 goals last season, signed for five years at Castellan."),
    ],
    "ruling": [
        ("Supreme court of Almara strikes down Halvren mining law",
         "The Almara supreme court on Thursday struck down the Halvren mining law, ruling 7-2 "
         "that the licences it granted to Teravon Minerals violated the constitution, judges "
         "said in the capital Sorvik."),
        ("Almara judges void Teravon mining licences",
         "Judges of the Almara supreme court voided the mining licences of Teravon Minerals on "
         "Thursday, striking down the Halvren law in a 7-2 ruling delivered in Sorvik."),
        ("Teravon Minerals loses Halvren case in 7-2 ruling",
         "Teravon Minerals lost its case before the Almara supreme court, which ruled 7-2 on "
         "Thursday in Sorvik that the Halvren mining law was unconstitutional."),
        ("Court ruling halts Teravon mines in Almara",
         "Mining by Teravon Minerals in Almara must stop after the supreme court in Sorvik "
         "struck down the Halvren law on Thursday by seven votes to two, 7-2."),
    ],
}
OUTLETS = ("Wire", "Herald", "Ledger", "Times")


def make_article(title: str, text: str, source: str, published: str | None) -> Article:
    return Article(article_id(text, source), text, title, source, published)


def event_articles(published: str | None = "2026-10-12") -> tuple[list[Article], dict[str, str]]:
    """The twelve articles, events interleaved (quake, transfer, ruling, quake, ...), and the
    gold event of each."""
    articles: list[Article] = []
    gold: dict[str, str] = {}
    for i, outlet in enumerate(OUTLETS):
        for event, items in EVENTS.items():
            title, text = items[i]
            article = make_article(title, text, outlet, published)
            articles.append(article)
            gold[article.id] = event
    return articles, gold


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Article], dict[str, str], dict[str, StoryFeatures]]:
    articles, gold = event_articles()
    features = features_of(articles, HashingEmbedder())
    return articles, gold, {f.article_id: f for f in features}


def partition(membership: dict[str, int]) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for aid, story in membership.items():
        groups.setdefault(story, set()).add(aid)
    return {frozenset(g) for g in groups.values()}


def run(assigner: StoryAssigner, features: Sequence[StoryFeatures]) -> list[list[StoryChange]]:
    return [assigner.assign(f) for f in features]


# -- features --------------------------------------------------------------------------------


def test_names_are_capitalised_words_that_do_not_start_a_sentence() -> None:
    bags = term_bags(
        "Fire at Czech battery plant kills 12",
        "Firefighters in Ostrava said on Wednesday that 1,200 tonnes burned. The Voltara "
        "Recycling plant was closed.\nMayor Eva Markova spoke to observers from NATO and UNESCO.",
    )
    names = set(bags["names"])
    assert {"czech", "ostrava", "wednesday", "voltara", "recycling", "eva", "markova"} <= names
    # sentence-initial (title, line or after a full stop) are not names; neither is a long
    # all-capitals word nor a stop word
    assert not {"fire", "firefighters", "the", "mayor", "unesco"} & names
    assert dict(bags["numbers"]) == {"12": 1, "1200": 1}  # thousands separators dropped
    assert "kills 12" in bags["bigrams"] and "eva markova" in bags["bigrams"]
    assert "12" not in bags["words"]  # numbers have their own namespace


def test_lead_is_the_title_and_first_sixty_words() -> None:
    early = "Officials in Kessova counted the damage on Tuesday."
    late = "Much later the Dravik mayor spoke."
    text = "\n".join([early, " ".join(["filler"] * 70), late])
    bags = term_bags("Quake hits Kessova", text)
    assert {"quake", "kessova", "officials", "damage"} <= set(bags["lead"])
    assert "dravik" in bags["names"] and "dravik" not in bags["lead_names"]
    assert "dravik" not in bags["lead"] and "kessova" in bags["lead_names"]


def test_title_repeated_as_first_line_is_read_once() -> None:
    once = term_bags("Kessova quake", "Rescuers in Dravik searched on Tuesday.")
    twice = term_bags("Kessova quake", "Kessova quake\nRescuers in Dravik searched on Tuesday.")
    assert once == twice


def test_term_ids_are_crc32_and_stable_across_processes() -> None:
    assert term_id("names", "ostrava") == zlib.crc32(b"names\x1fostrava") == 3208919877
    assert term_id("names", "ostrava") != term_id("words", "ostrava")
    article = make_article("Kessova quake", EVENTS["quake"][0][1], "Wire", "2026-10-12")
    here = story_features(article, np.ones(4, dtype=np.float32))
    code = (
        "from corroborate.stories.features import term_bags, term_id\n"
        f"bags = term_bags({article.title!r}, {article.text!r})\n"
        "print(sorted(term_id(ns, t) for ns, bag in bags.items() for t in bag))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # str hashes differ from this process
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert out.strip() == str(sorted(t for bag in here.terms.values() for t in bag))


def test_story_features_round_trip_through_json() -> None:
    article = make_article(*EVENTS["ruling"][0], "Wire", "2026-10-12T09:30:00+02:00")
    embedding = HashingEmbedder().embed([lead_text(article)])[0].vector
    features = story_features(article, embedding)
    assert set(features.terms) == set(NAMESPACES)
    assert features.day == pytest.approx(article_day(article.published))
    back = features_from_json(article.id, embedding, features_to_json(features))
    assert back.terms == features.terms and back.day == features.day
    assert back.priors == pytest.approx(features.priors)


def test_story_features_round_trip_through_the_compact_form() -> None:
    article = make_article(*EVENTS["ruling"][0], "Wire", "2026-10-12T09:30:00+02:00")
    embedding = HashingEmbedder().embed([lead_text(article)])[0].vector
    features = story_features(article, embedding)
    packed = features_to_bytes(features)
    back = features_from_bytes(article.id, embedding, packed, features.day)
    assert back.terms == features.terms and back.day == features.day
    assert back.priors == features.priors  # exact: float64, where JSON kept 12 digits
    json_size = len(json.dumps(features_to_json(features), separators=(",", ":")))
    assert len(packed) < json_size / 2
    with pytest.raises(ValueError):
        features_from_bytes(article.id, embedding, b"{" + packed[1:], None)
    with pytest.raises(ValueError):
        features_to_bytes(StoryFeatures(article.id, embedding, {"nonsense": {1: 1}}, {}, None))


def test_lead_text_and_article_day() -> None:
    article = make_article("Kessova quake", "Kessova quake\nFirst line.\nSecond line.", "W",
                           None)
    assert lead_text(article) == "Kessova quake. First line. Second line."
    assert len(lead_text(make_article("T", "word " * 500, "W", None))) <= 600 + 3
    assert article_day("1970-01-02") == 1.0
    assert article_day("1970-01-01T12:00:00+00:00") == 0.5
    assert article_day("1970-01-02T01:00:00+01:00") == 1.0
    assert article_day(None) is None and article_day("Tuesday") is None


def test_weighted_vectors_are_unit_length_and_rare_terms_weigh_more() -> None:
    articles, _ = event_articles()
    stats = TermStatistics()
    features = features_of(articles, HashingEmbedder())
    for f in features:
        stats.add(f)
    vectors = weigh(features[0], stats)
    for ns in NAMESPACES:
        norm = sum(w * w for w in vectors[ns].values())
        assert norm == pytest.approx(1.0) or not vectors[ns]
    words = vectors["words"]
    assert words[term_id("words", "kessova")] > words[term_id("words", "homes")]
    for f in features:
        stats.remove(f)
    assert stats.documents == 0 and not stats.df


def _reference_weigh(features: StoryFeatures, df: dict[int, int], documents: int,
                     n0: float = 500.0) -> dict[str, dict[int, float]]:
    """The weighting written out term by term: sublinear tf times the smoothed IDF, positive
    weights only, the MAX_TERMS heaviest (ties: lower id), unit length."""
    from corroborate.stories.features import MAX_TERMS

    out = {}
    for ns in NAMESPACES:
        weights = []
        for t, n in features.terms.get(ns, {}).items():
            prior = features.priors.get(t, 1e-5)
            idf = math.log((documents + n0 + 1.0) / (df.get(t, 0) + n0 * prior + 1.0))
            w = (1.0 + math.log(n)) * idf
            if w > 0:
                weights.append((t, w))
        weights.sort(key=lambda item: (-item[1], item[0]))
        weights = weights[:MAX_TERMS[ns]]
        norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
        out[ns] = {t: w / norm for t, w in weights}
    return out


def test_weighing_matches_the_term_by_term_definition() -> None:
    articles, _ = event_articles()
    long = make_article("Long", " ".join(f"Word{i} term{i} and x{i}" for i in range(400)), "W",
                        None)  # more terms than MAX_TERMS in several namespaces
    features = features_of([*articles, long], HashingEmbedder())
    stats = TermStatistics()
    df: dict[int, int] = {}
    for f in features:
        expected = _reference_weigh(f, df, stats.documents)
        got = weigh(f, stats)
        for ns in NAMESPACES:
            assert set(got[ns]) == set(expected[ns])
            for t, w in expected[ns].items():
                assert got[ns][t] == pytest.approx(w, rel=1e-12)
        stats.add(f)
        for t in f.term_ids():
            df[t] = df.get(t, 0) + 1
        assert stats.df == df


def test_term_columns_are_handed_out_counted_and_taken_back() -> None:
    stats = TermStatistics()
    columns, distinct = stats.add_terms([10, 20, 30])
    assert sorted(distinct.tolist()) == sorted(columns.tolist()) and len(set(columns)) == 3
    again, _ = stats.add_terms([20, 40])
    assert again[0] == columns[1]  # a held term keeps its column
    assert stats.frequencies(stats.lookup([10, 20, 40, 99])).tolist() == [1, 2, 1, 0]
    assert stats.lookup([99]).tolist() == [-1]
    stats.discard([20, 40])
    assert stats.df == {10: 1, 20: 1, 30: 1} and stats.documents == 1
    freed = int(again[1])  # term 40's column is free again and goes to the next new term
    reused, _ = stats.add_terms([50])
    assert reused.tolist() == [freed]
    # the same id listed twice (a hash collision across namespaces) is one term
    twice, distinct = stats.add_terms([60, 60, 10])
    assert twice[0] == twice[1] and len(distinct) == 2
    assert stats.df[60] == 1 and stats.df[10] == 2
    # growing past the first arrays keeps every count
    many = list(range(1000, 4000))
    stats.add_terms(many)
    assert stats.capacity > 3000 and stats.df[1000] == 1 and stats.df[10] == 2
    stats.discard(many)
    assert 1000 not in stats.df and stats.lookup([1000]).tolist() == [-1]


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_signal_matrix_numbers_keys_alike_with_or_without_scratch(seed: int) -> None:
    from corroborate.stories.linkage import flat_terms, signal_matrix

    rng = np.random.default_rng(seed)
    nodes = [_node(rng) for _ in range(int(rng.integers(2, 6)))]
    embeddings = np.stack([n.embedding for n in nodes]).astype(np.float64)
    terms = [flat_terms(n) for n in nodes]
    sorted_keys = signal_matrix(embeddings, terms)
    slots = np.full(int(max(t[0].max() for t in terms)) + 1, 12345, dtype=np.int32)
    assert np.allclose(signal_matrix(embeddings, terms, slots), sorted_keys, atol=1e-12)
    # each namespace on its own: the dot products of the two nodes' vectors of it
    for i, a in enumerate(nodes):
        for j, b in enumerate(nodes):
            for k, ns in enumerate(NAMESPACES, start=1):
                va = dict(zip(*[x.tolist() for x in a.sparse[ns]], strict=True))
                vb = dict(zip(*[x.tolist() for x in b.sparse[ns]], strict=True))
                direct = sum(w * vb.get(t, 0.0) for t, w in va.items())
                assert sorted_keys[i, j, k] == pytest.approx(direct, abs=1e-6)


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_signal_matrix_dense_and_sparse_products_agree(seed: int) -> None:
    """Small neighbourhoods multiply dense blocks, large ones a sparse matrix: the same
    signals either way, to rounding."""
    from corroborate.stories import linkage
    from corroborate.stories.linkage import flat_terms, signal_matrix

    rng = np.random.default_rng(seed)
    nodes = [_node(rng) for _ in range(int(rng.integers(1, 7)))]
    embeddings = np.stack([n.embedding for n in nodes]).astype(np.float64)
    terms = [flat_terms(n) for n in nodes]
    slots = np.zeros(int(max(t[0].max() for t in terms)) + 1, dtype=np.int32)
    dense = signal_matrix(embeddings, terms, slots)
    limit = linkage.DENSE_LIMIT
    try:
        linkage.DENSE_LIMIT = 0
        sparse = signal_matrix(embeddings, terms, slots)
    finally:
        linkage.DENSE_LIMIT = limit
    assert np.allclose(dense, sparse, rtol=0, atol=1e-12)


def test_story_term_sums_kept_between_changes_equal_sums_made_afresh(corpus) -> None:  # type: ignore[no-untyped-def]
    """A story's summed weights, kept up to date as members arrive, leave the window and move,
    are exactly the fixed-point sums of its members added up afresh (and, read as floats,
    the per-term sums of their weighted vectors to within the fixed point's rounding)."""
    articles, _, by_id = corpus
    # a small window: members retire while their stories live on
    assigner = StoryAssigner(default_link_model(), AssignSettings(max_active_articles=8))
    for article in articles:
        assigner.assign(by_id[article.id])
        for story in assigner.stories.values():
            assigner._story_sums(story)  # brought up to date here as the story changes
    assert any(len(story.members) > 2 for story in assigner.stories.values())
    assert assigner.stats.documents < len(articles)  # some articles left the window
    for story in assigner.stories.values():
        keys, fixed = assigner._story_sums(story)
        fresh = _Story(story.id, members=list(story.members))
        fresh.changed()
        fresh_keys, fresh_fixed = assigner._story_sums(fresh)
        assert np.array_equal(keys, fresh_keys) and np.array_equal(fixed, fresh_fixed)
        members = [assigner.members[assigner.by_article[a]] for a in story.members]
        direct: dict[int, int] = {}
        floats: dict[int, float] = {}
        for m in members:
            for key, weight in zip(m.keys.tolist(), m.weighted.weights.tolist(), strict=True):
                direct[key] = direct.get(key, 0) + round(weight * FIXED_SCALE)
                floats[key] = floats.get(key, 0.0) + weight
        assert keys.tolist() == sorted(direct)
        assert fixed.tolist() == [direct[k] for k in sorted(direct)]
        # each member's weight is rounded by at most half a unit of the fixed point
        assert np.allclose(fixed * FIXED_UNIT, [floats[k] for k in sorted(floats)],
                           rtol=1e-14, atol=len(members) * FIXED_UNIT)


def test_assigner_mean_signals_are_the_mean_of_article_signals(corpus) -> None:  # type: ignore[no-untyped-def]
    """What the assigner computes from its window arrays equals the mean over a story's
    articles of the dot products of their weighted vectors (dicts, term by term)."""
    articles, _, by_id = corpus
    features = [by_id[a.id] for a in articles]
    assigner = StoryAssigner(default_link_model())
    for f in features[:-1]:
        assigner.assign(f)
    last = features[-1]
    member = assigner._admit(last, 10_000, float("-inf"), 0)
    stories = list(assigner.stories.values())
    signals = assigner._mean_signals(member, stories)
    mine = {ns: member.weighted.vector(ns) for ns in NAMESPACES}
    for row, story in zip(signals, stories, strict=True):
        articles = [assigner.members[assigner.by_article[a]] for a in story.members]
        assert row[0] == pytest.approx(
            np.mean([float(last.embedding @ m.embedding) for m in articles]), abs=1e-6)
        for k, ns in enumerate(NAMESPACES, start=1):
            direct = [sum(w * m.weighted.vector(ns).get(t, 0.0) for t, w in mine[ns].items())
                      for m in articles]
            assert row[k] == pytest.approx(float(np.mean(direct)), abs=1e-9)


# -- linear kernels and group average --------------------------------------------------------


def _node(rng: np.random.Generator, size: int = 1) -> NodeVectors:
    embedding = rng.standard_normal(8).astype(np.float32)
    sparse = {}
    for ns in NAMESPACES:
        ids = rng.choice(20, size=5, replace=False)
        sparse[ns] = to_arrays({int(t): float(rng.random()) for t in ids})
    return NodeVectors(embedding / np.linalg.norm(embedding), sparse, size)


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_mean_signals_of_groups_are_the_mean_of_article_signals(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b, c = _node(rng), _node(rng), _node(rng)
    direct = pairwise_signals([a, b, c])
    assert direct.shape == (3, 3, len(FEATURES))
    grouped = pairwise_signals([mean_node([a, b]), c])[0, 1]
    assert grouped == pytest.approx((direct[0, 2] + direct[1, 2]) / 2, abs=1e-5)


def _similarity_model(threshold: float = 0.5) -> LinkModel:
    """Logit = the first signal, so a hand-made signal matrix reads as similarities."""
    return LinkModel((1.0, *[0.0] * (len(FEATURES) - 1)), 0.0, threshold)


def _signals(similarity: list[list[float]]) -> np.ndarray:
    matrix = np.asarray(similarity, dtype=np.float64)
    out = np.zeros((*matrix.shape, len(FEATURES)))
    out[:, :, 0] = matrix
    return out


def test_group_average_on_a_hand_made_matrix() -> None:
    model = _similarity_model(0.5)
    two_pairs = _signals([[1.0, 0.9, 0.1, 0.0],
                          [0.9, 1.0, 0.0, 0.2],
                          [0.1, 0.0, 1.0, 0.8],
                          [0.0, 0.2, 0.8, 1.0]])
    assert group_average(two_pairs, [1, 1, 1, 1], model) == [0, 0, 2, 2]
    # average, not single, linkage: 2 is close to 0 only, so joins the group {0, 1} only when
    # the mean over both members reaches the threshold
    chain = _signals([[1.0, 0.95, 0.7],
                      [0.95, 1.0, 0.0],
                      [0.7, 0.0, 1.0]])
    assert group_average(chain, [1, 1, 1], model) == [0, 0, 2]  # (0.7 + 0.0) / 2 < 0.5
    assert group_average(chain, [3, 1, 1], model) == [0, 0, 0]  # (3*0.7 + 0.0) / 4 >= 0.5
    assert group_average(chain, [1, 1, 1], _similarity_model(0.35)) == [0, 0, 0]  # at it
    assert group_average(chain, [1, 1, 1], _similarity_model(2.0)) == [0, 1, 2]
    assert group_average(_signals([[1.0]]), [1], model) == [0]


def test_group_average_ties_go_to_the_lowest_indices() -> None:
    equal = _signals([[1.0, 0.6, 0.6], [0.6, 1.0, 0.6], [0.6, 0.6, 1.0]])
    assert group_average(equal, [1, 1, 1], _similarity_model(0.5)) == [0, 0, 0]
    only_one_pair = _signals([[1.0, 0.6, 0.6], [0.6, 1.0, 0.6], [0.6, 0.6, 1.0]])
    only_one_pair[1, 2, 0] = only_one_pair[2, 1, 0] = 0.0
    # 0-1 and 0-2 tie: 0 joins 1 first, then {0,1}-2 averages 0.3: 2 stays alone
    assert group_average(only_one_pair, [1, 1, 1], _similarity_model(0.5)) == [0, 0, 2]


def test_default_link_model_reads_the_shipped_weights() -> None:
    model = default_link_model()
    assert len(model.weights) == len(FEATURES)
    assert LinkModel.from_dict(model.to_dict()) == model


# -- the online assigner ---------------------------------------------------------------------


def test_same_event_together_and_different_events_apart(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, gold, features = corpus
    membership = cluster_features(features[a.id] for a in articles)
    want = {frozenset(a for a in gold if gold[a] == event) for event in EVENTS}
    assert partition(membership) == want


@settings(max_examples=15, deadline=None)
@given(st.permutations(list(range(12))))
def test_clear_events_cluster_the_same_in_any_order(corpus, order: list[int]) -> None:  # type: ignore[no-untyped-def]
    articles, gold, features = corpus
    membership = cluster_features(features[articles[i].id] for i in order)
    assert partition(membership) == {frozenset(a for a in gold if gold[a] == event)
                                     for event in EVENTS}


def test_assignment_is_deterministic(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, _, features = corpus
    stream = [features[a.id] for a in articles]
    first = run(StoryAssigner(default_link_model()), stream)
    second = run(StoryAssigner(default_link_model()), stream)
    assert first == second
    again = features_of(articles, HashingEmbedder())  # features are recomputed identically
    assert run(StoryAssigner(default_link_model()), again) == first


def test_story_ids_of_earlier_stories_never_change(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, gold, features = corpus
    assigner = StoryAssigner(default_link_model())
    membership: dict[str, int] = {}
    earlier = [a for a in articles if gold[a.id] != "ruling"]
    for article in earlier:
        apply_changes(membership, assigner.assign(features[article.id]))
    before = dict(membership)
    assert sorted(set(before.values())) == [1, 2]  # ids in order of first appearance
    unrelated = next(a for a in articles if gold[a.id] == "ruling")
    changes = assigner.assign(features[unrelated.id])
    assert changes == [StoryChange("assign", 3, unrelated.id)]
    assert {a.id: assigner.story_of(a.id) for a in earlier} == before
    assert assigner.story_of("no such article") is None


def test_an_article_is_assigned_once(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, _, features = corpus
    assigner = StoryAssigner(default_link_model())
    assigner.assign(features[articles[0].id])
    with pytest.raises(ValueError, match="already assigned"):
        assigner.assign(features[articles[0].id])


def _dated(features: StoryFeatures, day: float | None) -> StoryFeatures:
    return StoryFeatures(features.article_id, features.embedding, features.terms,
                         features.priors, day)


def test_window_retires_a_story_without_articles_for_window_days(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, gold, features = corpus
    quake = [features[a.id] for a in articles if gold[a.id] == "quake"]
    # the same event, but ten days between the reports: the first story has left the window
    assigner = StoryAssigner(default_link_model(), AssignSettings(window_days=7.0))
    first = assigner.assign(_dated(quake[0], 100.0))[0].story
    second = assigner.assign(_dated(quake[1], 110.0))[0].story
    assert first != second and assigner.active_articles == 1
    # within the window (a day apart) the same two reports share a story
    assigner = StoryAssigner(default_link_model(), AssignSettings(window_days=7.0))
    assert assigner.assign(_dated(quake[0], 100.0))[0].story == \
        assigner.assign(_dated(quake[1], 101.0))[0].story
    # the window is the story's inactivity: reports 5 days apart keep it active, so the
    # first and the last of a chain may lie more than window_days apart
    assigner = StoryAssigner(default_link_model(), AssignSettings(window_days=7.0))
    stories = {assigner.assign(_dated(f, 100.0 + 5 * i))[0].story
               for i, f in enumerate(quake[:3])}
    assert len(stories) == 1


def test_an_undated_story_does_not_hold_back_the_retirement_of_dated_ones(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, gold, features = corpus
    quake = [features[a.id] for a in articles if gold[a.id] == "quake"]
    transfer = next(features[a.id] for a in articles if gold[a.id] == "transfer")
    assigner = StoryAssigner(default_link_model())
    assigner.assign(_dated(transfer, None))  # an undated story, first to arrive
    first = assigner.assign(_dated(quake[0], 100.0))[0].story
    second = assigner.assign(_dated(quake[1], 110.0))[0].story
    assert first != second
    # an undated report of the event joins its (dated, active) story without dating it
    undated = assigner.assign(_dated(quake[2], None))[0].story
    assert undated == second
    assigner.assign(_dated(quake[3], 118.5))  # 8.5 days after the last dated report
    assert assigner.story_of(quake[2].article_id) is None  # retired with its story


def test_undated_streams_retire_by_arrivals(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, gold, features = corpus
    quake = [features[a.id] for a in articles if gold[a.id] == "quake"]
    others = [features[a.id] for a in articles if gold[a.id] != "quake"]
    assigner = StoryAssigner(default_link_model(), AssignSettings(window_articles=3))
    first = assigner.assign(_dated(quake[0], None))[0].story
    for f in others[:3]:
        assigner.assign(_dated(f, None))
    assert assigner.story_of(quake[0].article_id) == first  # 3 arrivals ago: still active
    assigner.assign(_dated(others[3], None))
    assert assigner.story_of(quake[0].article_id) is None
    assert assigner.assign(_dated(quake[1], None))[0].story != first


def _synthetic(aid: str, topic: int, day: float | None, dim: int = 16) -> StoryFeatures:
    """Hand-built features: one embedding axis and one private term per topic."""
    embedding = np.zeros(dim, dtype=np.float32)
    embedding[topic % dim] = 1.0
    terms = {ns: {term_id(ns, f"topic{topic}"): 1} for ns in NAMESPACES}
    priors = {t: 1e-6 for bag in terms.values() for t in bag}
    return StoryFeatures(aid, embedding, terms, priors, day)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 60))),
                min_size=1, max_size=40),
       st.integers(1, 8))
def test_memory_and_window_stay_bounded(stream: list[tuple[int, int | None]],
                                        max_active: int) -> None:
    settings_ = AssignSettings(window_days=7.0, window_articles=10,
                               max_active_articles=max_active)
    assigner = StoryAssigner(default_link_model(), settings_)
    days = sorted(d for _, d in stream if d is not None)
    dated = iter(days)  # dated articles arrive in date order, undated ones anywhere
    for seq, (topic, day) in enumerate(stream):
        when = None if day is None else float(next(dated))
        assigner.assign(_synthetic(f"a{seq}", topic, when))
        assert assigner.active_articles <= max_active
        if when is not None:
            for story in assigner.stories.values():
                if np.isfinite(story.last_day):
                    assert when - story.last_day <= settings_.window_days
        live = {m.story for m in assigner.members.values()}
        assert live == set(assigner.stories)


def test_a_bridging_article_merges_two_stories() -> None:
    model = default_link_model()
    assigner = StoryAssigner(model)
    a = _synthetic("a", 0, None)
    b = _synthetic("b", 1, None)
    bridge_terms = {ns: {**a.terms[ns], **b.terms[ns]} for ns in NAMESPACES}
    bridge = StoryFeatures("c", np.asarray(a.embedding + b.embedding) / np.sqrt(2),
                           bridge_terms, {**a.priors, **b.priors})
    assert assigner.assign(a) == [StoryChange("assign", 1, "a")]
    assert assigner.assign(b) == [StoryChange("assign", 2, "b")]
    changes = assigner.assign(bridge)
    assert changes[0] == StoryChange("assign", 1, "c")  # its own change first
    assert StoryChange("move", 1, "b", 2) in changes
    assert StoryChange("merge", 1, None, 2) in changes
    assert all(c.previous is not None for c in changes if c.kind in ("move", "merge"))
    assert {assigner.story_of(x) for x in "abc"} == {1}
    assert set(assigner.stories) == {1}


def test_restore_continues_exactly_like_an_uninterrupted_assigner(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, _, features = corpus
    stream = [_dated(features[a.id], 100.0 + i / 4) for i, a in enumerate(articles)]
    # an early unrelated story that leaves the window before the cut
    stream.insert(0, _synthetic("old", 9, 90.0, dim=64))
    cut = 8
    uninterrupted = StoryAssigner(default_link_model())
    head = run(uninterrupted, stream[:cut])
    stored: dict[str, int] = {}
    for changes in head:
        apply_changes(stored, changes)
    seqs = {f.article_id: i + 1 for i, f in enumerate(stream[:cut])}
    rows = [(f, seqs[f.article_id], stored[f.article_id]) for f in stream[:cut]
            if f.article_id != "old"]  # a restore reads only the window from the database
    restored = StoryAssigner(default_link_model(), next_story=max(stored.values()) + 1)
    restored.restore(rows)
    assert restored.next_seq == uninterrupted.next_seq
    assert restored.active_articles == uninterrupted.active_articles
    assert run(restored, stream[cut:]) == run(uninterrupted, stream[cut:])


def test_a_restored_window_computes_the_same_signals_to_the_last_bit(corpus) -> None:  # type: ignore[no-untyped-def]
    """A restored window numbers its term columns otherwise (the story that left before the
    cut never had columns there); the mean signals and the story units it computes for the
    next article are still the same floats, not merely close."""
    articles, _, features = corpus
    stream = [_dated(features[a.id], 100.0 + i / 4) for i, a in enumerate(articles)]
    # an early article with many terms of its own, whose columns are handed out again
    # (the last freed first) to the terms of the first articles after it
    old = _synthetic("old", 9, 90.0, dim=64)
    terms = {ns: {term_id(ns, f"old {i}"): 1 for i in range(200)} for ns in NAMESPACES}
    stream.insert(0, StoryFeatures("old", old.embedding, terms,
                                   {t: 1e-6 for bag in terms.values() for t in bag}, 90.0))
    cut = len(stream) - 1
    uninterrupted = StoryAssigner(default_link_model())
    stored: dict[str, int] = {}
    for changes in run(uninterrupted, stream[:cut]):
        apply_changes(stored, changes)
    seqs = {f.article_id: i + 1 for i, f in enumerate(stream[:cut])}
    restored = StoryAssigner(default_link_model(), next_story=max(stored.values()) + 1)
    restored.restore([(f, seqs[f.article_id], stored[f.article_id]) for f in stream[:cut]
                      if f.article_id != "old"])
    assert sorted(restored.stories) == sorted(uninterrupted.stories)
    signals = []
    for assigner in (uninterrupted, restored):
        member = assigner._admit(stream[cut], cut + 1, 104.0, 0)
        stories = [assigner.stories[sid] for sid in sorted(assigner.stories)]
        nodes = [assigner._story_node(story) for story in stories]
        terms = [(assigner.stats.terms_of(keys // SPACES), values, namespace)
                 for _, (keys, values, namespace) in nodes]
        assert member.embedding is not None
        units = np.stack([member.embedding, *[e for e, _ in nodes]]).astype(np.float64)
        slots = np.zeros(assigner._keys_bound(), dtype=np.int32)
        pairwise = signal_matrix(units, [member.unit_terms, *[t for _, t in nodes]], slots)
        signals.append((assigner._mean_signals(member, stories),
                        [embedding for embedding, _ in nodes], terms, pairwise))
    (mean_a, emb_a, terms_a, pairs_a), (mean_b, emb_b, terms_b, pairs_b) = signals
    assert np.array_equal(mean_a, mean_b) and np.array_equal(pairs_a, pairs_b)
    assert all(np.array_equal(x, y) for x, y in zip(emb_a, emb_b, strict=True))
    for x, y in zip(terms_a, terms_b, strict=True):
        assert all(np.array_equal(p, q) for p, q in zip(x, y, strict=True))


# -- the bundled examples with the real model ------------------------------------------------


@pytest.fixture(scope="module")
def example_features(examples: Path) -> tuple[list[Article], dict[str, StoryFeatures]]:
    from corroborate.embed import MiniLMEmbedder
    from corroborate.ingest import read_inputs

    articles = [a for a in read_inputs([str(examples)]) if isinstance(a, Article)]
    assert len(articles) == 10
    features = features_of(articles, MiniLMEmbedder(precision="fp32"))
    return articles, {f.article_id: f for f in features}


def _folders(articles: Sequence[Article], membership: dict[str, int]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for article in articles:
        assert article.path is not None
        out.setdefault(Path(article.path).parent.name, set()).add(membership[article.id])
    return out


def _no_story_mixes_two_folders(articles: Sequence[Article], membership: dict[str, int]) -> None:
    folders = _folders(articles, membership)
    for name, stories in folders.items():
        for other, other_stories in folders.items():
            if other != name:
                assert not stories & other_stories, (name, other)


def test_examples_form_their_three_stories_in_ingest_order(example_features) -> None:  # type: ignore[no-untyped-def]
    """As `corroborate ingest examples/` reads them: folder by folder."""
    articles, features = example_features
    membership = cluster_features(features[a.id] for a in articles)
    folders = _folders(articles, membership)
    assert {name: len(stories) for name, stories in folders.items()} == {
        "factory-fire": 1, "rate-decision": 1, "summit": 1}
    _no_story_mixes_two_folders(articles, membership)


def test_examples_in_date_order(example_features) -> None:  # type: ignore[no-untyped-def]
    """As `corroborate eval stories` orders a stream: by date, undated last."""
    articles, features = example_features
    ordered = sorted(articles, key=lambda a: (a.published is None, a.published or ""))
    membership = cluster_features(features[a.id] for a in ordered)
    folders = _folders(articles, membership)
    assert len(folders["factory-fire"]) == 1 and len(folders["rate-decision"]) == 1
    # The summit's undated Northbridge report comes last here, two months after the summit
    # story left the window (the fire and the rate decision came later), so it opens a story
    # of its own: only "no mixing" is asserted for the summit in this order.
    _no_story_mixes_two_folders(articles, membership)


def test_term_arrays_follow_the_terms_in_namespace_order() -> None:
    """StoryFeatures carries its terms as arrays (made with it; what assignment reads), in
    term_list order, with 1e-5 for a term without a prior; the same id in two namespaces is
    flagged; arrays survive pickling and are made again by dataclasses.replace."""
    import dataclasses
    import pickle

    terms = {"words": {5: 2, 9: 1}, "names": {9: 3}, "numbers": {}, "bigrams": {7: 1}}
    features = StoryFeatures("a", None, terms, {5: 0.1, 9: 0.2})
    arrays = features.arrays
    assert arrays.ids.tolist() == term_list(features) == [5, 9, 9, 7]
    assert arrays.counts.tolist() == [2.0, 1.0, 3.0, 1.0]
    assert arrays.priors.tolist() == [0.1, 0.2, 0.2, 1e-5]
    assert arrays.namespace.tolist() == [NAMESPACES.index(ns) for ns in
                                         ("words", "words", "names", "bigrams")]
    assert arrays.repeated
    assert not StoryFeatures("b", None, {"words": {1: 1}}, {}).arrays.repeated
    again = pickle.loads(pickle.dumps(features))
    assert again == features and again.arrays.ids.tolist() == [5, 9, 9, 7]
    other = dataclasses.replace(features, terms={"words": {3: 1}})
    assert other.arrays.ids.tolist() == [3]
    stats = TermStatistics()
    columns, distinct = stats.add_terms(arrays.ids, repeated=arrays.repeated)
    assert columns.tolist()[1] == columns.tolist()[2] and sorted(distinct.tolist()) == [0, 1, 2]
    assert stats.df == {5: 1, 9: 1, 7: 1}


def test_the_index_lists_neighbours_of_every_segment_nearest_first() -> None:
    """Hits of all segments in one order: nearest first, ties to the lower key (the exact
    order the assigner's candidates are read in)."""
    from corroborate.stories.assign import _Segments

    index = _Segments(4, segment_size=3)
    vectors = {1: [1, 0, 0, 0], 2: [0, 1, 0, 0], 3: [0.6, 0.8, 0, 0], 4: [1, 0, 0, 0],
               5: [0, 0, 1, 0], 6: [0.8, 0.6, 0, 0], 7: [0, 0, 0, 1]}
    for key, v in vectors.items():
        index.add(key, np.array(v, dtype=np.float32))
    assert len(index.segments) == 3
    query = np.array([1, 0, 0, 0], dtype=np.float32)
    hits = index.search(query, 10)
    expected = sorted(vectors, key=lambda k: (-float(np.float32(vectors[k][0])), k))
    assert hits == expected  # 1 and 4 tie (two segments): the lower key first
    assert index.search(query, 1) == [1, 4, 7]  # the nearest of each segment (7: alone)
    assert _Segments(4, 3).search(query, 5) == []
