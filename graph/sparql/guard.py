"""Decide, before evaluation, what a SPARQL request is and whether this endpoint may run it.

The lexer (``lexer.py``) splits the text into tokens, skipping strings, IRIs and comments, so
that a keyword inside ``"..."``, ``<...>`` or ``# ...`` never counts, and refuses shapes the engine
cannot parse safely. On the tokens the guard finds the query form, the prologue (BASE, PREFIX)
and the dataset clauses (FROM, FROM NAMED).

The lexer follows the SPARQL 1.1 grammar, with one deliberate paranoia: Oxigraph, the engine
behind the endpoint, matches keywords as *prefixes* of the input, with no word boundary. Measured
with pyoxigraph 0.5: ``SERVICE:x {}``, ``service:x {}`` (even with ``PREFIX service:``) and
``SERVICESILENT <...> {}`` all make it call the remote service, although a grammar-exact lexer reads
them as a prefixed name or a plain word. ``?s ?p trueSERVICE<...>{}`` is another spelling. So a
bare word, a prefix of a prefixed name or a language tag that merely *contains* ``SERVICE`` (any
case) is refused. The refusal is cheap for honest users: no valid query needs such a token.

The guard is the first of two locks. The worker processes that evaluate queries also run without
network access (see ``worker.py``), so a query that slipped past the guard still could not reach
another host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from .errors import (
    ForbiddenQueryError,
    QuerySyntaxError,
    QueryTooComplexError,
    UpdateNotAllowedError,
)
from .lexer import (  # noqa: F401 (re-exported: the guard's public names)
    _UCHAR,
    MAX_NESTING,
    MAX_PATH_STEPS,
    MAX_TOKENS,
    MAX_UNIONS,
    Token,
    check_shape,
    line_column,
    tokenize,
)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)
UPDATE = "UPDATE"

# A line break, as the lexer sees one (a comment runs to the first of these).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_UCHAR_RE = re.compile(_UCHAR)
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")

# Functions whose value changes from one evaluation to the next (results are not cached).
_NON_DETERMINISTIC = frozenset(("NOW", "RAND", "UUID", "STRUUID", "BNODE"))

# Tokens whose text is matched against keywords (Oxigraph reads keywords as prefixes).
_KEYWORDISH = frozenset(("WORD", "PNAME", "LANG"))


@dataclass(frozen=True, slots=True)
class QueryInfo:
    """What the guard learnt about a request, before any evaluation."""

    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE or UPDATE
    base: str | None
    default_graphs: tuple[str, ...]  # FROM <g>
    named_graphs: tuple[str, ...]  # FROM NAMED <g>
    uses_service: bool
    uses_load: bool
    deterministic: bool = True  # False when NOW(), RAND(), UUID(), STRUUID() or BNODE() is used
    undeclared_prefixes: tuple[str, ...] = ()  # prefixes used but not declared by the query
    relative_iris: bool = False  # an IRI without a scheme: the engine needs a base IRI

    @property
    def is_update(self) -> bool:
        return self.form == UPDATE


def without_edge_comments(text: str) -> str:
    """The text without the lines of comment (or blank lines) it starts and ends with, when that
    provably leaves its tokens unchanged.

    Leading lines always do: from the first character, each is white space and a comment to the
    end of its line. Trailing lines do only when the rest holds no long-string delimiter (three
    quotes): every other token ends on the line it starts on, so none can reach into those lines.
    (With one, a long string that does not close in the rest could close inside a "comment" and
    leave what follows it on that line as tokens.) A comment between two tokens stays. Linear in
    the length of the text."""
    if "#" not in text:
        return text
    start = 0
    while True:  # leading lines
        brk = _LINE_BREAK.search(text, start)
        if brk is None or not _is_blank_or_comment(text[start : brk.start()]):
            break
        start = brk.end()
    end = len(text)
    while end > start:  # trailing lines, from the last one back
        line_start = max(text.rfind("\n", start, end), text.rfind("\r", start, end)) + 1
        if line_start <= start or not _is_blank_or_comment(text[line_start:end]):
            break
        end = line_start - 1  # the line break before the line goes too
        if text[end] == "\n" and end > start and text[end - 1] == "\r":
            end -= 1
    if end < len(text) and ("'''" in text[start:end] or '"""' in text[start:end]):
        end = len(text)
    return text[start:end] if (start or end < len(text)) else text


def _is_blank_or_comment(line: str) -> bool:
    rest = line.lstrip(" \t")
    return not rest or rest[0] == "#"


def _unescape_iri(text: str) -> str:
    body = text[1:-1]
    if "\\" in body:
        body = _UCHAR_RE.sub(lambda m: chr(int(m.group()[2:], 16)), body)
    return body


