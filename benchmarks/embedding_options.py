"""Embedding options for story assignment (issue 12 item 1): today's eager MiniLM embedding
against the lazy embedding of ``StoryAssigner(embed=...)``, on ECB+ dev and BASIL.

Today every article's title + 600 characters of lead is embedded (MiniLM) before assignment.
The lazy assigner (``corroborate.stories.assign``, module docstring) decides from the cheap
signals (TF-IDF term bags of six namespaces, dates through the window) when the embedding
cannot change the decision, and embeds an article, and the members of the stories it could
join, only when it can. ``lazy_floor`` is the least cosine assumed between an article and a
story's mean vector (and between an article and a member not embedded yet): -1 assumes
nothing (every decision is the eager one, up to the ANN's recall); higher floors decide more
joins without the embedding and are a measured assumption. The floors measured here
(-1, 0.0, 0.3, 0.5) were chosen on ECB+ train: 0.5 is the highest floor of 0.0, 0.1, ..., 0.6
that left the train stories identical to the eager assigner's (``--train`` re-checks it).

Two passes per test set:

* **quality**: every distinct lead is embedded once (one batch); the eager assigner and each
  lazy variant read the same vectors, so the comparison isolates the decision procedure.
  Reported: B-cubed P/R/F1 (``score_clusters``), the article pairs on which a variant's stories
  differ from today's, and the share of articles a variant embedded.
* **speed**: each configuration runs again, in the same process, with the real embedder
  (no cache): story features, embedding (today: in chunks of the ingest chunk size (32), as
  ``ingest`` does; lazy: on demand, one call per decision that needs it) and assignment, in
  articles/s. The model load and the first-use loads (wordfreq, faiss) are excluded by a
  warm-up. Timings on the 2 shared cores are noisy (other sessions work on the same machine).

Peers in the same run (as ``benchmarks/stories_quality.py``, tuned on ECB+ train only):
TF-IDF + average link and MiniLM title+lead + average link (``story_peers``).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/embedding_options.py [--json FILE]
        [--precision fp32|bf16] [--floors -1 0 0.3 0.5] [--no-peers] [--train]

Exits 2 with one line when ``../shared/data`` is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_info import ECB_TRAIN, load_avg, provenance, story_corpora_missing
from run_info import STORY_TESTS as TESTS


def pair_disagreements(a: Sequence[int], b: Sequence[int]) -> int:
    """Article pairs together in one labelling and apart in the other."""
    x, y = np.asarray(a), np.asarray(b)
    same_a = x[:, None] == x[None, :]
    same_b = y[:, None] == y[None, :]
    return int(np.triu(same_a != same_b, 1).sum())


class Counting:
    """An ``embed(texts)`` for the lazy assigner that counts texts and time."""

    def __init__(self, embed: Callable[[Sequence[str]], list[Any]]) -> None:
        self.inner = embed
        self.texts = 0
        self.calls = 0
        self.seconds = 0.0

    def __call__(self, texts: Sequence[str]) -> list[Any]:
        started = time.perf_counter()
        out = self.inner(texts)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        self.calls += 1
        return out


def run_eager(features: Sequence[Any]) -> dict[str, int]:
    from corroborate.stories.stream import cluster_features

    return cluster_features(features)


def run_lazy(features: Sequence[Any], floor: float,
             embed: Callable[[Sequence[str]], list[Any]]) -> tuple[dict[str, int], Any]:
    from corroborate.stories import AssignSettings, StoryAssigner, default_link_model
    from corroborate.stories.stream import apply_changes

    assigner = StoryAssigner(default_link_model(), AssignSettings(lazy_floor=floor),
                             embed=embed)
    membership: dict[str, int] = {}
    for item in features:
        apply_changes(membership, assigner.assign(item))
    return membership, assigner


def short_lead(article: Any) -> str:
    """Title and the first sentence of the text (at most 300 characters): the "shorter lead"
    option. Sentences end at . ! or ? before a capital or a quotation mark, after at least 40
    characters (so "U.S." or "Dr." rarely ends one)."""
    import re

    lines = [line.strip() for line in article.text.split("\n") if line.strip()]
    if lines and lines[0] == article.title.strip():
        lines = lines[1:]
    body = " ".join(lines)
    found = re.search(r"(.{40,}?[.!?])\s+[A-Z\"\u201c]", body)
    sentence = (found.group(1) if found else body)[:300]
    return f"{article.title.strip()}. {sentence}" if article.title.strip() else sentence


class StaticEmbedder:
    """A model2vec static embedding distilled offline from the packaged MiniLM (vector only)."""

    def __init__(self) -> None:
        from model2vec.distill import distill

        from corroborate.embed import model_path

        started = time.perf_counter()
        self.model = distill(model_name=str(model_path()), pca_dims=256)
        self.distill_seconds = time.perf_counter() - started
        self.name = "model2vec (distilled from MiniLM, 256 d)"

    def embed(self, texts: Sequence[str]) -> list[Any]:
        from corroborate.embed import TextEmbedding

        matrix = np.asarray(self.model.encode(list(texts)), dtype=np.float32)
        norms = np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return [TextEmbedding(row, row[None, :]) for row in matrix / norms]


#: (label, embedder key, lead, lazy floor or None for the eager assigner); the first is today
OPTIONS: tuple[tuple[str, str, str, float | None], ...] = (
    ("today: PyTorch fp32, title + 600 chars", "torch-fp32", "lead", None),
    ("ONNX fp32, same lead", "onnx-fp32", "lead", None),
    ("ONNX int8 per-channel, same lead", "onnx-int8", "lead", None),
    ("shorter lead (title + first sentence), PyTorch fp32", "torch-fp32", "short", None),
    ("shorter lead, ONNX int8", "onnx-int8", "short", None),
    ("model2vec static, same lead", "model2vec", "lead", None),
    ("lazy (floor -1, proven), PyTorch fp32", "torch-fp32", "lead", -1.0),
    ("lazy (floor 0.5), PyTorch fp32", "torch-fp32", "lead", 0.5),
    ("lazy (floor 0.5), ONNX int8", "onnx-int8", "lead", 0.5),
)


def evaluate_set(name: str, path: Path, embedders: dict[str, Any],
                 options: Sequence[tuple[str, str, str, float | None]],
                 speed: bool) -> list[dict[str, Any]]:
    from corroborate.evaluate_stories import adjusted_rand, load_gold_stream, score_clusters
    from corroborate.store.ingest import CHUNK_SIZE
    from corroborate.stories.features import StoryFeatures, lead_text
    from corroborate.stories.stream import embed_texts, lazy_features_of

    stream = load_gold_stream(path)
    articles = list(stream.articles)
    gold = list(stream.gold)
    ids = [a.id for a in articles]
    n = len(articles)
    leads = {"lead": lead_text, "short": short_lead}
    texts = {kind: [make(a) for a in articles] for kind, make in leads.items()}
    lazy = lazy_features_of(articles)
    # ---- quality pass: one vector per distinct text and embedder, shared by the options
    caches: dict[tuple[str, str], dict[str, Any]] = {}
    for _, key, kind, _floor in options:
        if (key, kind) not in caches:
            distinct = list(dict.fromkeys(texts[kind]))
            caches[key, kind] = dict(zip(distinct, embed_texts(distinct, embedders[key]),
                                         strict=True))
    reference = caches[options[0][1], options[0][2]]
    rows: list[dict[str, Any]] = []
    base: list[int] = []
    labels_of: list[list[int]] = []
    for label, key, kind, floor in options:
        cache = caches[key, kind]
        row: dict[str, Any] = {"test": name, "n": n, "system": label, "embedder": key,
                               "lead": kind, "floor": floor}
        if floor is None:
            eager = [StoryFeatures(f.article_id, cache[t], f.terms, f.priors, f.day)
                     for f, t in zip(lazy, texts[kind], strict=True)]
            membership = run_eager(eager)
            row["embedded"] = n
        else:
            counter = Counting(lambda batch, cache=cache: [cache[t] for t in batch])
            membership, assigner = run_lazy(lazy, floor, counter)
            row.update(embedded=assigner.embedded, embed_calls=counter.calls,
                       decided_without_embedding=assigner.decided_cheaply)
        labels = [membership[i] for i in ids]
        base = base or labels
        labels_of.append(labels)
        cosines = np.array([float(np.dot(cache[t], reference[r]))
                            if len(cache[t]) == len(reference[r]) else np.nan
                            for t, r in zip(texts[kind], texts[options[0][2]], strict=True)])
        row.update(**score_clusters(gold, labels).to_dict(),
                   pairs_differing=pair_disagreements(base, labels),
                   ari_vs_today=round(adjusted_rand(base, labels), 4),
                   cosine_vs_today_min=round(float(cosines.min()), 4),
                   cosine_vs_today_mean=round(float(cosines.mean()), 4))
        rows.append(row)
    if not speed:
        return rows
    # ---- speed pass: each option again with its real embedder, no cache
    for row, (_, key, kind, floor), expected in zip(rows, options, labels_of, strict=True):
        embedder = embedders[key]
        if floor is None:
            started = time.perf_counter()
            embed_seconds = 0.0
            features = []
            for k in range(0, n, CHUNK_SIZE):
                chunk = articles[k:k + CHUNK_SIZE]
                terms = lazy_features_of(chunk)
                t = time.perf_counter()
                vectors = embed_texts([leads[kind](a) for a in chunk], embedder)
                embed_seconds += time.perf_counter() - t
                features += [StoryFeatures(f.article_id, v, f.terms, f.priors, f.day)
                             for f, v in zip(terms, vectors, strict=True)]
            membership = run_eager(features)
        else:
            counter = Counting(lambda batch, embedder=embedder: embed_texts(batch, embedder))
            started = time.perf_counter()
            membership, _ = run_lazy(lazy_features_of(articles), floor, counter)
            embed_seconds = counter.seconds
        seconds = time.perf_counter() - started
        # batch composition can move a float32 vector in its last bits: the same stories?
        row.update(seconds=round(seconds, 2), articles_per_second=round(n / seconds, 1),
                   embed_seconds=round(embed_seconds, 2),
                   embed_ms_per_article=round(1000 * embed_seconds / n, 1),
                   speed_pass_same=[membership[i] for i in ids] == expected)
    return rows


def peers(train_path: Path, embedder: Any) -> list[dict[str, Any]]:
    from corroborate.evaluate_stories import score_clusters
    from story_peers import (
        gold_labels,
        memoize_embed,
        minilm_average_link,
        read_jsonl,
        tfidf_average_link,
    )

    embed = memoize_embed(
        lambda texts: np.vstack([e.vector for e in embedder.embed(list(texts))]))
    train = read_jsonl(train_path)
    out = []
    for test, path in TESTS.items():
        rows = read_jsonl(path)
        gold = gold_labels(rows)
        for label, function in (("TF-IDF + average link", tfidf_average_link),
                                ("MiniLM title+lead + average link", minilm_average_link)):
            report: dict[str, Any] = {}
            kwargs = {"embed": embed} if function is minilm_average_link else {}
            pred = function(train, rows, report=report, **kwargs)
            out.append({"test": test, "n": len(rows), "system": label,
                        **score_clusters(gold, pred).to_dict(),
                        "setting": ", ".join(f"{k}={v}" for k, v in report.items()
                                             if not k.startswith("train_")),
                        "train_f1": round(report["train_f1"], 4)})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results here")
    parser.add_argument("--no-peers", action="store_true", help="skip the two peers")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed pass")
    parser.add_argument("--no-model2vec", action="store_true",
                        help="skip the static model2vec option (needs model2vec[distill])")
    parser.add_argument("--train", action="store_true",
                        help="also run the quality pass on ECB+ train (how the lazy floor was "
                             "chosen: floors 0.0..0.6)")
    args = parser.parse_args(argv)
    if story_corpora_missing("embedding_options"):
        return 2

    from corroborate.embed import MiniLMEmbedder, OnnxMiniLMEmbedder
    from corroborate.stories.features import background_document_frequency

    wall = time.perf_counter()
    loads = {"start": load_avg()}
    embedders: dict[str, Any] = {"torch-fp32": MiniLMEmbedder(precision="fp32",
                                                               runtime="torch"),
                                 "onnx-fp32": OnnxMiniLMEmbedder(quantized=False),
                                 "onnx-int8": OnnxMiniLMEmbedder(quantized=True)}
    options = list(OPTIONS)
    notes: dict[str, Any] = {}
    if args.no_model2vec:
        options = [o for o in options if o[1] != "model2vec"]
    else:
        try:
            embedders["model2vec"] = StaticEmbedder()
            notes["model2vec_distill_seconds"] = round(embedders["model2vec"].distill_seconds, 1)
        except ImportError as exc:
            print(f"# model2vec option skipped: {exc} (pip install 'model2vec[distill]')",
                  file=sys.stderr)
            options = [o for o in options if o[1] != "model2vec"]
    for embedder in embedders.values():  # model loads and exports are not timed
        embedder.embed(["warm up the model", "and its tokenizer"])
    background_document_frequency("words", "warm")  # loads wordfreq
    import faiss  # noqa: F401  (first import is slow)

    rows: list[dict[str, Any]] = []
    if args.train:
        train_options = [*options, *[(f"lazy (floor {k / 10:.1f}), PyTorch fp32", "torch-fp32",
                                      "lead", k / 10) for k in (0, 1, 2, 3, 4, 6)]]
        rows += evaluate_set("ECB+ train", ECB_TRAIN, embedders, train_options, speed=False)
    for test, path in TESTS.items():
        rows += evaluate_set(test, path, embedders, options, speed=not args.no_speed)
        print(f"# {test} done (load {load_avg()})", file=sys.stderr)
    loads["after_assigners"] = load_avg()
    peer_rows = [] if args.no_peers else peers(ECB_TRAIN, embedders["torch-fp32"])
    loads["end"] = load_avg()
    total = time.perf_counter() - wall

    print("## Embedding options for story assignment\n")
    print("| test | option | B3 P | B3 R | B3 F1 | stories | pairs differing from today "
          "| cosine with today (min / mean) | articles embedded | embedding ms/article "
          "| articles/s (incl. embedding) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        speed = row.get("articles_per_second", "")
        per = row.get("embed_ms_per_article", "")
        same = "" if row.get("speed_pass_same", True) else " (speed pass differed!)"
        print(f"| {row['test']} ({row['n']}) | {row['system']} | {row['b3_precision']:.3f} | "
              f"{row['b3_recall']:.3f} | {row['b3_f1']:.4f} | {row['stories_predicted']} | "
              f"{row['pairs_differing']} | {row['cosine_vs_today_min']:.3f} / "
              f"{row['cosine_vs_today_mean']:.3f} | {row['embedded']} "
              f"({100 * row['embedded'] / row['n']:.0f} %) | {per} | {speed}{same} |")
    if peer_rows:
        print("\n| test | peer (tuned on ECB+ train) | B3 P | B3 R | B3 F1 | stories | setting |")
        print("|---|---|---:|---:|---:|---:|---|")
        for row in peer_rows:
            print(f"| {row['test']} | {row['system']} | {row['b3_precision']:.3f} | "
                  f"{row['b3_recall']:.3f} | {row['b3_f1']:.4f} | {row['stories_predicted']} | "
                  f"{row['setting']} (train F1 {row['train_f1']:.3f}) |")
    print(f"\nLoad average (1/5/15 min): start {loads['start']}, after the assigners "
          f"{loads['after_assigners']}, end {loads['end']}; {os.cpu_count()} CPUs; "
          f"total {total:.0f} s; {notes}; {provenance()}.")
    if args.json:
        args.json.write_text(json.dumps({"schema": "corroborate.embedding-options/2",
                                         "rows": rows, "peers": peer_rows, "notes": notes,
                                         "load_avg": loads, "seconds": round(total, 1)},
                                        indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
