"""What the Linked Data pages show: view models for concept.html and resource.html."""

from typing import Any
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from scalekg.graph.model import Concept, KnowledgeGraph, Provenance
from scalekg.graph.namespaces import EDGE_PREDICATES, KG, ONTOLOGY_IRI, PREFIXES, SKG
from scalekg.graph.params import RELATION_NAMES
from scalekg.graph.sparql.json_terms import Term

from ..state import AppState
from .documents import data_links
from .resources import describe_triples, labels, referrers

ID_BASE = str(KG)
SKG_BASE = str(SKG)


def short(iri: str) -> str:
    """A prefixed name for an IRI we know the namespace of."""
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base) :]}"
    return iri


def local_href(iri: str) -> str | None:
    """Where an IRI dereferences on this server, if it does."""
    if iri.startswith(ID_BASE):
        return "/id/" + quote(iri[len(ID_BASE) :])
    if iri.startswith(SKG_BASE):
        return "/ontology#" + quote(iri[len(SKG_BASE) :])
    if iri == ONTOLOGY_IRI:
        return "/ontology"
    return None


def term_view(term: Term, names: dict[str, str]) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        iri = term.value
        return {
            "kind": "iri",
            "iri": iri,
            "text": names.get(iri) or short(iri),
            "short": short(iri),
            "href": local_href(iri) or (iri if iri.startswith(("http://", "https://")) else None),
        }
    if isinstance(term, ox.Literal):
        lang = term.language or ""
        dt = term.datatype.value if term.datatype is not None else ""
        plain = dt.endswith(("#string", "#langString"))
        return {
            "kind": "literal",
            "text": term.value,
            "lang": lang,
            "datatype": "" if plain else short(dt),
        }
    return {"kind": "blank", "text": str(term)}


def query_link(sparql: str) -> str:
    return "/query?" + urlencode({"query": sparql})


def concept_queries(iri: str) -> dict[str, str]:
    describe = f"DESCRIBE <{iri}>"
    select = (
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX skg: <https://w3id.org/scalekg/ontology#>\n\n"
        "# Every edge of this concept, with the source of each\n"
        "SELECT ?subjectLabel ?predicate ?objectLabel ?basis ?locator ?quote WHERE {\n"
        "  ?st a skg:EdgeStatement ; rdf:subject ?s ; rdf:predicate ?predicate ; rdf:object ?o ;\n"
        "      skg:basis ?basis ; skg:locator ?locator ; skg:quote ?quote .\n"
        f"  FILTER(?s = <{iri}> || ?o = <{iri}>)\n"
        "  ?s skos:prefLabel ?subjectLabel . ?o skos:prefLabel ?objectLabel .\n"
        "}\nORDER BY ?predicate ?subjectLabel ?objectLabel"
    )
    return {"describe": query_link(describe), "select": query_link(select)}


def _source_view(prov: Provenance, names: dict[str, str]) -> dict[str, Any]:
    return {
        "quote": prov.quote,
        "locator": prov.locator,
        "basis": prov.basis,
        "rationale": prov.rationale,
        "document": prov.document_title or names.get(prov.document) or short(prov.document),
        "document_href": local_href(prov.document),
        "statement": short(prov.statement),
        "statement_href": local_href(prov.statement),
    }


