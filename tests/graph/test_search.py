"""graph.search: normalisation, forgiving search and resolve with suggestions."""

import pytest

from scalekg.graph.search import UnknownConceptError, normalise, resolve, search


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Premature Scaling", "premature scaling"),
        ("  premature--scaling!! ", "premature scaling"),
        (
            "Over-optimising something that shouldn't exist",
            "over optimising something that shouldnt exist",
        ),
        ("shouldn’t", "shouldnt"),
        ("Café & Crème", "cafe and creme"),
        ("Trust is the #1 thing", "trust is the number one thing"),
        ("", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "query",
    [
        "premature scaling",
        "PREMATURE SCALING",
        "premature-scaling",
        "premature_scaling.",
        "premature scalng",
        "premture scaling",
        "scaling too early",
        "Scaling prematurely",
    ],
)
def test_search_finds_premature_scaling(kg, query):
    found = search(kg, query)
    assert found and found[0].concept.slug == "premature-scaling"


def test_exact_label_scores_one(kg):
    top = search(kg, "Premature scaling")[0]
    assert top.score == 1.0 and top.matched in ("Premature scaling", "premature-scaling")


def test_slug_matches_exactly(kg):
    top = search(kg, "keep-financial-discipline")[0]
    assert top.concept.slug == "keep-financial-discipline" and top.score == 1.0


def test_synonym_reports_what_matched(kg):
    top = search(kg, "scaling too early")[0]
    assert top.matched == "scaling too early"


def test_results_are_sorted_and_limited(kg):
    found = search(kg, "team", limit=4, threshold=0.0)
    assert len(found) == 4
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)


def test_type_and_stage_filters(kg):
    for m in search(kg, "debt", type_name="FailureFactor", threshold=0.3):
        assert m.concept.is_a("FailureFactor")
    for m in search(kg, "team", stage="late-stage", threshold=0.3):
        assert "late-stage" in m.concept.stages


def test_nonsense_finds_nothing(kg):
    assert search(kg, "qqqzzzxxx") == []


def test_match_as_dict(kg):
    d = search(kg, "premature scaling")[0].as_dict()
    assert d["id"] == "premature-scaling" and d["score"] == 1.0
    assert set(d) == {"iri", "id", "label", "type", "score", "matched"}


@pytest.mark.parametrize(
    "text",
    [
        "premature-scaling",
        "https://w3id.org/scalekg/id/premature-scaling",
        "Premature scaling",
        "premature scalling",
        "scaling too early",
        "  premature scaling  ",
    ],
)
def test_resolve_forgives(kg, text):
    assert resolve(kg, text).slug == "premature-scaling"


def test_resolve_apostrophes(kg):
    concept = resolve(kg, "over-optimising something that shouldn’t exist")
    assert concept.slug == "over-optimising-something-that-shouldnt-exist"


def test_resolve_unknown_raises_with_suggestions(kg):
    with pytest.raises(UnknownConceptError) as err:
        resolve(kg, "premature scalping of unicorns")
    assert err.value.text == "premature scalping of unicorns"
    assert "premature scalping of unicorns" in str(err.value)
    assert err.value.suggestions
    assert err.value.suggestions[0].concept.slug == "premature-scaling"


def test_resolve_nonsense_has_no_suggestions(kg):
    with pytest.raises(UnknownConceptError) as err:
        resolve(kg, "qqqzzzxxx")
    assert err.value.suggestions == []


def test_resolve_with_type(kg):
    assert resolve(kg, "lean product development", type_name="Capability").is_a("Capability")
