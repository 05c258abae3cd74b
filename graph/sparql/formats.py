"""Media types, content negotiation and SELECT serializers: the one negotiation module for the
SPARQL endpoint (``negotiate``) and the Linked Data documents (``negotiate_document``).

Content negotiation is pure (no web framework): it takes the Accept header and the ``format=``
parameter and returns one media type, or raises NotAcceptableError listing what is supported.

The serializers of SELECT results are written here rather than taken from pyoxigraph because the
row cap must be applied while iterating (pyoxigraph can only serialize a whole result). They are
used inside the worker processes and import nothing but the standard library and pyoxigraph.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from .errors import NotAcceptableError

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"
HTML = "text/html"

# Server preference order: the first one is the default for */* or no Accept header.
RESULT_MEDIA_TYPES: tuple[str, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_MEDIA_TYPES: tuple[str, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
# A Linked Data document: the HTML page first (browsers), then the RDF serialisations.
DOCUMENT_MEDIA_TYPES: tuple[str, ...] = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
_KNOWN_MEDIA_TYPES = frozenset(RESULT_MEDIA_TYPES + GRAPH_MEDIA_TYPES + DOCUMENT_MEDIA_TYPES)

# ``format=`` short names.
FORMAT_NAMES: dict[str, str] = {
    "json": SPARQL_JSON,
    "xml": SPARQL_XML,
    "csv": CSV,
    "tsv": TSV,
    "turtle": TURTLE,
    "ttl": TURTLE,
    "ntriples": N_TRIPLES,
    "nt": N_TRIPLES,
    "jsonld": JSON_LD,
    "json-ld": JSON_LD,
    "rdfxml": RDF_XML,
    "rdf-xml": RDF_XML,
    "rdf": RDF_XML,
    "owl": RDF_XML,
    "n-triples": N_TRIPLES,
    "html": HTML,
    "htm": HTML,
    "n3": TURTLE,  # Turtle is a subset of N3: what SPARQLWrapper asks for with N3
    "text/n3": TURTLE,
    "text/rdf+n3": TURTLE,
    "application/x-json+ld": JSON_LD,
}

# Common synonyms, mapped per kind of result to the type we answer with.
_RESULT_ALIASES = {
    "application/json": SPARQL_JSON,
    "application/xml": SPARQL_XML,
    "text/xml": SPARQL_XML,
}
_GRAPH_ALIASES = {
    "application/json": JSON_LD,
    "application/xml": RDF_XML,
    "text/xml": RDF_XML,
    "application/x-turtle": TURTLE,
    "text/plain": N_TRIPLES,
}
_DOCUMENT_ALIASES = {**_GRAPH_ALIASES, "application/xhtml+xml": HTML}
# With format=json or format=xml on a CONSTRUCT/DESCRIBE, answer the graph flavour.
_GRAPH_FORMAT_FALLBACK = {SPARQL_JSON: JSON_LD, SPARQL_XML: RDF_XML}


def media_types_for(form: str) -> tuple[str, ...]:
    """The media types a query form can be answered in (SELECT/ASK: results; else: graphs)."""
    return RESULT_MEDIA_TYPES if form in ("SELECT", "ASK") else GRAPH_MEDIA_TYPES


def _parse_accept(accept: str) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each valid entry of an Accept header."""
    ranges = []
    for position, part in enumerate(accept.split(",")):
        fields = part.split(";")
        mtype = fields[0].strip().lower()
        if "/" not in mtype:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
        ranges.append((mtype, q, position))
    return ranges


@lru_cache(maxsize=1024)
def negotiate(form: str, accept: str | None, fmt: str | None = None) -> str:
    """The media type to answer a query of this form with.

    ``format=`` wins over Accept (it takes a short name or a media type). Otherwise the supported
    type with the highest q in Accept wins; ties go to the more specific range, then to the
    client's order, then to the server's order. No Accept, or ``*/*``: JSON results / Turtle.
    """
    supported = media_types_for(form)
    if supported is RESULT_MEDIA_TYPES:
        return _choose(supported, _RESULT_ALIASES, {}, accept, fmt, f"the result of a {form} query")
    return _choose(
        supported,
        _GRAPH_ALIASES,
        _GRAPH_FORMAT_FALLBACK,
        accept,
        fmt,
        f"the result of a {form} query",
    )


