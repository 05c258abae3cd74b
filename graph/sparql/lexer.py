"""The SPARQL lexer of the guard, and the shape limits it enforces on the tokens.

The lexer (no rdflib, no pyparsing) follows the SPARQL 1.1 grammar: it splits a text into
tokens, skipping strings, IRIs and comments, so that a keyword inside ``"..."``, ``<...>`` or
``# ...`` never counts. ``check_shape`` refuses texts that the engine cannot parse safely (too
deep, too long, too many branches); ``tokenize`` stops early on a nesting bomb or a text over
the token limit, so such a text costs well under a millisecond. ``guard.py`` decides on the
tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QuerySyntaxError, QueryTooComplexError

# Character classes of the SPARQL 1.1 grammar (section 19.8), as regex fragments.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

_IRI = rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>"
_STRING = (
    r"'''(?:(?:'|'')?(?:[^'\\]|\\[^\r\n]))*'''"
    r'|"""(?:(?:"|"")?(?:[^"\\]|\\[^\r\n]))*"""'
    r"|'(?:[^'\\\r\n]|\\[^\r\n])*'"
    r'|"(?:[^"\\\r\n]|\\[^\r\n])*"'
)

_TOKEN_RE = re.compile(
    "|".join(
        (
            r"(?P<WS>[ \t\r\n]+)",
            r"(?P<COMMENT>\#[^\r\n]*)",
            rf"(?P<IRI>{_IRI})",
            rf"(?P<STRING>{_STRING})",
            rf"(?P<VAR>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)",
            rf"(?P<BNODE>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
            rf"(?P<PNAME>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
            r"(?P<WORD>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<NUMBER>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)",
            r"(?P<LANG>@[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:--[A-Za-z]+)?)",
            r"(?P<PUNCT>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*/+\-!=<>|^?])",
            r"(?P<ERR>[\s\S])",
        )
    )
)

# Shape limits, checked on the tokens before any engine parses the text. pyoxigraph's parser
# recurses on nesting and crashes the process (stack overflow) from about 3,000 nested groups;
# honest queries stay far below these.
# It also recurses on long chains (1+1+...+1, a && b && ..., thousands of triple patterns),
# measured crashing from about 14,000 tokens, and on runs of "!" from about 9,500.
MAX_NESTING = 64  # nested { } ( ) [ ] at any point, and runs of unary "!"
MAX_UNIONS = 256  # UNION keywords
MAX_PATH_STEPS = 256  # property-path operators: / | ^ (and division, which is cheap to count in)
MAX_TOKENS = 8000  # significant tokens (white space and comments are free)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    pos: int


def line_column(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, column


def tokenize(text: str) -> list[Token]:
    """The significant tokens of a SPARQL text: white space and comments are dropped.

    Raises QuerySyntaxError at the first character that starts no SPARQL token (an unterminated
    string or IRI, a stray backslash, a non-ASCII space ...)."""
    tokens: list[Token] = []
    append = tokens.append
    depth = 0
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "WS" or kind == "COMMENT":
            continue
        if kind == "PUNCT":  # stop a nesting bomb at once (check_shape says where)
            char = m.group()
            if char in _OPENERS:
                depth += 1
                if depth > MAX_NESTING:
                    append(Token(kind, char, m.start()))
                    break
            elif char in _CLOSERS:
                depth -= 1
        if len(tokens) >= MAX_TOKENS:  # stop early: a long text costs at most MAX_TOKENS tokens
            raise QueryTooComplexError(
                f"the query has more than {MAX_TOKENS} tokens (use fewer patterns, or several "
                "queries)",
                MAX_TOKENS,
            )
        if kind == "ERR":
            pos = m.start()
            line, column = line_column(text, pos)
            char = m.group()
            what = {
                '"': "unterminated string",
                "'": "unterminated string",
                "\\": "backslash outside a string or IRI",
            }.get(char, f"unexpected character {char!r}")
            raise QuerySyntaxError(f"error at {line}:{column}: {what}", line, column)
        append(Token(kind, m.group(), m.start()))  # type: ignore[arg-type]
    return tokens


_OPENERS = frozenset("{([")
_CLOSERS = frozenset("})]")
_PATH_OPERATORS = frozenset(("/", "|", "^", "^^"))  # "^^" lexes as the datatype marker


def check_shape(text: str, tokens: list[Token]) -> None:
    """Refuse a query too long, nested too deeply, or with too many UNION branches or path
    steps for the engine to parse safely (QueryTooComplexError, before any engine sees it)."""
    if len(tokens) > MAX_TOKENS:
        raise QueryTooComplexError(
            f"the query has {len(tokens)} tokens; the limit is {MAX_TOKENS} (use fewer "
            "patterns, or several queries)",
            MAX_TOKENS,
        )
    depth = unions = steps = nots = 0
    for tok in tokens:
        t = tok.text
        if tok.kind == "PUNCT" and t == "!":
            nots += 1
            if nots > MAX_NESTING:
                raise QueryTooComplexError(f"more than {MAX_NESTING} '!' in a row", MAX_NESTING)
            continue
        nots = 0
        if tok.kind == "PUNCT":
            if t in _OPENERS:
                depth += 1
                if depth > MAX_NESTING:
                    line, column = line_column(text, tok.pos)
                    raise QueryTooComplexError(
                        f"error at {line}:{column}: the query nests groups, brackets or "
                        f"parentheses more than {MAX_NESTING} deep; flatten it",
                        MAX_NESTING,
                    )
            elif t in _CLOSERS:
                depth -= 1
            elif t in _PATH_OPERATORS:
                steps += len(t)  # "^^" is two inverse steps
                if steps > MAX_PATH_STEPS:
                    raise QueryTooComplexError(
                        f"the query has more than {MAX_PATH_STEPS} property-path steps",
                        MAX_PATH_STEPS,
                    )
        elif tok.kind == "WORD" and t.upper() == "UNION":
            unions += 1
            if unions > MAX_UNIONS:
                raise QueryTooComplexError(
                    f"the query has more than {MAX_UNIONS} UNION branches; use VALUES instead",
                    MAX_UNIONS,
                )
