"""Quality gates: SHACL shapes, ``*-violation.rq`` queries and the verbatim-quote check.

Any SHACL result, any row of a violation query, or any quote that does not occur in its source
document makes the data non-conforming, and ``scalekg build`` / ``scalekg check`` fail.

The violation queries run on pyoxigraph (about 50 times faster than rdflib's SPARQL here), and a
report is cached by the hash of everything it depends on (``validate_cached``), as the
reasoner's output is: an unchanged input is never validated twice.
"""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from .namespaces import SKG, local_name
from .resources import data_dir, seed_file, shape_files, violation_queries
from .store import term_text


@dataclass(frozen=True)
class Problem:
    """One reason the data does not conform."""

    check: str  # "shacl", a violation query's name, or "quote"
    focus: str
    message: str
    detail: str = ""

    def render(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"[{self.check}] {self.focus}: {self.message}{extra}"


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    checks_run: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.problems

    def render(self) -> str:
        if self.conforms:
            return f"conforms: {len(self.checks_run)} checks passed"
        lines = [f"{len(self.problems)} problem(s):"]
        lines += ["  " + p.render() for p in self.problems]
        return "\n".join(lines)


def _short(node: object) -> str:
    text = str(node)
    return local_name(text) if text.startswith("http") else text


def run_shacl(graph: Graph, shapes: list[Path] | None = None) -> list[Problem]:
    shapes_graph = Graph()
    for path in shapes if shapes is not None else shape_files():
        shapes_graph.parse(path, format="turtle")
    conforms, results, _text = shacl_validate(
        graph,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=True,
        allow_warnings=False,
    )
    if conforms:
        return []
    problems = []
    for result in results.subjects(SH.resultSeverity, None):
        focus = results.value(result, SH.focusNode)
        message = results.value(result, SH.resultMessage)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        shape = results.value(result, SH.sourceShape)
        detail = ", ".join(
            part
            for part in (
                f"path {_short(path)}" if path is not None else "",
                f"value {_short(value)}" if value is not None else "",
                f"shape {_short(shape)}" if isinstance(shape, URIRef) else "",
            )
            if part
        )
        problems.append(Problem("shacl", _short(focus), str(message or "violation"), detail))
    problems.sort(key=lambda p: (p.focus, p.message))
    return problems


def run_violation_queries(graph: Graph, queries: list[Path] | None = None) -> list[Problem]:
    store = ox.Store()
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    problems = []
    for path in queries if queries is not None else violation_queries():
        name = path.name.removesuffix("-violation.rq")
        text = path.read_text(encoding="utf-8")
        summary = next(
            (ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), name
        )
        solutions = store.query(text)
        if not isinstance(solutions, ox.QuerySolutions):
            raise ValueError(f"{path.name}: a violation query must be a SELECT")
        names = [v.value for v in solutions.variables]
        for row in solutions:
            cells = [_short(term_text(row[n])) for n in names if row[n] is not None]
            problems.append(Problem(name, cells[0] if cells else "?", summary, " ".join(cells[1:])))
    return problems


def fold_whitespace(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def check_quotes(graph: Graph, seeds_dir: Path | None = None) -> list[Problem]:
    """Every quote must occur verbatim (white space folded) in its source's seed file."""
    texts: dict[str, str] = {}
    problems = []
    for statement, quote in graph.subject_objects(SKG.quote):
        source = graph.value(statement, SKG.source)
        seed = graph.value(source, SKG.seedFile) if source is not None else None
        if seed is None:
            problems.append(
                Problem("quote", _short(statement), "the statement's source has no seed file")
            )
            continue
        if str(seed) not in texts:
            path = (seeds_dir / str(seed)) if seeds_dir else seed_file(str(seed))
            texts[str(seed)] = fold_whitespace(path.read_text(encoding="utf-8"))
        if fold_whitespace(str(quote)) not in texts[str(seed)]:
            problems.append(
                Problem(
                    "quote",
                    _short(statement),
                    f"quote not found verbatim in {seed}",
                    repr(str(quote)[:80]),
                )
            )
    return problems


def validate_graph(graph: Graph) -> ValidationReport:
    """Run every quality gate over the union of ontology and data."""
    report = ValidationReport()
    report.problems += run_shacl(graph)
    report.checks_run.append("shacl")
    report.problems += run_violation_queries(graph)
    report.checks_run += [p.name for p in violation_queries()]
    report.problems += check_quotes(graph)
    report.checks_run.append("quotes")
    return report


VALIDATION_FORMAT = "1"


def validation_key(inputs: Iterable[Path]) -> str:
    """The hash of everything a report depends on: the inputs, the seed documents the quotes
    are checked against, this module's code and pySHACL's version."""
    seeds = sorted((data_dir() / "seeds").glob("*"))
    h = hashlib.sha256(f"{VALIDATION_FORMAT} pyshacl {version('pyshacl')}".encode())
    for path in [*sorted(inputs), *seeds, Path(__file__)]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:32]


def validate_cached(graph: Graph, inputs: Iterable[Path], cache_dir: Path) -> ValidationReport:
    """``validate_graph``, unless a report for exactly these inputs is in ``cache_dir``."""
    path = cache_dir / f"report-{validation_key(inputs)}.json"
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        return ValidationReport([Problem(**p) for p in saved["problems"]], saved["checks_run"])
    report = validate_graph(graph)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    tmp.replace(path)
    for old in cache_dir.glob("report-*.json"):
        if old != path:
            old.unlink(missing_ok=True)
    return report
