"""Clustering metrics against gold events: B-cubed, adjusted Rand index, normalised mutual
information (arithmetic mean normalisation, as scikit-learn's default)."""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

from corroborate.embed import Embedder
from corroborate.errors import InputError
from corroborate.ingest import IngestOptions, Rejection, read_bytes
from corroborate.model import Article
from corroborate.stories import AssignSettings, LinkModel


@dataclass(frozen=True, slots=True)
class ClusterScores:
    b3_precision: float
    b3_recall: float
    b3_f1: float
    ari: float
    nmi: float
    stories_predicted: int
    stories_gold: int

    def to_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v)
                for k, v in ((f, getattr(self, f)) for f in self.__slots__)}


def b_cubed(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> tuple[float, float, float]:
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted labels differ in length")
    if not gold:
        return 0.0, 0.0, 0.0
    gold_sizes, pred_sizes = Counter(gold), Counter(predicted)
    joint = Counter(zip(gold, predicted, strict=True))
    precision = sum(joint[(g, p)] / pred_sizes[p] for g, p in zip(gold, predicted, strict=True))
    recall = sum(joint[(g, p)] / gold_sizes[g] for g, p in zip(gold, predicted, strict=True))
    precision /= len(gold)
    recall /= len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _pairs(n: int) -> float:
    return n * (n - 1) / 2.0


def adjusted_rand(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    n = len(gold)
    joint = Counter(zip(gold, predicted, strict=True))
    index = sum(_pairs(v) for v in joint.values())
    a = sum(_pairs(v) for v in Counter(gold).values())
    b = sum(_pairs(v) for v in Counter(predicted).values())
    total = _pairs(n)
    if total == 0:
        return 1.0
    expected = a * b / total
    maximum = (a + b) / 2.0
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def _entropy(counts: Sequence[int], n: int) -> float:
    return -sum(c / n * math.log(c / n) for c in counts if c)


def normalized_mutual_info(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    n = len(gold)
    if n == 0:
        return 0.0
    g, p = Counter(gold), Counter(predicted)
    joint = Counter(zip(gold, predicted, strict=True))
    mi = sum(c / n * math.log(c * n / (g[a] * p[b])) for (a, b), c in joint.items())
    hg, hp = _entropy(list(g.values()), n), _entropy(list(p.values()), n)
    if hg == 0 and hp == 0:
        return 1.0
    denominator = (hg + hp) / 2.0
    return max(0.0, mi / denominator) if denominator else 0.0


def score_clusters(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> ClusterScores:
    precision, recall, f1 = b_cubed(gold, predicted)
    return ClusterScores(precision, recall, f1, adjusted_rand(gold, predicted),
                         normalized_mutual_info(gold, predicted), len(set(predicted)),
                         len(set(gold)))


@dataclass(frozen=True, slots=True)
class GoldStream:
    """Articles of a gold-labelled JSON Lines file in stream order, and their gold events.
    The ``event`` and ``topic`` fields are removed before the article is built, so nothing
    downstream can read them."""

    articles: tuple[Article, ...]
    gold: tuple[str, ...]
    rejected: tuple[Rejection, ...]
    duplicates: int


def load_gold_stream(path: Path, options: IngestOptions | None = None) -> GoldStream:
    """Read ``path`` (one article per line with an ``event`` field) in date order, file order
    where dates are missing (a stable sort: undated articles keep their place among
    themselves and come after dated ones)."""
    options = options or IngestOptions()
    articles: list[Article] = []
    gold: list[str] = []
    rejected: list[Rejection] = []
    seen: set[str] = set()
    duplicates = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror})") from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            name = f"{path}:{number}"
            try:
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                rejected.append(Rejection(name, f"malformed JSON ({exc})"))
                continue
            if not isinstance(record, dict) or not isinstance(record.get("event"), str | int):
                rejected.append(Rejection(name, "no gold 'event' field"))
                continue
            event = str(record.pop("event"))
            record.pop("topic", None)
            line = json.dumps(record, ensure_ascii=False).encode("utf-8")
            # one JSON object: rejections keep the name file:line (as "jsonl" it gets ":1")
            for item in read_bytes(line, name, options, kind="json", path=str(path)):
                if isinstance(item, Rejection):
                    rejected.append(item)
                elif item.id in seen:
                    duplicates += 1
                else:
                    seen.add(item.id)
                    articles.append(item)
                    gold.append(event)
    order = sorted(range(len(articles)),
                   key=lambda i: (articles[i].published is None, articles[i].published or "", i))
    return GoldStream(tuple(articles[i] for i in order), tuple(gold[i] for i in order),
                      tuple(rejected), duplicates)


@dataclass(frozen=True, slots=True)
class StoriesEval:
    file: str
    scores: ClusterScores
    articles: int
    seconds: float
    rejected: tuple[Rejection, ...]
    duplicates: int

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        return {"schema": "corroborate.eval-stories/1", "file": self.file,
                **self.scores.to_dict(), "articles": self.articles,
                "articles_per_second": round(self.articles_per_second, 1),
                "seconds": round(self.seconds, 2), "rejected": len(self.rejected),
                "duplicates": self.duplicates}

    def to_text(self) -> str:
        s = self.scores
        return (f"{self.file}: {self.articles} articles, {s.stories_gold} gold events, "
                f"{s.stories_predicted} stories predicted\n"
                f"B3 precision {s.b3_precision:.4f}  recall {s.b3_recall:.4f}  "
                f"F1 {s.b3_f1:.4f}\nARI {s.ari:.4f}  NMI {s.nmi:.4f}\n"
                f"{self.articles_per_second:.1f} articles/s (embedding, assignment and "
                f"database writes; {self.seconds:.1f} s)"
                + (f"\n{len(self.rejected)} lines rejected" if self.rejected else ""))


def evaluate_stories_file(path: Path, *, embedder: Embedder | None = None,
                          model: LinkModel | None = None,
                          settings: AssignSettings | None = None,
                          clock: Callable[[], float] = time.perf_counter,
                          on_progress: Callable[[int, int], None] | None = None) -> StoriesEval:
    """Ingest ``path`` article by article into a fresh temporary database with story
    assignment (no per-article analysis) and score the stories against the gold events.
    ``on_progress(done, total)`` hears after each article."""
    from corroborate.embed import story_embedder
    from corroborate.store import Store, ingest_articles
    from corroborate.store.stories import StoryBook
    from corroborate.stories.stream import features_of

    stream = load_gold_stream(path)
    if not stream.articles:
        raise InputError(str(path), "no article could be read; nothing to evaluate")
    embedder = embedder or story_embedder()
    embedder.embed(["warm-up"])  # model load is not part of the per-article speed
    with (tempfile.TemporaryDirectory(prefix="corroborate-eval-") as folder,
          Store(Path(folder) / "eval.db") as store):
        book = StoryBook(store, model, settings)
        started = clock()
        done = 0

        def on_result(_item: object, _status: str) -> None:
            nonlocal done
            done += 1
            if on_progress is not None:
                on_progress(done, len(stream.articles))

        report = ingest_articles(store, iter(stream.articles), None, stories=book,
                                 features_for=lambda arts: features_of(arts, embedder),
                                 on_result=on_result)
        seconds = clock() - started
        story_of = dict(store.conn.execute(
            "SELECT article_id, story_id FROM story_articles").fetchall())
    kept = [(g, story_of[a.id]) for a, g in zip(stream.articles, stream.gold, strict=True)
            if a.id in story_of]
    scores = score_clusters([g for g, _ in kept], [p for _, p in kept])
    return StoriesEval(str(path), scores, len(kept), seconds,
                       stream.rejected + tuple(report.rejected), stream.duplicates)