@lru_cache(maxsize=256)
def negotiate_document(accept: str | None, fmt: str | None = None) -> str:
    """The media type of a Linked Data document (``DOCUMENT_MEDIA_TYPES``), by the same rules."""
    return _choose(
        DOCUMENT_MEDIA_TYPES,
        _DOCUMENT_ALIASES,
        _GRAPH_FORMAT_FALLBACK,
        accept,
        fmt,
        "a Linked Data document",
        strict=True,
    )


def _choose(
    supported: tuple[str, ...],
    aliases: dict[str, str],
    fallback: dict[str, str],
    accept: str | None,
    fmt: str | None,
    what: str,
    strict: bool = False,
) -> str:
    """``strict``: an unknown ``format=`` is a 406 rather than left to the Accept header."""
    if fmt:
        # format=/output= may come several times, or as a comma list (SPARQLWrapper sends
        # "application/ld+json,application/x-json+ld"): the first value we can answer wins.
        known = False
        for value in fmt.split(","):
            key = value.strip().lower()
            mtype = FORMAT_NAMES.get(key, key.split(";")[0].strip())
            mtype = aliases.get(mtype, mtype)
            mtype = fallback.get(mtype, mtype)
            if mtype in supported:
                return mtype
            known = known or mtype in _KNOWN_MEDIA_TYPES
        if known or strict:  # a format we know, but not for this kind of result
            raise NotAcceptableError(f"format={fmt} cannot express {what}", list(supported))
        # Only values we do not know: negotiate with the Accept header instead.
    if not accept or not accept.strip():
        return supported[0]
    best: tuple[float, int, int, int] | None = None
    choice = None
    ranges = _parse_accept(accept)
    for server_rank, mtype in enumerate(supported):
        match: tuple[float, int, int] | None = None  # (q, specificity, -position)
        for rng, q, position in ranges:
            rng = aliases.get(rng, rng)
            if rng == mtype:
                spec = 2
            elif rng == "*/*":
                spec = 0
            elif rng.endswith("/*") and mtype.startswith(rng[:-1]):
                spec = 1
            else:
                continue
            cand = (q, spec, -position)
            # The most specific matching range decides the q of this type (RFC 9110).
            if match is None or cand[1] > match[1] or (cand[1] == match[1] and cand > match):
                match = cand
        if match is None or match[0] <= 0:
            continue
        score = (match[0], match[1], match[2], -server_rank)
        if best is None or score > best:
            best, choice = score, mtype
    if choice is None:
        raise NotAcceptableError(
            f"none of the types in 'Accept: {accept}' can express {what}", list(supported)
        )
    return choice


# --------------------------------------------------------------------------- SELECT serializers
# Terms are pyoxigraph terms; the module is imported lazily so that negotiation needs nothing.

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


def _term_kinds():
    import pyoxigraph as ox

    return ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple


