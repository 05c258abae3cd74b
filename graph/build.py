"""``scalekg build``: Turtle -> validated Dataset -> reasoned -> one content-hashed snapshot.

The snapshot is an N-Quads file, ``snapshot-<hash>.nq``, named by the hash of every input (the
ontology, shapes, queries, data files and this package's version). ``current.json`` points at the
newest one and holds its stats. A build with unchanged inputs finds the snapshot and does nothing,
so it never starts Java.
"""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Dataset, URIRef

from .loader import load_sources
from .model import KnowledgeGraph
from .namespaces import DATA_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from .reason import reason
from .resources import data_files, ontology_files, shape_files, violation_queries
from .stats import graph_stats
from .store import load_memory_store, store_selector

if TYPE_CHECKING:
    from .validate import ValidationReport

BUILD_FORMAT = "1"
Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """The data does not conform; ``report`` says why."""

    def __init__(self, report: "ValidationReport"):
        super().__init__(report.render())
        self.report = report


@dataclass(frozen=True)
class Snapshot:
    path: Path
    hash: str
    stats: dict

    @property
    def etag(self) -> str:
        return f'"{self.hash}"'


@dataclass(frozen=True)
class BuildResult:
    snapshot: Snapshot
    reused: bool
    reasoner_cache_hit: bool | None
    seconds: float
    reasoner_source: str | None = None  # "cache", "committed" or "hermit"; None when reused


def input_files() -> list[Path]:
    return ontology_files() + shape_files() + violation_queries() + data_files()


def inputs_hash(paths: list[Path]) -> str:
    h = hashlib.sha256(BUILD_FORMAT.encode())
    for path in sorted(paths, key=lambda p: p.name):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def read_current(build_dir: Path) -> Snapshot | None:
    pointer = build_dir / "current.json"
    if not pointer.exists():
        return None
    meta = json.loads(pointer.read_text(encoding="utf-8"))
    path = build_dir / meta["file"]
    if not path.exists():
        return None
    return Snapshot(path=path, hash=meta["hash"], stats=meta["stats"])


def build(build_dir: Path, *, force: bool = False, progress: Progress | None = None) -> BuildResult:
    say = progress or (lambda _msg: None)
    start = time.perf_counter()
    build_dir.mkdir(parents=True, exist_ok=True)
    digest = inputs_hash(input_files())
    current = read_current(build_dir)
    if current is not None and current.hash == digest and not force:
        say("inputs unchanged: reusing the snapshot")
        return BuildResult(current, True, None, time.perf_counter() - start)

    say("loading the ontology and the data")
    sources = load_sources()
    union = sources.ontology + sources.data
    say("validating: SHACL shapes, violation queries, quotes (cached by input hash)")
    from .validate import validate_cached  # pySHACL is slow to import: only when building

    report = validate_cached(union, input_files(), build_dir / "validation-cache")
    if not report.conforms:
        raise BuildError(report)
    say("reasoning: the cached or committed inference, else HermiT")
    result = reason(sources.ontology, sources.data, build_dir / "reasoner-cache")
    ds = Dataset()
    for name, graph in (
        (ONTOLOGY_GRAPH, sources.ontology),
        (DATA_GRAPH, sources.data),
        (INFERRED_GRAPH, result.inferred),
    ):
        target = ds.graph(URIRef(name))
        for triple in graph:
            target.add(triple)
    say("writing the snapshot")
    path = build_dir / f"snapshot-{digest}.nq"
    tmp = path.with_suffix(".tmp")
    ds.serialize(tmp, format="nquads", encoding="utf-8")
    tmp.replace(path)
    kg = KnowledgeGraph.from_store(store_selector(load_memory_store(path)), digest)
    stats = graph_stats(ds, kg.counts()["classes"])
    stats["hash"] = digest
    (build_dir / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    pointer = {"hash": digest, "file": path.name, "stats": stats}
    (build_dir / "current.json").write_text(json.dumps(pointer, indent=2), encoding="utf-8")
    for old in build_dir.glob("snapshot-*.nq"):
        if old != path:
            old.unlink()
    return BuildResult(
        Snapshot(path, digest, stats),
        False,
        result.cache_hit,
        time.perf_counter() - start,
        result.source,
    )


def ensure_built(build_dir: Path, progress: Progress | None = None) -> Snapshot:
    """The current snapshot, building it first when it is missing or stale."""
    return build(build_dir, progress=progress).snapshot
