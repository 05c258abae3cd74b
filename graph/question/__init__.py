"""Question understanding: one module behind every door (/api/ask, scalekg ask, /api/suggest,
the graph page's search box and the home page).

- ``text``: normalisation, British/American folding, stemming;
- ``lexicon``: the words of questions (relation cues, frames, synonyms), as data;
- ``linking``: which concept a span names, with a score (rapidfuzz over labels indexed once);
- ``interpret``: the question's reading (relation and direction, describe, or a path);
- ``suggest``: concepts and question completions as you type.
"""