def _contains(token: Token, word: str) -> bool:
    if token.kind == "PNAME":  # only the prefix part: the local part is lexed greedily by both
        return word in token.text.split(":", 1)[0].upper()
    return word in token.text.upper()


class _Parser:
    """Walks the token list for the prologue, the form and the dataset clauses."""

    def __init__(self, text: str, tokens: list[Token], base: str | None, prefixes: dict[str, str]):
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.base = base
        self.prefixes = dict(prefixes)
        self.declared: set[str] = set()

    def error(self, message: str, token: Token | None) -> QuerySyntaxError:
        pos = token.pos if token is not None else len(self.text)
        line, column = line_column(self.text, pos)
        return QuerySyntaxError(f"error at {line}:{column}: {message}", line, column)

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def keyword(self, token: Token | None, *words: str) -> str | None:
        """The keyword a WORD or PNAME token starts with (as Oxigraph reads it), or None."""
        if token is None or token.kind not in ("WORD", "PNAME"):
            return None
        upper = token.text.upper()
        for w in words:
            if upper.startswith(w):
                return w
        return None

    def resolve(self, token: Token, rest: str | None = None) -> str:
        """The absolute IRI of an IRI or prefixed-name token (``rest`` overrides its text)."""
        text = token.text if rest is None else rest
        if text.startswith("<"):
            iri = _unescape_iri(text)
            return urljoin(self.base, iri) if self.base else iri
        prefix, _, local = text.partition(":")
        if prefix not in self.prefixes:
            raise self.error(f"prefix {prefix!r} is not declared", token)
        local = re.sub(r"\\(.)", r"\1", local)
        return self.prefixes[prefix] + local

    def prologue(self) -> None:
        while True:
            tok = self.peek()
            kw = self.keyword(tok, "BASE", "PREFIX")
            if kw is None or tok is None:
                return
            rest = tok.text[len(kw) :]
            if kw == "BASE":
                if rest:
                    return  # not a BASE keyword (Oxigraph would fail on it anyway)
                iri = self.peek(1)
                if iri is None or iri.kind != "IRI":
                    raise self.error("BASE needs an IRI", iri)
                self.base = self.resolve(iri)
                self.i += 2
                continue
            # PREFIX name: <iri>, where "PREFIX" and the name may be one PNAME token.
            if rest:
                if tok.kind != "PNAME" or not rest.endswith(":"):
                    return
                name_text, step = rest, 1
            else:
                name = self.peek(1)
                if name is None or name.kind != "PNAME" or not name.text.endswith(":"):
                    raise self.error("PREFIX needs a name ending with ':'", name)
                name_text, step = name.text, 2
            iri = self.peek(step)
            if iri is None or iri.kind != "IRI":
                raise self.error("PREFIX needs an IRI", iri)
            self.prefixes[name_text[:-1]] = self.resolve(iri)
            self.declared.add(name_text[:-1])
            self.i += step + 1

    def dataset_clauses(self) -> tuple[list[str], list[str]]:
        """FROM and FROM NAMED clauses at brace and parenthesis depth 0, anywhere after the form."""
        defaults: list[str] = []
        named: list[str] = []
        depth = 0
        n = len(self.tokens)
        j = self.i
        while j < n:
            tok = self.tokens[j]
            if tok.kind == "PUNCT":
                if tok.text in "{(":
                    depth += 1
                elif tok.text in "})":
                    depth -= 1
                j += 1
                continue
            if depth != 0 or self.keyword(tok, "FROM") is None:
                j += 1
                continue
            rest = tok.text[4:]
            if rest:
                raise self.error(
                    f"write FROM and the graph apart ('FROM <iri>'), not {tok.text!r}", tok
                )
            nxt = self.tokens[j + 1] if j + 1 < n else None
            target = named if self.keyword(nxt, "NAMED") else defaults
            if target is named and nxt is not None:
                if nxt.text.upper() != "NAMED":
                    raise self.error(f"write FROM NAMED and the graph apart, not {nxt.text!r}", nxt)
                j += 1
                nxt = self.tokens[j + 1] if j + 1 < n else None
            if nxt is None or nxt.kind not in ("IRI", "PNAME"):
                raise self.error("FROM needs a graph IRI", nxt)
            target.append(self.resolve(nxt))
            j += 2
        return defaults, named


