"""Which part of the graph a view shows: focus, depth, type/relation/stage filters, expansions, a path.

One implementation for ``/graph``, ``/graph.json``, ``scalekg viz`` and the page's exploring.

The rules, in order:

1. A node passes the filters if its display type is among ``types`` (all when empty) and it has no
   stage or one of ``stages`` (all when empty). Only edges whose relation is among ``relations``
   (all when empty) and whose confidence is at least ``confidence`` (stated > strong > plausible >
   speculative; all when empty, graph/confidence.py) are followed or shown.
2. Without a focus the view is every node that passes the filters. No cap.
3. With a focus: breadth-first from the focus (always shown) over the allowed edges in both
   directions, up to ``depth`` hops, to nodes that pass the filters; neighbours in a fixed order
   (label, then IRI). At most ``max_nodes`` nodes; ``truncated`` says when some were left out.
4. Each expanded node that is visible adds its neighbours along allowed edges, whatever their type
   or stage (the user asked for them), still under the cap.
5. ``path=a,b`` adds every node and edge on a shortest directed chain from a to b over the allowed
   edges (from b to a if there is none), exempt from the cap, and highlights them
   (``graph.paths.shortest``).
6. Edges shown: allowed relation, both ends visible.

The page (viz/static/graph.js) runs none of this: it asks ``/graph.json`` for each view or, in a
standalone file, reads the views ``viz/page.py`` computed here when it wrote the file.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from scalekg.graph.confidence import CONFIDENCE_ORDER, at_least, parse_min_confidence
from scalekg.graph.model import Concept, Edge, KnowledgeGraph
from scalekg.graph.namespaces import EDGE_PREDICATES
from scalekg.graph.params import (
    DEFAULT_DEPTH,
    MAX_DEPTH,
    STAGES,
    UnknownName,
    name_key,
    parse_relation,
    parse_stage,
    type_aliases,
)
from scalekg.graph.paths import ChainFilter, shortest, shortest_chains
from scalekg.graph.search import UnknownConceptError, resolve

from .style import CLASS_STYLES, class_key


class ViewError(ValueError):
    """A view parameter is wrong: ``status`` is 422 (bad value) or 404 (unknown concept)."""

    def __init__(
        self,
        status: int,
        param: str,
        message: str,
        *,
        allowed: Iterable[str] = (),
        suggestions: list[dict] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.param = param
        self.message = message
        self.allowed = list(allowed)
        self.suggestions = suggestions or []

    def as_dict(self) -> dict:
        out: dict = {"error": self.message, "param": self.param}
        if self.allowed:
            out["allowed"] = self.allowed
        if self.status == 404:
            out["suggestions"] = self.suggestions
        return out


@dataclass(frozen=True)
class ViewParams:
    focus: str | None = None  # IRI
    depth: int = DEFAULT_DEPTH
    types: tuple[str, ...] = ()  # display types; empty = all
    relations: tuple[str, ...] = ()  # predicate local names; empty = all
    stages: tuple[str, ...] = ()  # "early-stage", "late-stage"; empty = all
    expand: tuple[str, ...] = ()  # IRIs
    path: tuple[str, str] | None = None  # IRIs
    selected: str | None = None  # IRI of the node whose panel is open
    confidence: str | None = None  # the least sure edge shown: stated, strong, plausible, …

    def as_dict(self, kg: KnowledgeGraph) -> dict:
        """The view with slugs, as the page and the JSON export carry it."""

        def slug(iri: str | None) -> str | None:
            return kg.concepts[iri].slug if iri else None

        return {
            "focus": slug(self.focus),
            "depth": self.depth,
            "types": list(self.types),
            "relations": list(self.relations),
            "stages": list(self.stages),
            "expand": [slug(i) for i in self.expand],
            "path": [slug(i) for i in self.path] if self.path else [],
            "selected": slug(self.selected),
            "confidence": self.confidence,
        }

    def query(self, kg: KnowledgeGraph) -> dict[str, str]:
        """The deep-link query parameters of this view (defaults left out)."""
        d = self.as_dict(kg)
        out: dict[str, str] = {}
        if d["focus"]:
            out["focus"] = d["focus"]
            out["depth"] = str(self.depth)
        for name in ("types", "relations", "stages", "expand", "path"):
            if d[name]:
                out[name] = ",".join(d[name])
        if d["selected"]:
            out["selected"] = d["selected"]
        if self.confidence:
            out["confidence"] = self.confidence
        return out


def type_names(kg: KnowledgeGraph | None = None) -> list[str]:
    """Display types a ``types`` filter accepts: the styled classes and any type in the graph."""
    names = [k for k in CLASS_STYLES if k != "Other"]
    if kg is not None:
        names += sorted({c.type for c in kg.concepts.values()} - set(names))
    return names


OTHER_KEY = name_key("Other")  # the minor classes, as one legend entry
ALL_KEY = name_key("all")  # types=all: every class (the overview is /graph's default otherwise)

# The default /graph: the classes whose labels must be readable at first view. The others
# (contributing factors, mechanisms, practices, … and "Other") are one checkbox away.
OVERVIEW_TYPES: tuple[str, ...] = ("Value", "Capability", "FailureFactor", "PositiveOutcome")


def is_overview(view: "ViewParams") -> bool:
    """A view drawn with the overview's spacing: no focus, no path or expansion, and only
    overview classes."""
    return (
        view.focus is None
        and not view.path
        and not view.expand
        and bool(view.types)
        and set(view.types) <= set(OVERVIEW_TYPES)
    )


def fades_edges(view: "ViewParams") -> bool:
    """Views of the whole graph draw their edges faint until a node is hovered or selected."""
    return view.focus is None and not view.path


PATH_CHAINS = 12  # shortest chains listed for a highlighted path


def minor_types(kg: KnowledgeGraph) -> list[str]:
    """The display types of the graph that share the legend's "Other" entry."""
    return sorted({c.type for c in kg.concepts.values() if class_key(c.type) == "Other"})


