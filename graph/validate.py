"""Quality gates: SHACL shapes, ``*-violation.rq`` queries and the verbatim-quote check.

Any SHACL result, any row of a violation query, or any quote that does not occur in its source
document makes the data non-conforming, and ``scalekg build`` / ``scalekg check`` fail.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from .namespaces import SKG, local_name
from .resources import seed_file, shape_files, violation_queries


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
    problems = []
    for path in queries if queries is not None else violation_queries():
        name = path.name.removesuffix("-violation.rq")
        text = path.read_text(encoding="utf-8")
        summary = next(
            (ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), name
        )
        for row in graph.query(text):
            cells = [_short(v) for v in row if v is not None]
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