@lru_cache(maxsize=2048)
def _analyze_cached(
    text: str, base_iri: str | None, prefixes: tuple[tuple[str, str], ...]
) -> QueryInfo:
    tokens = tokenize(text)
    check_shape(text, tokens)
    uses_service = any(t.kind in _KEYWORDISH and _contains(t, "SERVICE") for t in tokens)
    uses_load = any(t.kind in _KEYWORDISH and _contains(t, "LOAD") for t in tokens)
    parser = _Parser(text, tokens, base_iri, dict(prefixes))
    parser.prologue()
    first = parser.peek()
    form = parser.keyword(first, *QUERY_FORMS)
    is_update = any(
        t.kind == "WORD" and t.text.upper().startswith(UPDATE_KEYWORDS) for t in tokens
    ) or parser.keyword(first, *UPDATE_KEYWORDS)
    if is_update:
        form = UPDATE
    if form is None:
        if first is None:
            raise parser.error("empty query: expected SELECT, ASK, CONSTRUCT or DESCRIBE", None)
        raise parser.error(
            f"expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {first.text!r}", first
        )
    defaults: list[str] = []
    named: list[str] = []
    if form != UPDATE:
        parser.i += 1
        defaults, named = parser.dataset_clauses()
    return QueryInfo(
        form=form,
        base=parser.base,
        default_graphs=tuple(defaults),
        named_graphs=tuple(named),
        uses_service=uses_service,
        uses_load=uses_load,
        deterministic=not any(
            t.kind == "WORD" and t.text.upper() in _NON_DETERMINISTIC for t in tokens
        ),
        undeclared_prefixes=tuple(
            sorted({t.text.split(":", 1)[0] for t in tokens if t.kind == "PNAME"} - parser.declared)
        ),
        relative_iris=any(
            t.kind == "IRI" and not _ABSOLUTE_IRI.match(_unescape_iri(t.text)) for t in tokens
        ),
    )


def analyze(
    text: str, *, base_iri: str | None = None, prefixes: dict[str, str] | None = None
) -> QueryInfo:
    """Lexical analysis of a query or update: its form, base, FROM graphs and risky features.

    Raises QuerySyntaxError only for lexical errors and a missing query form; every other syntax
    error is left to the engine, which reports it with its own position. Raises
    QueryTooComplexError for a shape the engine cannot parse safely (``check_shape``).

    The verdict is cached by the text without the lines of comment it starts or ends with: a
    client that sends the same query with another such comment (a timestamp, a nonce) is not
    lexed again (issue 15). An error is reported from the whole text, with its positions."""
    key = tuple(sorted((prefixes or {}).items()))
    core = without_edge_comments(text)
    if core is not text and core.strip():
        try:
            return _analyze_cached(core, base_iri, key)
        except (QuerySyntaxError, QueryTooComplexError):
            pass  # analysed whole below, for the positions in the text the client sent
    return _analyze_cached(text, base_iri, key)


def check_query(
    text: str,
    *,
    known_graphs: frozenset[str] | set[str],
    base_iri: str | None = None,
    prefixes: dict[str, str] | None = None,
    allow_update: bool = False,
) -> QueryInfo:
    """Analyse a request and refuse what the endpoint never does.

    - SERVICE (federation): always refused; the server must never fetch a URL for a user.
    - Updates: refused with UpdateNotAllowedError unless ``allow_update``; LOAD always refused.
    - FROM / FROM NAMED: allowed only for graphs that are in the dataset (they select local
      graphs); any other IRI, ``file:`` and ``http:`` alike, is refused and never fetched.
    """
    info = analyze(text, base_iri=base_iri, prefixes=prefixes)
    if info.uses_service:
        raise ForbiddenQueryError(
            "SERVICE (federated query) is not allowed: this endpoint never fetches remote data."
        )
    if info.is_update:
        if not allow_update:
            raise UpdateNotAllowedError(
                "SPARQL updates are not allowed on this endpoint without a valid update token."
            )
        if info.uses_load:
            raise ForbiddenQueryError(
                "LOAD is not allowed: this endpoint never fetches files or URLs."
            )
        return info
    for kind, graphs in (("FROM", info.default_graphs), ("FROM NAMED", info.named_graphs)):
        for g in graphs:
            if g not in known_graphs:
                raise ForbiddenQueryError(
                    f"{kind} <{g}>: this graph is not in the dataset, and the endpoint never "
                    f"fetches graphs. Graphs you can use: {', '.join(sorted(known_graphs))}"
                )
    return info


def check_dataset_params(
    default_graph_uris: list[str] | tuple[str, ...],
    named_graph_uris: list[str] | tuple[str, ...],
    known_graphs: frozenset[str] | set[str],
) -> None:
    """``default-graph-uri`` and ``named-graph-uri`` must name graphs of the local dataset."""
    for param, graphs in (
        ("default-graph-uri", default_graph_uris),
        ("named-graph-uri", named_graph_uris),
    ):
        for g in graphs:
            if g not in known_graphs:
                raise ForbiddenQueryError(
                    f"{param}={g}: this graph is not in the dataset, and the endpoint never "
                    f"fetches graphs. Graphs you can use: {', '.join(sorted(known_graphs))}"
                )
