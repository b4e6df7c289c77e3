"""Scale-out on Ray Data (``corroborate ingest --engine ray``; ``pip install 'corroborate[ray]'``).

Reading and extraction, then analysis and story features, run as Ray Data stages: a pool of
read tasks over groups of input files, then a pool of actors that each load the spaCy pipeline
(:class:`~corroborate.analyze.Analyzer`) and the MiniLM embedder once and prepare one chunk of
:data:`~corroborate.store.ingest.CHUNK_SIZE` new articles per call, with the same code as the
local engine (:func:`~corroborate.store.ingest.prepare_chunk`). The driver takes the chunks in
input order (``preserve_order``) and hands them to the one writer both engines share
(:func:`~corroborate.store.ingest.ingest_prepared`): the stateful story assigner and the
SQLite writes stay in this process, one transaction per article, so the stories, the
rejections and the database are those of ``--engine local``.

A chunk is made of the same articles as a batch of the local engine (32 consecutive new
articles, counted over a read group: one large file or several small ones), so the embedder
sees the same batches and gives the same vectors, bit for bit, also in bfloat16, where a
vector depends slightly (≈1e-3) on the other texts padded with it.

Ray is imported only here, and only when the engine starts; ``corroborate ingest`` without
``--engine ray`` never imports it. Every node of a cluster needs the same Corroborate
installed (``pip install 'corroborate[ray]'``) and must read the inputs at the same paths.
"""

from __future__ import annotations

import copy
import logging
import os
import pickle
import re
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from corroborate.errors import (
    CorroborateError,
    EngineUnavailableError,
    ModelUnavailableError,
    UsageError,
)
from corroborate.ingest import IngestOptions, Rejection, is_url, read_one
from corroborate.model import Article
from corroborate.store.db import Store
from corroborate.store.ingest import (
    CHUNK_SIZE,
    FeaturesFor,
    IngestReport,
    Prepared,
    analyse_stream,
    ingest_prepared,
    prepare_chunk,
)

if TYPE_CHECKING:
    from corroborate.analyze import Analyzer
    from corroborate.store.stories import StoryBook

RAY_HINT = "pip install 'corroborate[ray]'"
#: consecutive input files are read by one task until they hold this many bytes
GROUP_BYTES = 8 << 20
#: one read task per this many workers (reading costs ≈ 5 ms an article, preparing ≈ 140)
WORKERS_PER_READER = 8
_HEX_ID = re.compile(r"[0-9a-f]{16}")
Item = str | Rejection


def _import_ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    warnings.filterwarnings("ignore", module=r"ray(\.|$)")
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise EngineUnavailableError(
            f"--engine ray needs Ray, which is not installed ({exc.name}): {RAY_HINT}, "
            "or leave out --engine ray") from exc
    return ray


@dataclass(frozen=True, slots=True)
class KnownIds:
    """The ids stored when the run began, sent to the readers so that stored articles are not
    analysed again: 16-hex-digit ids as a sorted uint64 array (8 bytes an id), others as a
    set."""

    hex_ids: npt.NDArray[np.uint64]
    other: frozenset[str] = frozenset()

    @classmethod
    def of(cls, ids: Iterable[str]) -> KnownIds:
        hex_ids: list[int] = []
        other: set[str] = set()
        for article_id in ids:
            if _HEX_ID.fullmatch(article_id):
                hex_ids.append(int(article_id, 16))
            else:
                other.add(article_id)
        return cls(np.sort(np.array(hex_ids, dtype=np.uint64)), frozenset(other))

    def __contains__(self, article_id: object) -> bool:
        if not isinstance(article_id, str):
            return False
        if not _HEX_ID.fullmatch(article_id):
            return article_id in self.other
        value = np.uint64(int(article_id, 16))
        at = int(np.searchsorted(self.hex_ids, value))
        return at < len(self.hex_ids) and self.hex_ids[at] == value


def read_groups(items: Sequence[Item], group_bytes: int = GROUP_BYTES) -> list[list[Item]]:
    """Consecutive inputs in groups of about ``group_bytes`` (a larger file alone), each read
    by one task."""
    groups: list[list[Item]] = []
    current: list[Item] = []
    size = 0
    for item in items:
        current.append(item)
        if isinstance(item, str):
            with suppress(OSError):
                size += os.stat(item).st_size
        if size >= group_bytes:
            groups.append(current)
            current, size = [], 0
    if current:
        groups.append(current)
    return groups