def _split(values: str | Iterable[str] | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def _concept(kg: KnowledgeGraph, param: str, text: str) -> Concept:
    try:
        return resolve(kg, text)
    except UnknownConceptError as exc:
        raise ViewError(
            404,
            param,
            f"no concept matches {text!r}",
            suggestions=[m.as_dict() for m in exc.suggestions],
        ) from exc


def parse_view(kg: KnowledgeGraph, params: Mapping[str, str | list[str] | None]) -> ViewParams:
    """Validate query parameters into a view. Raises ViewError (422 or 404), never anything else.

    Lists are comma separated or repeated. Types accept ``FailureFactor``, ``failure-factor`` or
    ``failurefactor``, plus the name "Other" for the minor classes; relations accept the predicate
    (``influencesPositively``) or how it reads (``influences``); stages ``early``/``late``.
    """
    focus_text = (_split(params.get("focus")) or [None])[0]
    focus = _concept(kg, "focus", focus_text).iri if focus_text else None

    depth_text = (_split(params.get("depth")) or [None])[0]
    depth = DEFAULT_DEPTH
    if depth_text is not None:
        try:
            depth = int(depth_text)
        except ValueError:
            raise ViewError(422, "depth", f"depth must be an integer, not {depth_text!r}") from None
        if not 0 <= depth <= MAX_DEPTH:
            raise ViewError(422, "depth", f"depth must be between 0 and {MAX_DEPTH}")

    known_types = type_aliases(type_names(kg))
    minor = minor_types(kg)
    types: list[str] = []
    for text in _split(params.get("types")):
        if name_key(text) == ALL_KEY:
            continue  # every class: the same as no filter
        if name_key(text) == OTHER_KEY:
            types += minor
        elif name_key(text) in known_types:
            types.append(known_types[name_key(text)])
        else:
            raise ViewError(
                422, "types", f"unknown type {text!r}", allowed=[*type_names(kg), "Other", "all"]
            )

    def parsed(name: str, parse) -> list[str]:
        try:
            return [parse(text) for text in _split(params.get(name))]
        except UnknownName as exc:
            raise ViewError(422, name, str(exc), allowed=exc.allowed) from None

    relations = parsed("relations", parse_relation)
    stages = parsed("stages", parse_stage)

    expand = tuple(_concept(kg, "expand", t).iri for t in _split(params.get("expand")))

    path_texts = _split(params.get("path"))
    path = None
    if path_texts:
        if len(path_texts) != 2:
            raise ViewError(422, "path", "path takes two concepts: path=<from>,<to>")
        path = (_concept(kg, "path", path_texts[0]).iri, _concept(kg, "path", path_texts[1]).iri)

    selected_text = (_split(params.get("selected")) or [None])[0]
    selected = _concept(kg, "selected", selected_text).iri if selected_text else None

    confidence_text = (_split(params.get("confidence")) or [None])[0]
    try:
        confidence = parse_min_confidence(confidence_text)
    except ValueError as exc:
        raise ViewError(422, "confidence", str(exc), allowed=CONFIDENCE_ORDER) from None

    def dedupe(items: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(items))

    return ViewParams(
        focus=focus,
        depth=depth,
        types=tuple(sorted(set(types))),
        relations=tuple(p for p in EDGE_PREDICATES if p in relations)
        + tuple(sorted(set(relations) - set(EDGE_PREDICATES))),
        stages=tuple(s for s in STAGES if s in stages),
        expand=dedupe(list(expand)),
        path=path,
        selected=selected,
        confidence=confidence,
    )


@dataclass
class Selection:
    view: ViewParams
    nodes: list[str]  # IRIs, in the order they were added
    edges: list[Edge]
    truncated: bool = False
    max_nodes: int | None = None  # the cap that applied (focused views only)
    path_nodes: list[str] = field(default_factory=list)
    path_edges: list[Edge] = field(default_factory=list)
    path_chains: list[list[Edge]] = field(default_factory=list)  # the shortest chains, ranked
    more_chains: bool = False  # there are more shortest chains than PATH_CHAINS
    # Visible node -> how many of its links (allowed relations) lead out of the view: what the
    # page's "Expand (N links)" button says.
    hidden_links: dict[str, int] = field(default_factory=dict)

    @property
    def node_set(self) -> set[str]:
        return set(self.nodes)


def node_order(kg: KnowledgeGraph) -> dict[str, int]:
    """A fixed rank of every node (label, then IRI): the order neighbours are visited in."""

    def compute() -> dict[str, int]:
        ranked = sorted(kg.concepts.values(), key=lambda c: (c.label.lower(), c.iri))
        return {c.iri: i for i, c in enumerate(ranked)}

    return kg.cached(("viz", "order"), compute)


def _neighbours(
    kg: KnowledgeGraph, iri: str, allowed: frozenset[str], confidence: str | None = None
) -> list[str]:
    order = node_order(kg)
    found = {e.object for e in kg.edges_from(iri) if _shown(e, allowed, confidence)}
    found |= {e.subject for e in kg.edges_to(iri) if _shown(e, allowed, confidence)}
    found.discard(iri)
    return sorted(found, key=order.__getitem__)


def _shown(edge: Edge, allowed: frozenset[str], confidence: str | None) -> bool:
    """An edge a view follows and draws: an allowed relation, at least the view's confidence."""
    return edge.predicate in allowed and at_least(edge.confidence, confidence)


def _allowed_relations(kg: KnowledgeGraph, view: ViewParams) -> frozenset[str]:
    if view.relations:
        return frozenset(view.relations)
    return frozenset(EDGE_PREDICATES) | {e.predicate for e in kg.edges}


def passes(concept: Concept, view: ViewParams) -> bool:
    if view.types and concept.type not in view.types:
        return False
    return not (view.stages and concept.stages and not set(concept.stages) & set(view.stages))


def select(kg: KnowledgeGraph, view: ViewParams, *, max_nodes: int) -> Selection:
    """The nodes and edges a view shows (see the module docstring for the rules)."""
    allowed = _allowed_relations(kg, view)
    order = node_order(kg)
    truncated = False
    cap = None if view.focus is None else max_nodes

    def room() -> bool:
        nonlocal truncated
        if cap is not None and len(nodes) >= cap:
            truncated = True
            return False
        return True

    if view.focus is None:
        nodes = sorted(
            (iri for iri, c in kg.concepts.items() if passes(c, view)), key=order.__getitem__
        )
    else:
        nodes = [view.focus]
        frontier = [view.focus]
        seen = {view.focus}
        for _ in range(view.depth):
            nxt: list[str] = []
            for iri in frontier:
                for other in _neighbours(kg, iri, allowed, view.confidence):
                    if other in seen or not passes(kg.concepts[other], view):
                        continue
                    if not room():
                        break
                    seen.add(other)
                    nodes.append(other)
                    nxt.append(other)
            frontier = nxt
    seen = set(nodes)
    for iri in view.expand:
        if iri not in seen:
            continue
        for other in _neighbours(kg, iri, allowed, view.confidence):
            if other in seen:
                continue
            if not room():
                break
            seen.add(other)
            nodes.append(other)
    path_nodes: list[str] = []
    path_edges: list[Edge] = []
    path_chains: list[list[Edge]] = []
    if view.path:
        chain_filter = ChainFilter.of(relations=allowed, min_confidence=view.confidence)
        path_nodes, path_edges = shortest(kg, *view.path, chain_filter)
        path_chains = shortest_chains(kg, *view.path, chain_filter, limit=PATH_CHAINS + 1)
        present = set(nodes)
        nodes += [n for n in path_nodes if n not in present]
    visible = set(nodes)
    rank = edge_rank(kg)
    edges = sorted(
        (
            e
            for iri in visible
            for e in kg.edges_from(iri)
            if _shown(e, allowed, view.confidence) and e.object in visible
        ),
        key=lambda e: rank[id(e)],
    )
    hidden: dict[str, int] = {}
    for iri in nodes:
        count = sum(
            1
            for e in kg.edges_from(iri)
            if _shown(e, allowed, view.confidence) and e.object not in visible
        ) + sum(
            1
            for e in kg.edges_to(iri)
            if _shown(e, allowed, view.confidence) and e.subject not in visible
        )
        if count:
            hidden[iri] = count
    return Selection(
        view,
        nodes,
        edges,
        truncated,
        cap,
        path_nodes,
        path_edges,
        path_chains[:PATH_CHAINS],
        len(path_chains) > PATH_CHAINS,
        hidden,
    )


def edge_rank(kg: KnowledgeGraph) -> dict[int, int]:
    """The position of each edge in ``kg.edges``: a view lists its edges in that order."""
    return kg.cached(("viz", "edge-rank"), lambda: {id(e): i for i, e in enumerate(kg.edges)})
