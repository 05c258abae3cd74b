"""Linked Data: every ``https://w3id.org/scalekg/id/<slug>`` IRI dereferences on this server.

The 303 pattern (https://www.w3.org/TR/cooluris/); the routes are in api/routers/linked_data.py:

- ``/id/<slug>`` names the thing. It answers ``303 See Other`` to a document about it, chosen by
  the Accept header (or ``?format=``): ``/page/<slug>`` for browsers, ``/data/<slug>.ttl``,
  ``.jsonld``, ``.nt`` or ``.rdf`` for RDF clients. An Accept header we cannot satisfy gets a 406.
- ``/page/<slug>`` is the HTML page: for a concept, its labels, definition and every edge grouped
  by relation with each source's quote, locator and basis; for an edge statement or a source, its
  statements.
- ``/data/<slug>.<ext>`` is the resource's concise bounded description: its own triples, the edge
  statements that have it as subject or object (with their provenance), and the incoming edges.
- ``/ontology`` (the ontology IRI; its terms are ``/ontology#Term``) works the same way.

One job per module:

- ``documents``: the document formats, negotiation (graph/sparql/formats.py, shared with
  /sparql), 303 and RDF responses;
- ``resources``: which resources exist and their descriptions, read through the store interface
  (``select_terms`` / ``construct`` with bound IRIs: nothing is pasted into a query);
- ``views``: what the HTML pages show (view models for the templates);
- ``ontology``: the ontology document and its page.
"""
