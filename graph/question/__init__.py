"""Question understanding: one module behind every door (/api/ask, scalekg ask, /api/suggest,
the graph page's search box and the home page).

- ``text``: normalisation, British/American folding, stemming;
- ``lexicon``: the words of questions (relation cues, frames, synonyms), as data;
- ``linking``: which concept a span names, with a score (rapidfuzz over labels indexed once);
- ``interpret``: the question's reading (relation and direction, describe, or a path);
- ``suggest``: concepts and question completions as you type.
"""


def prepare(kg) -> None:
    """Build what the question doors need, once, when the graph is loaded (the concept index,
    the answers' chain indexes, which classes each relation reaches), so that no question pays
    for it."""
    from ..answers import CHAINS, chain_index
    from .interpret import relation_ends
    from .linking import concept_index
    from .suggest import short_prefixes

    concept_index(kg)
    for predicate in CHAINS:
        for direction in ("in", "out"):
            chain_index(kg, predicate, direction)
    relation_ends(kg)
    short_prefixes(kg)
