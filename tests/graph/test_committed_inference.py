"""data/inferred.nt: the committed reasoner output that lets a machine without Java serve.

When the ontology or the data change, these tests fail until someone runs ``make inference``
(``scalekg build --write-inference``) and commits data/inferred.nt.
"""

from pathlib import Path

import pytest
from rdflib import Graph

from scalekg.graph import reason as reason_module
from scalekg.graph.loader import load_sources
from scalekg.graph.reason import (
    REGENERATE,
    ReasonerMissingError,
    committed_key,
    reason,
    reasoner_input,
    reasoner_key,
    run_hermit,
    write_committed,
)
from scalekg.graph.resources import committed_inference_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STALE = (
    f"data/inferred.nt is stale: the ontology or data changed since it was generated. "
    f"Run `{REGENERATE}` (needs Java) and commit data/inferred.nt."
)


@pytest.fixture(scope="module")
def shipped():
    return load_sources()


@pytest.fixture
def no_java(monkeypatch, tmp_path):
    """A PATH with no java on it (the machine's own Java stays installed)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    def fail(_graph):
        raise AssertionError("HermiT must not run")

    monkeypatch.setattr(reason_module, "run_hermit", fail)


def test_committed_inference_is_keyed_by_the_current_inputs(shipped):
    assert committed_key(committed_inference_file()) == reasoner_key(
        shipped.ontology, shipped.data
    ), STALE


@pytest.mark.java
def test_committed_inference_equals_a_fresh_hermit_run(shipped):
    committed = set(Graph().parse(committed_inference_file(), format="nt"))
    fresh = set(run_hermit(reasoner_input(shipped.ontology, shipped.data)))
    missing, extra = sorted(fresh - committed)[:5], sorted(committed - fresh)[:5]
    assert committed == fresh, f"{STALE}\nmissing (first 5): {missing}\nextra (first 5): {extra}"


def test_shipped_inputs_reason_without_java_from_the_committed_file(shipped, no_java, tmp_path):
    result = reason(shipped.ontology, shipped.data, tmp_path / "cache")
    assert result.source == "committed", STALE
    assert set(result.inferred) == set(Graph().parse(committed_inference_file(), format="nt"))


def test_changed_inputs_without_java_say_what_to_install(no_java, tmp_path):
    sources = load_sources(data=[FIXTURES / "minimal.ttl"])  # not what was committed
    with pytest.raises(ReasonerMissingError) as info:
        reason(sources.ontology, sources.data, tmp_path / "cache")
    message = str(info.value)
    assert "Java" in message and "apt-get install default-jre-headless" in message
    assert REGENERATE in message


def test_a_committed_file_serves_only_the_inputs_it_was_made_from(no_java, tmp_path):
    sources = load_sources(data=[FIXTURES / "minimal.ttl"])
    inferred = Graph().parse(committed_inference_file(), format="nt")
    key = reasoner_key(sources.ontology, sources.data)
    path = tmp_path / "inferred.nt"
    write_committed(inferred, key, path)
    assert committed_key(path) == key
    result = reason(sources.ontology, sources.data, tmp_path / "cache", committed=path)
    assert result.source == "committed"
    assert set(result.inferred) == set(inferred)
    write_committed(inferred, "0" * 32, path)  # made from other inputs
    with pytest.raises(ReasonerMissingError):
        reason(sources.ontology, sources.data, tmp_path / "cache2", committed=path)


def test_changed_inputs_without_owlready2_say_what_to_install(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "owlready2", None)  # as in an install without [reason]
    sources = load_sources(data=[FIXTURES / "minimal.ttl"])
    with pytest.raises(ReasonerMissingError) as info:
        reason(sources.ontology, sources.data, tmp_path / "cache")
    assert "pip install 'scalekg[reason]'" in str(info.value)
    assert "Java" not in str(info.value)  # Java is here; only what is missing is named