def _json_term(term, kinds) -> dict:
    named, blank, literal, triple = kinds
    if isinstance(term, named):
        return {"type": "uri", "value": term.value}
    if isinstance(term, literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction is not None:
                out["its:dir"] = str(direction).rsplit(".", 1)[-1].lower()
        else:
            dt = term.datatype.value
            if dt != XSD_STRING:
                out["datatype"] = dt
        return out
    if isinstance(term, blank):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject, kinds),
                "predicate": _json_term(term.predicate, kinds),
                "object": _json_term(term.object, kinds),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def select_json(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """SPARQL 1.1 Query Results JSON."""
    kinds = _term_kinds()
    bindings = []
    for row in rows:
        b = {}
        for var, term in zip(variables, row, strict=False):
            if term is not None:
                b[var] = _json_term(term, kinds)
        bindings.append(b)
    doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _xml_term(term, kinds) -> str:
    named, blank, literal, triple = kinds
    if isinstance(term, named):
        return f"<uri>{_xml_escape(term.value)}</uri>"
    if isinstance(term, literal):
        if term.language:
            return f'<literal xml:lang="{_xml_escape(term.language)}">{_xml_escape(term.value)}</literal>'
        dt = term.datatype.value
        if dt == XSD_STRING:
            return f"<literal>{_xml_escape(term.value)}</literal>"
        return f'<literal datatype="{_xml_escape(dt)}">{_xml_escape(term.value)}</literal>'
    if isinstance(term, blank):
        return f"<bnode>{_xml_escape(term.value)}</bnode>"
    if isinstance(term, triple):
        return (
            f"<triple><subject>{_xml_term(term.subject, kinds)}</subject>"
            f"<predicate>{_xml_term(term.predicate, kinds)}</predicate>"
            f"<object>{_xml_term(term.object, kinds)}</object></triple>"
        )
    raise TypeError(f"not an RDF term: {term!r}")


def select_xml(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """SPARQL Query Results XML Format (Second Edition)."""
    kinds = _term_kinds()
    out = [
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>',
        *(f'<variable name="{_xml_escape(v)}"/>' for v in variables),
        "</head><results>",
    ]
    for row in rows:
        out.append("<result>")
        for var, term in zip(variables, row, strict=False):
            if term is not None:
                out.append(f'<binding name="{_xml_escape(var)}">{_xml_term(term, kinds)}</binding>')
        out.append("</result>\n")
    out.append("</results></sparql>\n")
    return xml_safe("".join(out).encode())


def _csv_term(term, kinds) -> str:
    named, blank, literal, _triple = kinds
    if term is None:
        return ""
    if isinstance(term, literal | named):
        return term.value
    if isinstance(term, blank):
        return f"_:{term.value}"
    return str(term)


def select_csv(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """SPARQL 1.1 Query Results CSV: lexical values only, RFC 4180 quoting, CRLF line ends."""
    kinds = _term_kinds()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_term(t, kinds) for t in row])
    return buf.getvalue().encode()


def _tsv_term(term, kinds) -> str:
    if term is None:
        return ""
    if isinstance(term, kinds[3]):  # a triple term, in SPARQL 1.2 syntax
        parts = (_tsv_term(t, kinds) for t in (term.subject, term.predicate, term.object))
        return "<<( " + " ".join(parts) + " )>>"
    return str(term).replace("\t", "\\t")


def select_tsv(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """SPARQL 1.1 Query Results TSV: terms in Turtle / N-Triples syntax (``<<( s p o )>>``
    for triple terms)."""
    kinds = _term_kinds()
    lines = ["\t".join(f"?{v}" for v in variables)]
    for row in rows:
        lines.append("\t".join(_tsv_term(t, kinds) for t in row))
    return ("\n".join(lines) + "\n").encode()


# Characters XML 1.0 cannot hold, not even as a character reference, as UTF-8 bytes: the C0
# controls but tab, line feed and carriage return, and U+FFFE / U+FFFF. (No byte of a multi-byte
# UTF-8 sequence is below 0x80, so the C0 bytes can be matched on the bytes.)
_XML_ILLEGAL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
REPLACEMENT = "\ufffd".encode()


def xml_safe(body: bytes) -> bytes:
    """An XML document made well-formed: characters XML cannot hold become U+FFFD.

    (The exact values are in the JSON, CSV and TSV results.)"""
    return _XML_ILLEGAL.sub(REPLACEMENT, body) if _XML_ILLEGAL.search(body) else body


SELECT_SERIALIZERS = {
    SPARQL_JSON: select_json,
    SPARQL_XML: select_xml,
    CSV: select_csv,
    TSV: select_tsv,
}
