"""Fixtures for the diagnostic: a tiny hand-built graph, the examples, and app factories.

The tiny graph (every number in test_scoring.py is computed by hand from it)::

    M1 --applies--> V1 --influencesPositively--> C1 --mitigates--> F1 --hurts--> O1
    M2 --applies--> V1                                             ^  ^
    M2 --applies--> V2 --mitigates--> F2 --causes------------------+  |
                             C2 --mitigates--> F2                     |
    IM1 --focuses--> C1 ; IM1 --watches--> O1           S1 --signals--+
    C3 --mitigates--> F3 (early stage only)
    F4 --hurts--> O2   (nothing mitigates F4)
    C4 --mitigates--> F5

Stages: C1, C2, C4, F1, F2, F4, F5 are late stage; C3, F3 early stage; the rest have none.
"""

import os
from pathlib import Path

import pytest
import yaml

from scalekg.graph.model import Concept, Edge, KnowledgeGraph, Provenance
from scalekg.graph.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "data" / "examples"
BUILD_DIR = Path(os.environ.get("SCALEKG_TEST_BUILD_DIR", ROOT / "build"))
KG_NS = "https://w3id.org/scalekg/id/"

TINY_CONCEPTS = [
    # slug, label, type, stages
    ("v1", "Value one", "Value", []),
    ("v2", "Value two", "Value", []),
    ("m1", "Mechanism one", "Mechanism", []),
    ("m2", "Mechanism two", "Mechanism", []),
    ("im1", "Input metric one", "InputMetric", []),
    ("c1", "Capability one", "Capability", ["late-stage"]),
    ("c2", "Capability two", "Capability", ["late-stage"]),
    ("c3", "Capability three", "Capability", ["early-stage"]),
    ("c4", "Capability four", "Capability", ["late-stage"]),
    ("f1", "Factor one", "FailureFactor", ["late-stage"]),
    ("f2", "Factor two", "FailureFactor", ["late-stage"]),
    ("f3", "Factor three", "FailureFactor", ["early-stage"]),
    ("f4", "Factor four", "FailureFactor", ["late-stage"]),
    ("f5", "Factor five", "FailureFactor", ["late-stage"]),
    ("o1", "Outcome one", "PositiveOutcome", []),
    ("o2", "Outcome two", "PositiveOutcome", []),
    ("s1", "Signal one", "ScalingSignal", []),
]
TINY_EDGES = [
    ("m1", "applies", "v1"),
    ("m2", "applies", "v1"),
    ("m2", "applies", "v2"),
    ("v1", "influencesPositively", "c1"),
    ("v2", "mitigates", "f2"),
    ("c1", "mitigates", "f1"),
    ("c2", "mitigates", "f2"),
    ("f2", "causes", "f1"),
    ("f1", "hurts", "o1"),
    ("f4", "hurts", "o2"),
    ("im1", "focuses", "c1"),
    ("im1", "watches", "o1"),
    ("s1", "signals", "f1"),
    ("c3", "mitigates", "f3"),
    ("c4", "mitigates", "f5"),
]


def build_tiny_kg() -> KnowledgeGraph:
    concepts = {}
    for slug, label, type_name, stages in TINY_CONCEPTS:
        iri = KG_NS + slug
        types = {type_name}
        concepts[iri] = Concept(
            iri=iri,
            label=label,
            type=type_name,
            types=types,
            stages=stages,
            definition=f"{label}, for tests.",
        )
    edges = []
    for s, p, o in TINY_EDGES:
        prov = Provenance(
            statement=f"{KG_NS}edge-{s}--{p}--{o}",
            document=KG_NS + "talk",
            document_title="The test talk",
            locator="slide 1",
            quote=f"{s} {p} {o}",
            basis="stated",
        )
        edges.append(Edge(KG_NS + s, p, KG_NS + o, (prov,)))
    return KnowledgeGraph(concepts, edges, "tinyhash")


@pytest.fixture
def tiny_kg() -> KnowledgeGraph:
    return build_tiny_kg()


def tiny_document(**overrides) -> dict:
    """The late-stage organisation of test_scoring.py."""
    doc = {
        "organisation": "Tiny Org",
        "date": "2026-01-15",
        "stage": "late",
        "headcount": 120,
        "capabilities": [
            {"capability": "c1", "depth": 2, "width": 4},
            {"capability": "c2", "depth": 4, "width": 2},
            {"capability": "c3", "depth": 4, "width": 4},
        ],
        "mechanisms": [{"mechanism": "m1", "in_place": True, "cadence": "weekly"}],
        "signals": ["s1"],
        "input_metrics": [{"metric": "im1", "tracked": True}],
    }
    doc.update(overrides)
    return doc


def load_example(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def make_settings(**overrides) -> Settings:
    # Assessments in memory unless a test asks for the data directory (then a tmp dir).
    base = {
        "build_dir": BUILD_DIR,
        "query_workers": 1,
        "query_timeout": 5.0,
        "assessments": "memory",
    }
    base.update(overrides)
    return Settings(**base)


@pytest.fixture(scope="module")
def fresh_client(snapshot):
    """A client on its own app (its own in-memory store), on loopback."""
    from fastapi.testclient import TestClient

    from scalekg.api.app import create_app

    with TestClient(create_app(make_settings())) as c:
        yield c
