"""Chains between concepts: the one implementation behind ask, /api/paths, the graph view and the
diagnostic.

Every walk runs on a networkx view of ``KnowledgeGraph.nx`` (``nx.subgraph_view``, no copy)
restricted by a ``ChainFilter``: which relations may be followed, which display types may sit
between the two ends, and how sure each edge must be (graph/confidence.py). A chain is a list of
``Edge`` objects, each carrying its sources.

- ``chains``: explanation chains from one concept to another, ranked (shorter first, then more
  stated steps); if there is none, the chains the other way round.
- ``shortest``: the nodes and edges on every shortest chain, for highlighting in the view;
  ``shortest_chains``: those chains one by one, ranked.
- ``first_chain``: the first chain from a concept that follows some relations and ends with
  another (the diagnostic's "causes* then hurts" walk to an outcome).
- ``chains_into``: every chain into a concept that follows a pattern of hops, like the SPARQL
  property path ``mitigates/causes?/hurts`` ("what improves deployment frequency").
"""

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from .confidence import at_least, weakest
from .model import Edge, KnowledgeGraph

# Enumerating simple paths is exponential in the worst case: stop collecting after this many.
MAX_CANDIDATES = 500
Chain = list[Edge]


@dataclass(frozen=True)
class ChainFilter:
    """What a chain may go through. ``None`` means no restriction."""

    relations: frozenset[str] | None = None  # predicate local names that may be followed
    types: frozenset[str] | None = None  # display types allowed between the two ends
    min_confidence: str | None = None  # every step at least this sure (stated > strong > ...)

    @classmethod
    def of(
        cls,
        relations: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        min_confidence: str | None = None,
    ) -> "ChainFilter":
        """A filter from plain lists; an empty list means no restriction, like ``None``."""
        return cls(
            frozenset(relations) if relations else None,
            frozenset(types) if types else None,
            min_confidence,
        )

    def allows(self, edge: Edge) -> bool:
        if self.relations is not None and edge.predicate not in self.relations:
            return False
        return at_least(edge.confidence, self.min_confidence)


EVERYTHING = ChainFilter()


def restricted(kg: KnowledgeGraph, flt: ChainFilter, ends: Iterable[str] = ()) -> nx.MultiDiGraph:
    """A read-only view of ``kg.nx`` with only the edges and nodes ``flt`` lets through.

    The ``ends`` (IRIs) are always kept, whatever their type: a type filter applies to what lies
    between them.
    """
    if flt == EVERYTHING:
        return kg.nx
    graph = kg.nx
    kept = frozenset(ends)
    types = flt.types

    def node_ok(node: str) -> bool:
        return types is None or node in kept or graph.nodes[node]["type"] in types

    def edge_ok(u: str, v: str, key: str) -> bool:
        return flt.allows(graph.edges[u, v, key]["edge"])

    return nx.subgraph_view(graph, filter_node=node_ok, filter_edge=edge_ok)


def _edges(view: nx.MultiDiGraph, edge_path: Iterable[tuple[str, str, str]]) -> Chain:
    return [view.edges[u, v, k]["edge"] for u, v, k in edge_path]


def rank(chain: Chain) -> tuple:
    """Shorter first; among equals, more stated steps first; then by the nodes it goes through."""
    stated = sum(1 for e in chain if e.basis == "stated")
    return (len(chain), -stated, [e.object for e in chain])


def confidence(chain: Chain) -> str:
    """A chain is as sure as its weakest step."""
    return weakest([e.confidence for e in chain])


def chains(
    kg: KnowledgeGraph,
    source: str,
    target: str,
    flt: ChainFilter = EVERYTHING,
    *,
    max_steps: int = 6,
    limit: int = 10,
) -> list[Chain]:
    """Explanation chains from ``source`` to ``target`` (IRIs), ranked by ``rank``.

    Tried from source to target first and, when there is none that way, from target to source,
    so that "how does X affect Y" works whichever way the arrows run. At most ``max_steps`` steps.
    """
    view = restricted(kg, flt, (source, target))
    found: list[Chain] = []
    for a, b in ((source, target), (target, source)):
        if a == b or a not in view or b not in view:
            continue
        for edge_path in nx.all_simple_edge_paths(view, a, b, cutoff=max_steps):
            found.append(_edges(view, edge_path))
            if len(found) >= MAX_CANDIDATES:
                break
        if found:
            break
    found.sort(key=rank)
    return found[:limit]


