"""The guard's verdict cache ignores whole lines of comment at the start and the end of a query
(issue 15): a client that sends the same query with another such comment is not lexed again. The
text analysed must lex exactly as the original does, so that a comment can never hide a keyword
from the guard, nor turn something into one."""

from __future__ import annotations

import random

import pytest

from scalekg.graph.sparql.errors import ForbiddenQueryError, QuerySyntaxError
from scalekg.graph.sparql.guard import (
    _analyze_cached,
    analyze,
    check_query,
    tokenize,
    without_edge_comments,
)

GRAPHS = frozenset({"https://w3id.org/scalekg/graph/data"})
EVIL = "SERVICE <http://example.org/> { ?a ?b ?c }"

TRICKY = [
    "SELECT * WHERE { ?s ?p ?o }\n# a comment",
    "# leading\n  # and another\r\nSELECT * WHERE { ?s ?p ?o }\n# trailing\n\t# two\n",
    "SELECT * WHERE { <http://x/a#b> ?p ?o }\n# SERVICE",
    'SELECT * WHERE { ?s ?p "a # not a comment" }\n# x',
    "SELECT * WHERE { ?s ?p 'x' } # same line: kept\n# x",
    'SELECT * WHERE { ?s ?p """multi\n# still the string\n""" }\n# x',
    f"SELECT * WHERE {{ ?s ?p '''' . \n# ''' . {EVIL} }}",
    f'SELECT * WHERE {{ ?s ?p """" . \n# """ . {EVIL} }}',
    'SELECT * WHERE { ?s ?p "unterminated\n# x\n',
    "SELECT * WHERE { ?s ?p ?o } \\\n# x",
    "# only a comment",
    "#\n#\n",
    "SELECT ?x\r# cr alone\rWHERE { ?x ?p 1 }\r# x",
    "SELECT * WHERE { ?s ?p ?o }\n#\u2028 not a line break for SPARQL\n",
]

FRAGMENTS = [
    "SELECT", " ", "\n", "\r\n", "\r", "#", "# c", "\n# c\n", "<", ">", "<http://x/a#b>", '"',
    "'", '"s#"', "'s#'", '"""', "'''", "\\", "\\#", "kg:", "kg:a", "?v", "{", "}", "SERVICE",
    "service:x", "@en", "_:b", "1", ".", "|", "<x y>", "\t", "\u2028",
]  # fmt: skip


def significant(text: str):
    """The tokens (kind, text), or None when the text does not lex."""
    try:
        return [(t.kind, t.text) for t in tokenize(text)]
    except QuerySyntaxError:
        return None


def check_equivalent(text: str) -> None:
    core = without_edge_comments(text)
    if core == text:
        return
    lexed_core = significant(core)
    if lexed_core is not None:  # what the guard analyses is what the engine will read
        assert lexed_core == significant(text), repr(text)


@pytest.mark.parametrize("text", TRICKY)
def test_edge_comments_go_only_when_the_tokens_stay(text):
    check_equivalent(text)


def test_edge_comments_go_only_when_the_tokens_stay_on_random_texts():
    rng = random.Random(15)
    stripped = 0
    for _ in range(5000):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 25)))
        check_equivalent(text)
        stripped += without_edge_comments(text) != text
    assert stripped > 300  # the property was exercised, not vacuously true


def test_a_query_with_another_edge_comment_is_not_analysed_again():
    query = "SELECT ?c WHERE { ?c skos:prefLabel ?l . FILTER(CONTAINS(?l, 'x#y')) }"
    prefixes = {"skos": "http://example.org/"}
    first = analyze(query + "\n# nonce 1", prefixes=prefixes)
    hits = _analyze_cached.cache_info().hits
    assert analyze(query + "\n# nonce 2", prefixes=prefixes) is first
    assert analyze("# nonce 3\n" + query, prefixes=prefixes) is first
    assert _analyze_cached.cache_info().hits == hits + 2
    # a comment between tokens is part of the text the verdict is cached by
    inner = analyze(query.replace("WHERE", "# inner\nWHERE"), prefixes=prefixes)
    assert inner == first and inner is not first


@pytest.mark.parametrize(
    "text",
    [
        f"SELECT * WHERE {{ ?s ?p '''' . \n# ''' . {EVIL} }}",
        f'SELECT * WHERE {{ ?s ?p """" . \n# """ . {EVIL} }}',
        f'SELECT * WHERE {{ ?s ?p "#" . {EVIL} }}\n# x',
        f"# x\nSELECT * WHERE {{ ?s ?p ?o }}\n{EVIL}\n# y",
    ],
)
def test_a_comment_never_hides_service(text):
    with pytest.raises(ForbiddenQueryError):
        check_query(text, known_graphs=GRAPHS)


def test_errors_keep_their_positions_in_the_text_sent():
    with pytest.raises(QuerySyntaxError) as caught:
        analyze("# a\n# b\nSELECT * WHERE { ?s ?p \\ }\n# c")
    assert (caught.value.line, caught.value.column) == (3, 24)


def test_keywords_in_comments_still_do_not_count():
    info = check_query(
        f"# {EVIL}\nSELECT * WHERE {{ ?s ?p ?o }}\n# LOAD FROM <file:///x>",
        known_graphs=GRAPHS,
    )
    assert info.form == "SELECT" and not info.uses_service and not info.default_graphs
