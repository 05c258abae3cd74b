"""A seeded generator of synthetic ScaleKG data, shaped like ours, at any size.

The shape follows the shipped data (docs/data-model.md): concepts typed with ``skg:`` classes and
labelled with ``skos:prefLabel`` and ``skos:definition``; every causal edge stated twice, as a
direct triple (``?c skg:mitigates ?f``) and as an ``skg:EdgeStatement`` that carries its
provenance (source document, locator, quote, basis). Mechanisms apply values, values influence
capabilities, capabilities mitigate failure factors, failure factors cause one another and hurt
outcomes. Targets are drawn with a skew, so that a few failure factors are hubs, as in the talk.

Everything goes into the data graph of an N-Quads file (the format of a snapshot). About 30
triples per concept: ``generate(1_000_000, …)`` writes about 33,000 concepts and 96,000 edges.

    python -m bench.synthetic 100k /tmp/synthetic-100k.nq
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

SKG = "https://w3id.org/scalekg/ontology#"
KG = "https://w3id.org/scalekg/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DATA_GRAPH = "https://w3id.org/scalekg/graph/data"

# class, share of the concepts, slug prefix
KINDS = (
    ("Value", 0.10, "value"),
    ("Mechanism", 0.15, "mechanism"),
    ("Capability", 0.35, "capability"),
    ("FailureFactor", 0.35, "factor"),
    ("PositiveOutcome", 0.05, "outcome"),
)
# predicate, from, to, edges per source concept
EDGES = (
    ("applies", "Mechanism", "Value", 2),
    ("influencesPositively", "Value", "Capability", 5),
    ("mitigates", "Capability", "FailureFactor", 4),
    ("causes", "FailureFactor", "FailureFactor", 1),
    ("hurts", "FailureFactor", "PositiveOutcome", 1),
)
TRIPLES_PER_CONCEPT = 30  # measured on the output, used to size it

WORDS = [
    "hiring",
    "delivery",
    "feedback",
    "ownership",
    "quality",
    "platform",
    "roadmap",
    "onboarding",
    "incident",
    "budget",
    "release",
    "architecture",
    "customer",
    "metrics",
    "autonomy",
    "alignment",
    "review",
    "testing",
    "pairing",
    "mentoring",
    "planning",
    "scaling",
    "debt",
    "latency",
    "reliability",
    "security",
    "hiring-bar",
    "focus",
    "discovery",
    "experiment",
    "frugality",
    "trust",
    "documentation",
    "process",
    "cadence",
    "handover",
    "migration",
    "tooling",
    "observability",
]
ADJECTIVES = [
    "early",
    "late",
    "lean",
    "fast",
    "slow",
    "shared",
    "explicit",
    "implicit",
    "premature",
    "continuous",
    "weekly",
    "quarterly",
    "small",
    "large",
    "cross-team",
    "local",
    "global",
    "manual",
    "automated",
    "written",
    "spoken",
]


@dataclass
class Meta:
    """What the benchmark needs to pick realistic queries: IRIs and words that exist."""

    triples: int = 0
    concepts: int = 0
    edges: int = 0
    seed: int = 0
    factors: list[str] = field(default_factory=list)  # a sample of failure factor IRIs
    values: list[str] = field(default_factory=list)  # a sample of value IRIs
    words: list[str] = field(default_factory=list)  # words that occur in labels

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Meta:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    mult = 1
    if text.endswith("k"):
        mult, text = 1_000, text[:-1]
    elif text.endswith("m"):
        mult, text = 1_000_000, text[:-1]
    return int(float(text) * mult)


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(target_triples: int, path: Path, seed: int = 42, sample: int = 200) -> Meta:
    """Write about ``target_triples`` quads to ``path`` (N-Quads, the data graph)."""
    rng = random.Random(seed)
    n_concepts = max(len(KINDS) * 2, target_triples // TRIPLES_PER_CONCEPT)
    g = f"<{DATA_GRAPH}>"
    lines: list[str] = []
    out = path.open("w", encoding="utf-8")
    count = 0

    def emit(s: str, p: str, o: str) -> None:
        nonlocal count
        lines.append(f"{s} {p} {o} {g} .\n")
        count += 1
        if len(lines) >= 50_000:
            out.writelines(lines)
            lines.clear()

    docs = [f"<{KG}source-{i}>" for i in range(20)]
    for i, d in enumerate(docs):
        emit(d, f"<{RDF}type>", f"<{SKG}Source>")
        emit(d, f"<{RDFS}label>", _lit(f"Synthetic source {i}"))

    by_kind: dict[str, list[str]] = {}
    words_used: set[str] = set()
    number = 0
    for kind, share, prefix in KINDS:
        iris = []
        for _ in range(max(2, int(n_concepts * share))):
            number += 1
            iri = f"{KG}{prefix}-{number:06d}"
            w1, w2 = rng.choice(ADJECTIVES), rng.choice(WORDS)
            words_used.update((w1, w2))
            s = f"<{iri}>"
            emit(s, f"<{RDF}type>", f"<{SKG}{kind}>")
            emit(s, f"<{SKOS}prefLabel>", _lit(f"{w1.capitalize()} {w2} {number}") + "@en")
            emit(s, f"<{SKOS}definition>", _lit(f"A synthetic {kind} about {w1} {w2}.") + "@en")
            emit(s, f"<{SKG}relevantAtStage>", f"<{KG}{rng.choice(('early', 'late'))}-stage>")
            iris.append(iri)
        by_kind[kind] = iris

    edges = 0
    statement = 0
    for predicate, source_kind, target_kind, per in EDGES:
        targets = by_kind[target_kind]
        for s_iri in by_kind[source_kind]:
            chosen: set[str] = set()
            for _ in range(per):
                # skewed: low indexes are picked more often (a few hubs, a long tail)
                t_iri = targets[int(len(targets) * rng.random() ** 2)]
                if t_iri == s_iri or t_iri in chosen:
                    continue
                chosen.add(t_iri)
                statement += 1
                st = f"<{KG}statement-{statement:07d}>"
                emit(f"<{s_iri}>", f"<{SKG}{predicate}>", f"<{t_iri}>")
                emit(st, f"<{RDF}type>", f"<{SKG}EdgeStatement>")
                emit(st, f"<{RDF}subject>", f"<{s_iri}>")
                emit(st, f"<{RDF}predicate>", f"<{SKG}{predicate}>")
                emit(st, f"<{RDF}object>", f"<{t_iri}>")
                emit(st, f"<{SKG}source>", rng.choice(docs))
                emit(st, f"<{SKG}locator>", _lit(f"slide {rng.randint(1, 40)}"))
                emit(
                    st,
                    f"<{SKG}quote>",
                    _lit(f"{rng.choice(WORDS)} {predicate} {rng.choice(WORDS)}"),
                )
                emit(st, f"<{SKG}basis>", f"<{SKG}{rng.choice(('stated', 'interpreted'))}>")
                edges += 1
    out.writelines(lines)
    out.close()

    factors = by_kind["FailureFactor"]
    values = by_kind["Value"]
    return Meta(
        triples=count,
        concepts=number,
        edges=edges,
        seed=seed,
        factors=rng.sample(factors, min(sample, len(factors))),
        values=rng.sample(values, min(sample, len(values))),
        words=sorted(words_used),
    )


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        print(__doc__)
        raise SystemExit(2)
    path = Path(argv[1])
    meta = generate(parse_size(argv[0]), path)
    meta.dump(path.with_suffix(".json"))
    print(f"{path}: {meta.triples} triples, {meta.concepts} concepts, {meta.edges} edges")


if __name__ == "__main__":
    main(sys.argv[1:])
