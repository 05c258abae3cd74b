"""The question grammar: each supported pattern, an unknown concept, an unparseable question."""

import pytest

from scalekg.graph.ask import SUPPORTED_PATTERNS, UnparseableQuestionError, ask
from scalekg.graph.search import UnknownConceptError


def slugs(result) -> set[str]:
    return {a.concept.slug for a in result.answers}


def test_what_mitigates_forgives_case_punctuation_and_synonyms(kg):
    a = ask(kg, "What mitigates premature scaling?")
    b = ask(kg, "what mitigates SCALING TOO EARLY")
    assert a.concept.slug == b.concept.slug == "premature-scaling"
    assert slugs(a) == slugs(b)
    assert "keep-financial-discipline" in slugs(a)


def test_answer_json_shape(kg):
    out = ask(kg, "what mitigates premature scaling").as_dict()
    assert set(out["concept"]) >= {"iri", "label", "type"}
    for answer in out["answers"]:
        assert {"iri", "label", "type", "path", "sources"} <= set(answer)
        assert answer["path"][-1] == "Premature scaling"
        for source in answer["sources"]:
            assert {"document", "locator", "quote", "basis"} <= set(source)


def test_what_does_x_mitigate_includes_indirect_effects(kg):
    result = ask(kg, "what does keep financial discipline mitigate")
    kinds = {a.concept.slug: a.kind for a in result.answers}
    assert kinds["hiring-too-many-people-too-early"] == "direct"
    assert kinds["premature-scaling"] == "indirect"


def test_what_influences_returns_values(kg):
    result = ask(kg, "what influences continuous software delivery")
    assert result.answers and all(a.concept.type == "Value" for a in result.answers)


def test_which_mechanisms_apply(kg):
    result = ask(kg, "which mechanisms apply own it")
    assert result.answers and all(a.concept.type == "Mechanism" for a in result.answers)


def test_what_hurts_an_outcome_goes_through_causes(kg):
    result = ask(kg, "what hurts deployment frequency")
    direct = [a for a in result.answers if a.kind == "direct"]
    indirect = [a for a in result.answers if a.kind == "indirect"]
    assert direct
    for answer in indirect:
        assert [s.edge.predicate for s in answer.steps] == ["causes", "hurts"]


def test_how_does_x_affect_y_gives_sourced_chains(kg):
    result = ask(kg, "how does be frugal affect lead time for changes")
    assert result.target.slug == "lead-time-for-changes"
    assert result.answers
    for answer in result.answers:
        steps = answer.steps
        assert steps[0].edge.subject == result.concept.iri
        assert steps[-1].edge.object == result.target.iri
        assert all(s.edge.provenance for s in steps)
    lengths = [len(a.steps) for a in result.answers]
    assert lengths == sorted(lengths)


def test_what_is_x_describes(kg):
    result = ask(kg, "what is westrum generative culture")
    assert result.description["definition"]
    assert result.answers


def test_unknown_concept_has_suggestions(kg):
    with pytest.raises(UnknownConceptError) as info:
        ask(kg, "what mitigates premature scalling of the moon base")
    assert isinstance(info.value.suggestions, list)


def test_typo_is_forgiven(kg):
    assert ask(kg, "what mitigates premture scalng").concept.slug == "premature-scaling"


def test_ambiguous_label_answers_one_and_names_the_other(kg):
    # Both dominant-problem failures carry this synonym: one is answered, the other is offered.
    result = ask(kg, "what mitigates failure to fix the dominant problem")
    both = {"failure-to-fix-the-dominant-problem-early", "failure-to-fix-the-dominant-problem-late"}
    assert result.concept.slug in both
    offered = {c.concept.slug for c in result.interpretation.did_you_mean}
    assert offered == both - {result.concept.slug}


def test_unparseable_question_lists_patterns(kg):
    with pytest.raises(UnparseableQuestionError) as info:
        ask(kg, "tell me a joke about kubernetes please now")
    assert info.value.patterns == SUPPORTED_PATTERNS
    assert "what mitigates X" in SUPPORTED_PATTERNS
