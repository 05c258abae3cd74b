"""The embedded store: the snapshot loaded into pyoxigraph, and a row-dict SELECT helper."""

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

Row = dict[str, str]
SelectFn = Callable[[str], list[Row]]
# pyoxigraph types Store.query() as any of its three kinds of result.
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


def solutions(result: QueryResult) -> ox.QuerySolutions:
    """The solutions of a SELECT; TypeError for an ASK or a CONSTRUCT result."""
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"expected SELECT solutions, got {type(result).__name__}")
    return result


def query_triples(result: QueryResult) -> ox.QueryTriples:
    """The triples of a CONSTRUCT or DESCRIBE; TypeError for a SELECT or an ASK result."""
    if not isinstance(result, ox.QueryTriples):
        raise TypeError(f"expected CONSTRUCT triples, got {type(result).__name__}")
    return result


def load_memory_store(snapshot: Path) -> ox.Store:
    """A fresh in-memory pyoxigraph store holding the snapshot's quads."""
    store = ox.Store()
    store.bulk_load(path=str(snapshot), format=ox.RdfFormat.N_QUADS)
    return store


def term_text(term: object) -> str:
    if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):
        return term.value
    return str(term)


def rows_from_solutions(results: ox.QuerySolutions) -> list[Row]:
    """Each solution as variable name -> plain text (unbound variables left out)."""
    names = [v.value for v in results.variables]
    rows = []
    for solution in results:
        row = {}
        for name in names:
            value = solution[name]
            if value is not None:
                row[name] = term_text(value)
        rows.append(row)
    return rows


def select_rows(store: ox.Store, query: str) -> list[Row]:
    """Run a SELECT over the union of all graphs; each row maps variable names to plain text."""
    return rows_from_solutions(solutions(store.query(query, use_default_graph_as_union=True)))


def store_selector(store: ox.Store) -> SelectFn:
    return lambda query: select_rows(store, query)