def shortest(
    kg: KnowledgeGraph, a: str, b: str, flt: ChainFilter = EVERYTHING
) -> tuple[list[str], list[Edge]]:
    """Nodes and edges on every shortest directed chain a → b (else b → a).

    Nodes come in chain order (distance from the start, then label, then IRI); edges in the
    order of ``kg.edges``. ``([], [])`` when neither way connects; ``([a], [])`` when a is b.
    """
    view = restricted(kg, flt, (a, b))
    for source, target in ((a, b), (b, a)):
        if source == target:
            return [source], []
        if source not in view or target not in view:
            continue
        forward = nx.single_source_shortest_path_length(view, source)
        if target not in forward:
            continue
        backward = nx.single_source_shortest_path_length(nx.reverse_view(view), target)
        length = forward[target]
        edges = [
            e
            for e in kg.edges
            if e.subject in forward
            and e.object in backward
            and forward[e.subject] + 1 + backward[e.object] == length
            and flt.allows(e)
        ]
        nodes = {source, target} | {e.subject for e in edges} | {e.object for e in edges}
        concepts = kg.concepts
        ordered = sorted(nodes, key=lambda n: (forward[n], concepts[n].label.lower(), n))
        return ordered, edges
    return [], []


def connected(kg: KnowledgeGraph, a: str, b: str, flt: ChainFilter = EVERYTHING) -> bool:
    """Whether some chain runs from a to b or from b to a."""
    view = restricted(kg, flt, (a, b))
    return a in view and b in view and (nx.has_path(view, a, b) or nx.has_path(view, b, a))


def shortest_chains(
    kg: KnowledgeGraph, a: str, b: str, flt: ChainFilter = EVERYTHING, *, limit: int = 12
) -> list[Chain]:
    """Every shortest chain a → b (else b → a), ranked by ``rank``; at most ``limit``."""
    nodes, edges = shortest(kg, a, b, flt)
    if not edges:
        return []
    dag = nx.MultiDiGraph()
    for e in edges:
        dag.add_edge(e.subject, e.object, key=e.predicate, edge=e)
    walks = nx.all_simple_edge_paths(dag, nodes[0], nodes[-1])
    found = [_edges(dag, walk) for walk in itertools.islice(walks, MAX_CANDIDATES)]
    found.sort(key=rank)
    return found[:limit]


def first_chain(
    kg: KnowledgeGraph,
    source: str,
    *,
    through: Iterable[str],
    ending: Iterable[str],
    max_steps: int,
    key: Callable[[Edge], str] | None = None,
) -> Chain:
    """The first chain from ``source`` that follows ``through`` relations and ends with one
    ``ending`` edge: fewest steps first; at each step edges are tried in ``key`` order (by default
    the label of the concept they lead to). ``[]`` when there is none within ``max_steps`` steps.
    """
    order = key or (lambda e: kg.concepts[e.object].label)
    view = restricted(kg, ChainFilter.of(relations=through))
    final = ChainFilter.of(relations=ending)
    frontier: list[tuple[str, Chain]] = [(source, [])]
    seen = {source}
    for _ in range(max_steps):
        nxt: list[tuple[str, Chain]] = []
        for node, chain in frontier:
            last = sorted((e for e in kg.edges_from(node) if final.allows(e)), key=order)
            if last:
                return [*chain, last[0]]
            if node not in view:
                continue
            for edge in sorted((e for *_uv, e in view.out_edges(node, data="edge")), key=order):
                if edge.object not in seen:
                    seen.add(edge.object)
                    nxt.append((edge.object, [*chain, edge]))
        frontier = nxt
    return []


@dataclass(frozen=True)
class Hop:
    """One step of a chain pattern: an edge of one of ``relations``; an ``optional`` hop may be
    left out (``causes?`` in ``mitigates/causes?/hurts``)."""

    relations: frozenset[str]
    optional: bool = False


def chains_into(
    kg: KnowledgeGraph, target: str, pattern: Sequence[Hop], flt: ChainFilter = EVERYTHING
) -> list[Chain]:
    """Every chain that ends at ``target`` and follows ``pattern`` hop by hop, ranked by ``rank``.

    Walked backwards from ``target``; each edge must pass ``flt`` (its relations and confidence),
    and no concept appears twice in a chain.
    """
    found: list[Chain] = []

    def walk(node: str, hop: int, chain: Chain, seen: frozenset[str]) -> None:
        if hop < 0:
            if chain:
                found.append(chain)
            return
        if pattern[hop].optional:
            walk(node, hop - 1, chain, seen)
        for relation in sorted(pattern[hop].relations):
            for edge in kg.edges_to(node, relation):
                if flt.allows(edge) and edge.subject not in seen:
                    walk(edge.subject, hop - 1, [edge, *chain], seen | {edge.subject})

    walk(target, len(pattern) - 1, [], frozenset({target}))
    found.sort(key=rank)
    return found
