"""SELECT answers in SPARQL JSON are written by the engine's own serialiser when they provably fit
the row cap (issue 15), and by ours, row-capped, when they do not: the answers and the truncated
flag are the same either way."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from scalekg.graph.sparql import formats
from scalekg.graph.sparql.worker import Evaluator

JSON = formats.SPARQL_JSON
EX = "http://example.org/"


@pytest.fixture(scope="module")
def evaluator() -> Evaluator:
    store = ox.Store()
    p = ox.NamedNode(EX + "p")
    graph = ox.NamedNode(EX + "g")
    for i in range(30):
        s = ox.NamedNode(f"{EX}s{i}")
        store.add(ox.Quad(s, p, ox.Literal(f"value {i}", language="en"), graph))
        store.add(
            ox.Quad(s, p, ox.Literal(str(i), datatype=ox.NamedNode(formats.XSD_STRING)), graph)
        )
        store.add(ox.Quad(s, ox.NamedNode(EX + "n"), ox.Literal(i), graph))
    return Evaluator(store, {"ex": EX})


def run(evaluator: Evaluator, query: str, media_type: str, max_rows: int):
    status, form, mtype, truncated, body = evaluator.query(
        query, None, (("ex", EX),), True, None, None, media_type, max_rows
    )
    assert (status, form, mtype) == ("ok", "SELECT", media_type)
    return truncated, body


def ours(evaluator: Evaluator, query: str) -> dict:
    """The same answer written by our serialiser, from the engine's rows."""
    result = evaluator.store.query(query, prefixes={"ex": EX}, use_default_graph_as_union=True)
    variables = [v.value for v in result.variables]
    rows = [tuple(sol[i] for i in range(len(variables))) for sol in result]
    return json.loads(formats.select_json(variables, rows))


def test_a_small_answer_is_the_engines_and_equals_ours(evaluator, monkeypatch):
    query = "SELECT ?s ?o ?missing WHERE { ?s ex:p ?o } ORDER BY ?s ?o"
    expected = ours(evaluator, query)

    def not_called(*args):
        raise AssertionError("our serialiser wrote an answer the engine's could")

    monkeypatch.setitem(formats.SELECT_SERIALIZERS, JSON, not_called)
    truncated, body = run(evaluator, query, JSON, 10_000)
    assert not truncated and len(body) <= 3 * 10_000  # within the proof's bound
    assert json.loads(body) == expected
    assert len(expected["results"]["bindings"]) == 60


def test_more_rows_than_the_cap_are_cut_and_flagged(evaluator):
    truncated, body = run(evaluator, "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }", JSON, 7)
    assert truncated
    assert len(json.loads(body)["results"]["bindings"]) == 7


def test_an_answer_within_the_cap_but_too_long_to_prove_it_is_complete(evaluator):
    query = "SELECT ?s ?o WHERE { ?s ex:p ?o } ORDER BY ?s ?o"
    truncated, body = run(evaluator, query, JSON, 60)  # 60 rows: exactly the cap, ~6 kB
    assert len(body) > 3 * 60 and not truncated
    assert json.loads(body) == ours(evaluator, query)
    truncated, body = run(evaluator, query, JSON, 59)
    assert truncated and len(json.loads(body)["results"]["bindings"]) == 59


@pytest.mark.parametrize("media_type", [formats.SPARQL_XML, formats.CSV, formats.TSV])
def test_other_formats_still_use_our_row_capped_writers(evaluator, media_type):
    truncated, body = run(evaluator, "SELECT ?s WHERE { ?s ex:n ?n }", media_type, 10)
    assert truncated and body.count(b"http://example.org/s") == 10