def read_chunks(group: Iterable[Item], options: IngestOptions, known: KnownIds | frozenset[str],
                chunk_size: int = CHUNK_SIZE) -> Iterator[list[Article | Prepared | Rejection]]:
    """The results of a group of inputs in order, cut after every ``chunk_size`` new articles
    (those not in ``known``; stored ones come as ``Prepared(stored=True)``, rejections as
    they are)."""
    pending: list[Article | Prepared | Rejection] = []
    new = 0
    for item in group:
        for result in read_one(item, options):
            if isinstance(result, Article) and result.id in known:
                pending.append(Prepared(result, stored=True))
                continue
            pending.append(result)
            if isinstance(result, Article):
                new += 1
                if new == chunk_size:
                    yield pending
                    pending, new = [], 0
    if pending:
        yield pending


def prepare_read_chunk(chunk: Sequence[Article | Prepared | Rejection],
                       analyzer: Analyzer | None, features_for: FeaturesFor | None
                       ) -> list[Prepared | Rejection]:
    """A chunk from :func:`read_chunks` with its new articles analysed and embedded together
    (as the local engine does its batches), in the chunk's order."""
    new = [item for item in chunk if isinstance(item, Article)]
    prepared = iter(prepare_chunk(list(analyse_stream(new, analyzer, batch_size=max(1, len(new)))),
                                  features_for))
    return [next(prepared) if isinstance(item, Article) else item for item in chunk]


@dataclass(frozen=True, slots=True)
class MiniLMFeatures:
    """The story features of the CLI (titles and leads by the packaged MiniLM,
    :func:`~corroborate.embed.story_embedder`) as a recipe that travels to the workers;
    ``kind`` and ``precision`` are chosen on the driver, so that every worker computes what
    the driver's machine would."""

    kind: str
    precision: str = "fp32"
    threads: int | None = 1

    def __call__(self) -> FeaturesFor:
        from corroborate.embed import story_embedder
        from corroborate.stories.stream import features_of

        embedder = story_embedder(self.kind, threads=self.threads,
                                  precision=self.precision)  # type: ignore[arg-type]
        embedder.embed(["load the model now: once per worker, before its first chunk"])

        def features_for(articles: Sequence[Article]) -> list[Any]:
            return features_of(articles, embedder)

        return features_for

    @classmethod
    def here(cls) -> MiniLMFeatures:
        from corroborate.embed import (
            MiniLMEmbedder,
            OnnxMiniLMEmbedder,
            onnx_model_file,
            story_embedder,
        )

        embedder = story_embedder()
        if isinstance(embedder, MiniLMEmbedder):
            return cls("torch", embedder.precision)
        if isinstance(embedder, OnnxMiniLMEmbedder):
            # export on the driver, so that the workers of this machine find it made
            onnx_model_file(quantized=embedder.quantized)
        return cls(embedder.name.rsplit("/", 1)[-1])


FeaturesRecipe = Callable[[], FeaturesFor]


def _read_stage(batch: dict[str, Any], *, options: IngestOptions, known: KnownIds,
                chunk_size: int) -> Iterator[dict[str, list[bytes]]]:
    """Ray read task: one group of inputs in, one row per chunk out."""
    for blob in batch["group"]:
        for chunk in read_chunks(pickle.loads(blob), options, known, chunk_size):
            yield {"chunk": [pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)]}


@dataclass(frozen=True, slots=True)
class WorkerFailed:
    """Our own error on a worker (a model it cannot load), sent back as data in place of a
    chunk: Ray passes a task's exception back wrapped in its own, an actor's creation error
    only as text, so the driver raises it again itself, with its message."""

    kind: str
    message: str

    def error(self) -> CorroborateError:
        kinds: dict[str, type[CorroborateError]] = {
            "ModelUnavailableError": ModelUnavailableError, "UsageError": UsageError,
            "EngineUnavailableError": EngineUnavailableError}
        kind = kinds.get(self.kind)
        return kind(self.message) if kind else ModelUnavailableError(
            f"a Ray worker failed ({self.kind}: {self.message})")


