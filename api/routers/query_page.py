"""``/query``: a SPARQL editor page that works with no network at all.

A textarea, a select of the example queries in ``ontology/queries/*.rq``, and a little vanilla JS
(``/assets/query.js``) that sends the query to ``/sparql`` and renders the results as a table with
``textContent`` only. ``?query=`` pre-fills the editor; ``?example=<name>`` picks an example.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from scalekg.graph.resources import example_queries

from ..caching import ReadRoute
from ..deps import render_html

router = APIRouter(tags=["pages"], route_class=ReadRoute)


@dataclass(frozen=True)
class Example:
    name: str  # the file stem, e.g. "mitigates-premature-scaling"
    title: str  # the first comment line
    description: str  # the other leading comment lines
    query: str

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "query": self.query,
        }


def read_example(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    comments = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comments.append(line.lstrip("#").strip())
    title = comments[0] if comments else path.stem.replace("-", " ")
    return Example(path.stem, title, " ".join(c for c in comments[1:] if c), text.strip() + "\n")


@lru_cache(maxsize=1)
def examples() -> tuple[Example, ...]:
    return tuple(read_example(p) for p in example_queries())


@router.get("/query", summary="SPARQL query page", response_class=Response)
def query_page(
    query: Annotated[
        str | None, Query(max_length=20000, description="Pre-fills the editor.")
    ] = None,
    example: Annotated[
        str | None, Query(max_length=100, description="Pre-selects an example by name.")
    ] = None,
) -> Response:
    found = examples()
    chosen = next((e for e in found if e.name == example), None)
    if query is not None and query.strip():
        text, selected = query, ""
    elif chosen is not None:
        text, selected = chosen.query, chosen.name
    elif found:
        text, selected = found[0].query, found[0].name
    else:
        text, selected = "SELECT * WHERE { ?s ?p ?o } LIMIT 10\n", ""
    return render_html(
        "query.html",
        query=text,
        selected=selected,
        examples=[e.as_dict() for e in found],
        endpoint="/sparql",
    )
