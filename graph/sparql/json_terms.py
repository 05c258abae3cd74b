"""SPARQL 1.1 Query Results JSON read back into pyoxigraph terms: the one converter.

Used wherever a remote store's JSON results become RDF terms again (the remote executor's
re-serialisation, the Linked Data pages over a remote store).

Blank node labels are not portable: Virtuoso sends labels such as ``nodeID://b10001``, which
pyoxigraph refuses. Each label is mapped to a valid one derived from it (stable within one
result, and the same label always gives the same node).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class JsonTerms:
    """Converts the terms of one result; keeps its blank nodes consistent."""

    def __init__(self) -> None:
        self.bnodes: dict[str, ox.BlankNode] = {}

    def bnode(self, label: str) -> ox.BlankNode:
        node = self.bnodes.get(label)
        if node is None:
            node = ox.BlankNode("b" + hashlib.sha1(label.encode()).hexdigest()[:16])
            self.bnodes[label] = node
        return node

    def term(self, t: dict[str, Any]) -> Term:
        kind = t.get("type")
        value = t.get("value", "")
        if kind == "uri":
            return ox.NamedNode(value)
        if kind in ("literal", "typed-literal"):
            lang = t.get("xml:lang")
            if lang:
                return ox.Literal(value, language=lang)
            dt = t.get("datatype")
            return ox.Literal(value, datatype=ox.NamedNode(dt)) if dt else ox.Literal(value)
        if kind == "bnode":
            return self.bnode(value)
        if kind == "triple":
            v = value
            subject, predicate, obj = (self.term(v[k]) for k in ("subject", "predicate", "object"))
            return ox.Triple(subject, predicate, obj)  # type: ignore[arg-type]
        raise ValueError(f"unknown term type {kind!r}")


def rows(data: dict[str, Any]) -> list[dict[str, Term]]:
    """The bindings of a SPARQL JSON result as rows of terms (unbound variables left out)."""
    terms = JsonTerms()
    return [
        {name: terms.term(value) for name, value in binding.items()}
        for binding in data.get("results", {}).get("bindings", [])
    ]