class _PrepareStage:
    """Ray actor: loads the models once, then analyses and embeds one chunk per row."""

    def __init__(self, analyze: bool, features: FeaturesRecipe | None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from corroborate.analyze import Analyzer

        # our own error while setting up (a model this worker cannot load) goes back to the
        # driver with the first chunk, as data (:class:`WorkerFailed`)
        self.failed: CorroborateError | None = None
        self.analyzer = Analyzer() if analyze else None
        self.features_for: FeaturesFor | None = None
        try:
            if self.analyzer is not None:
                _ = self.analyzer.nlp  # load now, once per worker
            self.features_for = features() if features is not None else None
        except CorroborateError as exc:
            self.failed = exc

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[bytes]]:
        out = []
        for blob in batch["chunk"]:
            chunk: list[Prepared | Rejection | WorkerFailed]
            try:
                if self.failed is not None:
                    raise self.failed
                chunk = list(prepare_read_chunk(pickle.loads(blob), self.analyzer,
                                                self.features_for))
            except CorroborateError as exc:
                chunk = [WorkerFailed(type(exc).__name__, str(exc))]
            out.append(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
        return {"chunk": out}


class RayEngine:
    """A Ray session for one ingest: a local instance with ``workers`` CPUs (default: every
    CPU here), or the cluster at ``address`` (``ray start --head`` prints it; ``auto``: the
    one started on this machine). Use as a context manager."""

    def __init__(self, *, address: str | None = None, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise UsageError(f"--workers {workers}: give 1 or more")
        self.address = address
        self.requested = workers
        self.workers = 0
        self._ray: Any = None
        self._owned = False

    def __enter__(self) -> RayEngine:
        ray = _import_ray()
        _check_reachable(self.address)
        if ray.is_initialized():  # a session this process started (tests, notebooks): reuse it
            self._attach(ray, owned=False)
            return self
        env = {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               "RAY_USAGE_STATS_ENABLED": "0"}
        common: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR,
                                  "runtime_env": {"env_vars": env}}
        try:
            if self.address is None:
                ray.init(address="local", num_cpus=self.requested or os.cpu_count() or 1,
                         include_dashboard=False, **common)
            else:
                ray.init(address=self.address, **common)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"at {self.address}" if self.address else "on this machine"
            raise UsageError(f"cannot start or reach a Ray cluster {where} "
                             f"({type(exc).__name__}: {str(exc).splitlines()[0]}): start one "
                             "with `ray start --head` and pass the address it prints with "
                             "--address (with RAY_AUTH_MODE=token and its token set here, "
                             "see `ray get-auth-token`), or leave out --address") from exc
        self._attach(ray, owned=True)
        return self

    def _attach(self, ray: Any, *, owned: bool) -> None:
        self._ray = ray
        self._owned = owned
        available = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, min(self.requested or available, available))
        for name in ("ray", "ray.data"):
            logging.getLogger(name).setLevel(logging.ERROR)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._ray is not None and self._owned:
            self._ray.shutdown()
        self._ray = None

    def prepare(self, items: Sequence[Item], options: IngestOptions, *,
                known: KnownIds, analyze: bool = True, features: FeaturesRecipe | None = None,
                chunk_size: int = CHUNK_SIZE) -> Iterator[Prepared | Rejection]:
        """The results of ``items`` in input order, new articles prepared on the workers."""
        if self._ray is None:
            raise RuntimeError("RayEngine.prepare outside its with block")
        groups = read_groups(items)
        if not groups:
            return
        with _data_context(self._ray):
            yield from self._prepare(groups, options, known, analyze, features, chunk_size)

    def _prepare(self, groups: list[list[Item]], options: IngestOptions, known: KnownIds,
                 analyze: bool, features: FeaturesRecipe | None, chunk_size: int
                 ) -> Iterator[Prepared | Rejection]:
        ray = self._ray
        dataset = ray.data.from_items(
            [{"group": pickle.dumps(g, protocol=pickle.HIGHEST_PROTOCOL)} for g in groups],
            override_num_blocks=len(groups))
        dataset = dataset.map_batches(
            _read_stage, batch_size=1, num_cpus=0,
            concurrency=max(1, min(len(groups), self.workers // WORKERS_PER_READER)),
            fn_kwargs={"options": options, "known": known, "chunk_size": chunk_size})
        if analyze or features is not None:
            with warnings.catch_warnings():  # max_restarts is a deprecated-style argument
                warnings.simplefilter("ignore")
                dataset = self._prepare_stage(dataset, analyze, features)
        for row in dataset.iter_rows():
            for item in pickle.loads(row["chunk"]):
                if isinstance(item, WorkerFailed):  # ends the run as the local engine does
                    raise item.error()
                yield item if not isinstance(item, Article) else Prepared(item)

    def _prepare_stage(self, dataset: Any, analyze: bool, features: FeaturesRecipe | None
                       ) -> Any:
        # a worker that crashes (out of memory, say) ends the run rather than being restarted
        # on the same chunk for ever; the same command again goes on where it stopped
        return dataset.map_batches(
            _PrepareStage, batch_size=1, num_cpus=1, max_restarts=0,
            compute=self._ray.data.ActorPoolStrategy(size=self.workers),
            fn_constructor_kwargs={"analyze": analyze, "features": features})


@contextmanager
def _data_context(ray: Any) -> Iterator[None]:
    """Ray Data settings of the engine, for as long as its dataset runs (then the caller's,
    in a session it shares): input order kept, no progress bars or logs of its own, and a
    block per chunk (~100 KB), so that chunks spread over the workers."""
    context = ray.data.DataContext.get_current()
    settings = {"enable_progress_bars": False, "print_on_execution_start": False,
                "enable_auto_log_stats": False, "target_max_block_size": 1}
    saved = {name: getattr(context, name) for name in settings}
    saved_options = context.execution_options
    try:
        for name, value in settings.items():
            setattr(context, name, value)
        context.execution_options = copy.copy(saved_options)
        context.execution_options.preserve_order = True
        yield
    finally:
        for name, value in saved.items():
            setattr(context, name, value)
        context.execution_options = saved_options


def _check_reachable(address: str | None, timeout: float = 5.0) -> None:
    """UsageError at once for a HOST:PORT nothing listens on (Ray itself would retry for
    minutes)."""
    if address is None or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise UsageError(f"cannot reach a Ray cluster at {address} ({exc.strerror or exc}): "
                         "start one with `ray start --head` and pass the address it prints "
                         "with --address, or leave out --address") from exc


def check_ray_inputs(paths: Iterable[str]) -> None:
    """UsageError for inputs the workers cannot read: standard input, web addresses."""
    for path in paths:
        if path == "-":
            raise UsageError("--engine ray cannot read standard input (its workers read the "
                             "inputs): save it to a file, or use --engine local")
        if is_url(path):
            raise UsageError(f"{path}: --engine ray does not fetch web addresses: fetch them "
                             "with --engine local, or save the pages and ingest the files")


def ingest_with_ray(store: Store, items: Sequence[Item], options: IngestOptions, *,
                    analyze: bool = True, stories: StoryBook | None = None,
                    features: FeaturesRecipe | None = None,
                    on_result: Callable[[Article | Rejection, str], None] | None = None,
                    on_new: Callable[[Article], None] | None = None,
                    address: str | None = None, workers: int | None = None,
                    chunk_size: int = CHUNK_SIZE, details: bool = True) -> IngestReport:
    """:func:`~corroborate.store.ingest.ingest_articles` with reading, analysis and story
    features on Ray (``features``: the recipe of the story features, default the CLI's
    MiniLM, needed with ``stories``). ``on_new(article)`` hears of each article that is not
    stored before its write (so that an interrupted run can say what went in). ``details``:
    as :class:`~corroborate.store.ingest.IngestReport`'s."""
    check_ray_inputs(i for i in items if isinstance(i, str))
    if stories is not None and features is None:
        features = MiniLMFeatures.here()
    known = KnownIds.of(store.article_ids())

    def arrivals(stream: Iterable[Prepared | Rejection]) -> Iterator[Prepared | Rejection]:
        for item in stream:
            if (on_new is not None and isinstance(item, Prepared) and not item.stored
                    and not store.has_article(item.article.id)):
                on_new(item.article)
            yield item

    with RayEngine(address=address, workers=workers) as engine:
        stream = engine.prepare(items, options, known=known, analyze=analyze,
                                features=features if stories is not None else None,
                                chunk_size=chunk_size)
        return ingest_prepared(store, arrivals(stream), on_result=on_result, stories=stories,
                               details=details)