def concept_context(state: AppState, concept: Concept) -> dict[str, Any]:
    kg: KnowledgeGraph = state.kg
    names = labels(state)
    groups = []
    for predicate in EDGE_PREDICATES:
        forward, backward = RELATION_NAMES.get(predicate, (predicate, f"{predicate}-by"))
        for direction, name, edges in (
            ("out", forward, kg.edges_from(concept.iri, predicate)),
            ("in", backward, kg.edges_to(concept.iri, predicate)),
        ):
            if not edges:
                continue
            items = []
            for edge in edges:
                other = kg.concepts[edge.object if direction == "out" else edge.subject]
                items.append(
                    {
                        "label": other.label,
                        "type": other.type,
                        "href": f"/id/{quote(other.slug)}",
                        "basis": edge.basis,
                        "sources": [_source_view(p, names) for p in edge.provenance],
                    }
                )
            items.sort(key=lambda item: item["label"].lower())
            groups.append(
                {
                    "name": name,
                    "title": name.replace("-", " "),
                    "predicate": predicate,
                    "direction": direction,
                    "api": f"/api/concepts/{quote(concept.slug)}/{name}",
                    "edges": items,
                }
            )
    attributes = [
        {"name": short(SKG_BASE + key), "objects": [term_text(v, names) for v in values]}
        for key, values in sorted(concept.attributes.items())
    ]
    slug = concept.slug
    return {
        "concept": concept,
        "slug": slug,
        "iri": concept.iri,
        "types": sorted(t for t in concept.types if t != concept.type),
        "stages": [
            {"slug": s, "label": names.get(ID_BASE + s) or s, "href": f"/id/{quote(s)}"}
            for s in concept.stages
        ],
        "defined_in": {
            "text": names.get(concept.defined_in) or short(concept.defined_in),
            "href": local_href(concept.defined_in),
        }
        if concept.defined_in
        else None,
        "close_matches": [
            {"text": names.get(m) or m, "href": local_href(m) or m} for m in concept.close_matches
        ],
        "alignments": alignment_groups(concept),
        "attributes": attributes,
        "groups": groups,
        "edge_count": sum(len(g["edges"]) for g in groups),
        "links": {
            "graph": "/graph?" + urlencode({"focus": slug}),
            "mitigated_by": f"/api/concepts/{quote(slug)}/mitigated-by",
            "json": f"/api/concepts/{quote(slug)}",
            **concept_queries(concept.iri),
        },
        "data": data_links(f"/data/{slug}"),
    }


def alignment_groups(concept: Concept) -> list[dict[str, Any]]:
    """The concept's mappings to external schemes (DORA Core), one group per scheme, exact first.

    Only http(s) IRIs become links (the dora.dev pages); any other IRI is shown as text.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in concept.alignments:
        groups.setdefault(a.scheme or "External alignment", []).append(
            {
                **a.as_dict(),
                "label": a.label or a.iri,
                "href": a.iri if a.iri.startswith(("https://", "http://")) else None,
            }
        )
    return [{"scheme": scheme, "mappings": items} for scheme, items in groups.items()]


def term_text(value: str, names: dict[str, str]) -> dict[str, Any]:
    if value.startswith(("http://", "https://")):
        return {"text": names.get(value) or short(value), "href": local_href(value) or value}
    return {"text": value, "href": None}


def resource_context(state: AppState, iri: str) -> dict[str, Any]:
    """A generic page: the resource's own statements, and what refers to it."""
    names = labels(state)
    triples = describe_triples(state, iri)
    own: dict[str, list] = {}
    for t in triples:
        if isinstance(t.subject, ox.NamedNode) and t.subject.value == iri:
            own.setdefault(t.predicate.value, []).append(term_view(t.object, names))
    rows = [
        {"predicate": term_view(ox.NamedNode(p), names), "objects": values}
        for p, values in sorted(own.items(), key=lambda kv: short(kv[0]))
    ]
    refs = [
        {"subject": term_view(r["s"], names), "predicate": term_view(r["p"], names)}
        for r in referrers(state, iri)
    ]
    slug = iri[len(ID_BASE) :]
    statement = None
    if (SKG_BASE + "EdgeStatement") in {v.get("iri") for v in own.get(_RDF_TYPE, [])}:
        statement = {
            key: own.get(pred, [None])[0]
            for key, pred in (
                ("subject", _RDF + "subject"),
                ("predicate", _RDF + "predicate"),
                ("object", _RDF + "object"),
                ("quote", SKG_BASE + "quote"),
                ("locator", SKG_BASE + "locator"),
                ("basis", SKG_BASE + "basis"),
                ("rationale", SKG_BASE + "rationale"),
                ("source", SKG_BASE + "source"),
            )
        }
    title = names.get(iri) or slug
    if statement and statement["subject"] and statement["predicate"] and statement["object"]:
        title = " ".join(
            str(statement[k]["text"]) for k in ("subject", "predicate", "object")
        ).replace("skg:", "")
    return {
        "iri": iri,
        "slug": slug,
        "title": title,
        "rows": rows,
        "refs": refs[:200],
        "refs_truncated": len(refs) > 200,
        "statement": statement,
        "data": data_links(f"/data/{slug}"),
        "links": {"describe": query_link(f"DESCRIBE <{iri}>")},
    }


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE = _RDF + "type"
