"""The names people type for stages, concept types and relations, and the graph view's parameters.

One table per kind, read by the REST API (``/api/concepts``, ``/api/leverage``), the graph view
(``viz/select.py``), the assessment model and the CLI, and sent to the graph page (``aliases``), so
that the page keeps no table of its own.

Every table is keyed by ``name_key``: lower case, letters only. So ``early``, ``Early stage`` and
``early-stage`` are one name, as are ``failure-factor``, ``FailureFactor`` and ``failure factors``.
"""

import re
from collections.abc import Iterable, Mapping

from .namespaces import EDGE_PREDICATES

# --- the graph view's parameters ---------------------------------------------------------------
VIEW_PARAMS: tuple[str, ...] = (
    "focus",
    "depth",
    "types",
    "relations",
    "stages",
    "expand",
    "path",
    "selected",
    "confidence",
)
MAX_DEPTH = 6
DEFAULT_DEPTH = 1

# --- stages ------------------------------------------------------------------------------------
STAGES: tuple[str, ...] = ("early-stage", "late-stage")  # slugs of the skg:Stage individuals
# The short names the assessment document uses ("stage: early").
STAGE_SHORT: dict[str, str] = {stage: stage.removesuffix("-stage") for stage in STAGES}

# --- relations -----------------------------------------------------------------------------------
# How each relation reads forwards and backwards (the look-up routes, the ask door, Linked Data).
RELATION_NAMES: dict[str, tuple[str, str]] = {
    "influencesPositively": ("influences", "influenced-by"),
    "mitigates": ("mitigates", "mitigated-by"),
    "causes": ("causes", "caused-by"),
    "hurts": ("hurts", "hurt-by"),
    "applies": ("applies", "applied-by"),
    "focuses": ("focuses", "focused-by"),
    "watches": ("watches", "watched-by"),
    "supports": ("supports", "supported-by"),
    "addresses": ("addresses", "addressed-by"),
    "signals": ("signals", "signalled-by"),
}


class UnknownName(ValueError):
    """A name that is in none of a table's spellings; ``allowed`` lists the canonical names."""

    def __init__(self, kind: str, text: str, allowed: Iterable[str]):
        self.kind = kind
        self.text = text
        self.allowed = list(allowed)
        super().__init__(f"unknown {kind} {text!r}")


def name_key(text: str) -> str:
    """The key every table uses: lower case, letters only ("Early-stage" -> "earlystage")."""
    return re.sub(r"[^a-z]", "", text.lower())


def _plural(key: str) -> str:
    return key[:-1] + "ies" if key.endswith("y") else key + "s"


STAGE_ALIASES: dict[str, str] = {}
for _stage, _short in STAGE_SHORT.items():
    STAGE_ALIASES[name_key(_stage)] = _stage
    STAGE_ALIASES[name_key(_short)] = _stage

RELATION_ALIASES: dict[str, str] = {}
for _predicate in EDGE_PREDICATES:
    RELATION_ALIASES[name_key(_predicate)] = _predicate
    RELATION_ALIASES[name_key(RELATION_NAMES[_predicate][0])] = _predicate


def type_aliases(names: Iterable[str]) -> dict[str, str]:
    """Spellings of the class names ``names``: any case or punctuation, singular or plural."""
    table: dict[str, str] = {}
    for name in names:
        table[name_key(name)] = name
        table.setdefault(_plural(name_key(name)), name)
    return table


def _lookup(kind: str, text: str, table: Mapping[str, str], allowed: Iterable[str]) -> str:
    found = table.get(name_key(text))
    if found is None:
        raise UnknownName(kind, text, allowed)
    return found


def parse_stage(text: str) -> str:
    """``early``, ``early stage`` or ``early-stage`` -> ``early-stage``; raises UnknownName."""
    return _lookup("stage", text, STAGE_ALIASES, STAGES)


def parse_relation(text: str) -> str:
    """A predicate (``influencesPositively``) or how it reads (``influences``) -> the predicate."""
    return _lookup("relation", text, RELATION_ALIASES, EDGE_PREDICATES)


def parse_type(text: str, names: Iterable[str]) -> str:
    """One of ``names`` however it is spelt (``failure-factors`` -> ``FailureFactor``)."""
    names = list(names)
    return _lookup("type", text, type_aliases(names), names)


def aliases(types: Mapping[str, list[str]]) -> dict[str, object]:
    """The tables as the graph page receives them (it normalises with the same ``name_key``).

    ``types`` maps a ``name_key`` to the display types it stands for (a legend entry such as
    "Other" stands for several).
    """
    return {
        "params": list(VIEW_PARAMS),
        "maxDepth": MAX_DEPTH,
        "defaultDepth": DEFAULT_DEPTH,
        "stages": STAGE_ALIASES,
        "relations": RELATION_ALIASES,
        "types": dict(types),
    }
