"""Words as the matcher sees them: normalised, British spelling folded to American, stemmed.

Every label is put through ``words`` once, when the graph is loaded, and every question once per
question, so "Automating", "automate" and "automation" meet on the same stem, and so do
"optimisations" and "optimizations". Stemming is the Snowball English stemmer (snowballstemmer).
"""

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

# A Snowball stemmer keeps its working state on the object: one per thread (the API answers
# from a thread pool).
_LOCAL = threading.local()

# Words that carry no meaning for linking a span to a label ("the", "of", "being", ...); dropped
# from labels and questions alike.
STOPWORDS = frozenset(
    {
        "the",
        "a",
        "an",
        "of",
        "to",
        "and",
        "in",
        "is",
        "for",
        "on",
        "with",
        "or",
        "by",
        "at",
        "as",
        "from",
        "into",
        "be",
        "being",
        "been",
        "are",
        "was",
        "were",
        "it",
        "its",
        "that",
        "this",
        "our",
        "my",
        "your",
        "their",
        "we",
        "i",
        "you",
        "they",
        "has",
        "have",
        "had",
    }
)

# British -> American endings, applied before stemming (same on labels and questions).
_BRITISH = (
    (re.compile(r"^(\w{2,})is(e|es|ed|ing|ation|ations|er|ers|able)$"), r"\1iz\2"),
    (re.compile(r"^(\w{2,})ys(e|es|ed|ing)$"), r"\1yz\2"),
    (re.compile(r"^(\w{3,})our(s|ed|ing|able|ite|ites)?$"), r"\1or\2"),
    (re.compile(r"^(\w{3,})tre(s)?$"), r"\1ter\2"),
    (re.compile(r"^(\w{3,})ogue(s)?$"), r"\1og\2"),
    (re.compile(r"^(\w{3,}[aeiou])ll(ed|ing|er|ers)$"), r"\1l\2"),
)
_WORDS = {"programme": "program", "programmes": "programs", "judgement": "judgment", "grey": "gray"}


def normalise(text: str) -> str:
    """Lower case, ASCII, punctuation to spaces, single spaces."""
    text = re.sub(r"['\u2018\u2019]", "", text)  # apostrophes: "shouldn’t" == "shouldnt"
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ").replace("#1", " number one ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def americanise(word: str) -> str:
    if word in _WORDS:
        return _WORDS[word]
    for rx, repl in _BRITISH:
        new = rx.sub(repl, word)
        if new != word:
            return new
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem of one normalised word: "automating" -> "autom", "optimisations" -> "optim"."""
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return stemmer.stemWord(americanise(word))


def tokens(text: str) -> list[str]:
    """The normalised words of ``text``, in order."""
    return normalise(text).split()


def key(text: str) -> str:
    """A canonical form for exact matching: stems without stopwords, in order."""
    return " ".join(stem(t) for t in tokens(text) if t not in STOPWORDS)
