"""Build: validation stops bad data, HermiT infers, the snapshot is cached by input hash."""

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from scalekg.graph import build as build_module
from scalekg.graph import reason as reason_module
from scalekg.graph.build import BuildError, build, input_files, inputs_hash
from scalekg.graph.loader import load_sources
from scalekg.graph.namespaces import KG, SKG
from scalekg.graph.reason import ReasoningError, reason, reasoner_input, run_hermit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_inferred_graph_has_contributing_factors_inverses_and_chains(snapshot):
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(snapshot.path, format="nquads")
    inferred = ds.graph(URIRef("https://w3id.org/scalekg/graph/inferred"))
    # Contributing factor is a role the reasoner infers from the causes edges.
    assert (KG["developers-far-from-customers"], RDF.type, SKG.ContributingFactor) in inferred
    # Inverses.
    assert (
        KG["premature-scaling"],
        SKG.causedBy,
        KG["hiring-too-many-people-too-early"],
    ) in inferred
    # The chain mitigates o causes.
    assert (
        KG["hire-a-generalist-engineering-team"],
        SKG.indirectlyMitigates,
        KG["premature-scaling"],
    ) in inferred
    # Nothing asserted is repeated in the inferred graph.
    data = ds.graph(URIRef("https://w3id.org/scalekg/graph/data"))
    assert not any(t in data for t in inferred)


@pytest.mark.java
def test_inconsistent_data_fails_with_a_readable_message(tmp_path):
    sources = load_sources(data=[FIXTURES / "minimal.ttl"])
    data = sources.data
    data.add((KG["be-frugal"], RDF.type, SKG.Capability))  # Value and Capability are disjoint
    with pytest.raises(ReasoningError, match="inconsistent"):
        run_hermit(reasoner_input(sources.ontology, data))


@pytest.mark.java
def test_unsatisfiable_class_is_reported():
    sources = load_sources(data=[FIXTURES / "minimal.ttl"])
    ontology = Graph()
    for t in sources.ontology:
        ontology.add(t)
    from rdflib.namespace import RDFS

    ontology.add((SKG.Impossible, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")))
    ontology.add((SKG.Impossible, RDFS.subClassOf, SKG.Value))
    ontology.add((SKG.Impossible, RDFS.subClassOf, SKG.Capability))
    with pytest.raises(ReasoningError, match="Impossible"):
        run_hermit(reasoner_input(ontology, sources.data))


@pytest.mark.java
def test_reasoner_cache_skips_java_on_unchanged_input(tmp_path, monkeypatch):
    sources = load_sources(data=[FIXTURES / "minimal.ttl"])
    first = reason(sources.ontology, sources.data, tmp_path)
    assert first.cache_hit is False
    assert (
        KG["hiring-too-many-people-too-early"],
        RDF.type,
        SKG.ContributingFactor,
    ) in first.inferred

    def no_java(_graph):
        raise AssertionError("HermiT must not run on a cache hit")

    monkeypatch.setattr(reason_module, "run_hermit", no_java)
    second = reason(sources.ontology, sources.data, tmp_path)
    assert second.cache_hit is True
    assert set(second.inferred) == set(first.inferred)


def test_rebuild_with_unchanged_inputs_reuses_the_snapshot(snapshot, tmp_path, monkeypatch):
    build_dir = tmp_path / "build"
    shutil.copytree(snapshot.path.parent, build_dir)

    def fail(*_args, **_kwargs):
        raise AssertionError("an unchanged rebuild must not load, validate or reason")

    monkeypatch.setattr(build_module, "load_sources", fail)
    monkeypatch.setattr(build_module, "reason", fail)
    result = build(build_dir)
    assert result.reused is True
    assert result.snapshot.hash == snapshot.hash == inputs_hash(input_files())


def test_build_stops_on_non_conforming_data(tmp_path, monkeypatch):
    bad = tmp_path / "bad.ttl"
    text = (FIXTURES / "minimal.ttl").read_text(encoding="utf-8")
    bad.write_text(text + '\nkg:x a skg:Capability ; skos:prefLabel "X"@en .\n', encoding="utf-8")
    monkeypatch.setattr(build_module, "data_files", lambda: [bad])
    monkeypatch.setattr(build_module, "load_sources", lambda: load_sources(data=[bad]))
    with pytest.raises(BuildError) as info:
        build(tmp_path / "out")
    rendered = info.value.report.render()
    assert "skos:definition" in rendered and "x" in rendered
    assert not (tmp_path / "out" / "current.json").exists()
