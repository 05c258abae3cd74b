"""graph.sparql.json_terms (the one SPARQL-JSON-to-term converter) and remote value binding."""

import pyoxigraph as ox
import pytest

from scalekg.graph.backends.remote import RemoteBackend
from scalekg.graph.backends.remote_protocol import bound
from scalekg.graph.sparql.json_terms import JsonTerms, rows


def test_terms_of_every_kind():
    terms = JsonTerms()
    assert terms.term({"type": "uri", "value": "https://x/a"}) == ox.NamedNode("https://x/a")
    assert terms.term({"type": "literal", "value": "hi", "xml:lang": "en"}) == ox.Literal(
        "hi", language="en"
    )
    xsd_int = "http://www.w3.org/2001/XMLSchema#integer"
    typed = ox.Literal("3", datatype=ox.NamedNode(xsd_int))
    assert terms.term({"type": "typed-literal", "value": "3", "datatype": xsd_int}) == typed
    assert terms.term({"type": "literal", "value": "3", "datatype": xsd_int}) == typed
    quoted = terms.term(
        {
            "type": "triple",
            "value": {
                "subject": {"type": "uri", "value": "https://x/s"},
                "predicate": {"type": "uri", "value": "https://x/p"},
                "object": {"type": "literal", "value": "o"},
            },
        }
    )
    assert isinstance(quoted, ox.Triple)
    with pytest.raises(ValueError):
        terms.term({"type": "nonsense", "value": ""})


def test_virtuoso_blank_node_labels_become_valid_and_stay_consistent():
    data = {
        "head": {"vars": ["a", "b"]},
        "results": {
            "bindings": [
                {"a": {"type": "bnode", "value": "nodeID://b10001"}},
                {"b": {"type": "bnode", "value": "nodeID://b10001"}},
                {"a": {"type": "bnode", "value": "nodeID://b10002"}},
            ]
        },
    }
    found = rows(data)
    assert isinstance(found[0]["a"], ox.BlankNode)
    assert found[0]["a"] == found[1]["b"] != found[2]["a"]
    assert "b" not in found[0]  # unbound variables are left out


class JsonOnly(RemoteBackend):
    """A remote store that answers every SELECT with one canned JSON document."""

    def __init__(self, data: dict):  # no HTTP client: the protocol call is replaced
        self.data = data
        self.sent: list[str] = []

    def select_json(self, query: str, **kwargs) -> dict:
        self.sent.append(query)
        return self.data


def test_remote_select_terms_uses_the_converter_and_binds_values():
    store = JsonOnly(
        {
            "head": {"vars": ["s"]},
            "results": {"bindings": [{"s": {"type": "bnode", "value": "nodeID://b1"}}]},
        }
    )
    (row,) = store.select_terms(
        "SELECT ?s WHERE { ?s ?p ?r }", {"r": "https://w3id.org/scalekg/id/x"}
    )
    assert isinstance(row["s"], ox.BlankNode)
    assert store.sent == [
        "SELECT ?s WHERE { VALUES ?r { <https://w3id.org/scalekg/id/x> } ?s ?p ?r }"
    ]


@pytest.mark.parametrize(
    "iri", ["https://x/a> } DROP ALL {", "https://x/a b", 'https://x/"', "https://x/{r}"]
)
def test_bound_values_cannot_break_out_of_the_iri(iri):
    with pytest.raises(ValueError):
        bound("SELECT * WHERE { ?s ?p ?r }", {"r": iri})


def test_bound_leaves_an_unbound_query_alone_and_needs_a_where_clause():
    assert bound("ASK {}", None) == "ASK {}"
    with pytest.raises(ValueError):
        bound("ASK { ?s ?p ?r }", {"r": "https://x/a"})
