"""graph/question: each family of questions, inflection and typos, ambiguity, nonsense, bad input,
confidence order and filter, every chain, and suggestions."""

import pytest

from scalekg.graph.answers import related
from scalekg.graph.ask import ask
from scalekg.graph.confidence import CONFIDENCE_ORDER, rank
from scalekg.graph.model import Concept, Edge, KnowledgeGraph, Provenance
from scalekg.graph.question.interpret import (
    EXCERPT_CHARS,
    InvalidQuestionError,
    UnparseableQuestionError,
    interpret,
)
from scalekg.graph.question.linking import ACCEPT, SUGGESTION_FLOOR, concept_index
from scalekg.graph.question.suggest import concept_suggestions, prefix_table, suggest
from scalekg.graph.question.text import key, stem
from scalekg.graph.search import UnknownConceptError


def reading(kg, question: str) -> tuple:
    m = interpret(kg, question)
    return (m.kind, m.relation, m.direction, [c.concept.slug for c in m.concepts])


# --- each family of questions ---------------------------------------------------------------------

FAMILIES = [
    # mitigates, both directions, verbs, nouns, "how do we", negation, passive
    ("what mitigates premature scaling", "mitigates", "in", "premature-scaling"),
    ("how can we stop feature factories", "mitigates", "in", "feature-factories"),
    ("what can we do about handovers", "mitigates", "in", "handovers-cause-waste"),
    ("antidotes to the large company disease", "mitigates", "in", "large-company-disease"),
    (
        "what to do so we don't hire too many people too early",
        "mitigates",
        "in",
        "hiring-too-many-people-too-early",
    ),
    ("is premature scaling prevented by anything", "mitigates", "in", "premature-scaling"),
    (
        "what does keep financial discipline mitigate",
        "mitigates",
        "out",
        "keep-financial-discipline",
    ),
    ("what problems does lean management solve", "mitigates", "out", "lean-management"),
    # causes
    ("what causes premature scaling", "causes", "in", "premature-scaling"),
    ("why do we end up with slow cycle time", "causes", "in", "slow-cycle-time"),
    ("what are the reasons for slow cycle time", "causes", "in", "slow-cycle-time"),
    ("what does feature factories result in", "causes", "out", "feature-factories"),
    ("what are the effects of slow cycle time", "causes", "out", "slow-cycle-time"),
    # hurts
    ("what slows down deployment frequency", "hurts", "in", "deployment-frequency"),
    ("what does accumulation of tech debt harm", "hurts", "out", "accumulation-of-tech-debt"),
    # influences
    (
        "which values improve continuous delivery",
        "influencesPositively",
        "in",
        "continuous-software-delivery",
    ),
    ("what does stay curious influence", "influencesPositively", "out", "stay-curious"),
    # supports
    ("what enables remove team dependencies", "supports", "in", "remove-team-dependencies"),
    ("what does invest in platform teams support", "supports", "out", "invest-in-platform-teams"),
    # applies
    ("which rituals embody be humble", "applies", "in", "be-humble"),
    ("what values does planning apply", "applies", "out", "planning"),
    # signals
    (
        "what are the symptoms of a lack of systems thinking",
        "signals",
        "in",
        "lack-of-systems-thinking",
    ),
    ("what does too few good managers indicate", "signals", "out", "too-few-good-managers"),
    # watches, focuses, addresses
    ("what measures lead time for changes", "watches", "in", "lead-time-for-changes"),
    ("what does SLA compliance monitor", "watches", "out", "sla-compliance"),
    ("what is guided by cost to serve", "focuses", "out", "cost-to-serve"),
    ("how do we handle resource allocation", "addresses", "in", "resource-allocation"),
    # anything
    ("what is related to premature scaling", "any", "both", "premature-scaling"),
    ("what does premature scaling affect", "any", "out", "premature-scaling"),
]


@pytest.mark.parametrize(("question", "relation", "direction", "slug"), FAMILIES)
def test_relation_families_in_both_directions(kg, question, relation, direction, slug):
    assert reading(kg, question) == ("relation", relation, direction, [slug])
    assert ask(kg, question).answers, question


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        ("premature scaling", "premature-scaling"),
        ("Premature scaling?", "premature-scaling"),
        ("what is premature scaling", "premature-scaling"),
        ("what's a feature factory", "feature-factories"),
        ("tell me about the large company disease", "large-company-disease"),
        ("define ADR", "architecture-decision-record"),
        ("what does draw the owl mean", "draw-the-owl"),
    ],
)
def test_describe(kg, question, slug):
    assert reading(kg, question) == ("describe", None, None, [slug])
    result = ask(kg, question)
    assert result.description["id"] == slug


@pytest.mark.parametrize(
    ("question", "pair"),
    [
        ("how does be frugal affect premature scaling", ["be-frugal", "premature-scaling"]),
        ("connect lean management and slow cycle time", ["lean-management", "slow-cycle-time"]),
        ("path from own it to accumulation of tech debt", ["own-it", "accumulation-of-tech-debt"]),
        (
            "how are handovers and lead time for changes related",
            ["handovers-cause-waste", "lead-time-for-changes"],
        ),
        (
            "does keep financial discipline reduce premature scaling",
            ["keep-financial-discipline", "premature-scaling"],
        ),
    ],
)
def test_paths_between_two_concepts(kg, question, pair):
    assert reading(kg, question) == ("path", None, None, pair)
    result = ask(kg, question)
    assert result.answers
    ends = {result.concept.iri, result.target.iri}
    for answer in result.answers:
        assert {answer.steps[0].edge.subject, answer.steps[-1].edge.object} == ends


def test_reverse_direction_is_the_inverse(kg):
    forward = ask(kg, "what mitigates premature scaling")
    for answer in forward.answers:
        back = ask(kg, f"what does {answer.concept.label} mitigate")
        assert back.concept == answer.concept
        assert "premature-scaling" in {a.concept.slug for a in back.answers}


def test_which_capabilities_filters_the_answers_by_class(kg):
    result = ask(kg, "which values mitigate efficiently executing the irrelevant")
    assert result.interpretation.answer_type == "Value"
    assert result.answers and all(a.concept.is_a("Value") for a in result.answers)


# --- inflection, spelling, case, punctuation, typos ----------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("automating", "Automate"),
        ("optimisations", "optimizations"),
        ("organising", "Organize"),
        ("behaviour", "behavior"),
        ("modelling", "modeling"),
        ("centre", "center"),
        ("prioritise", "prioritizing"),
    ],
)
def test_inflection_and_spelling_meet_on_one_stem(a, b):
    assert key(a) == key(b)


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        ("what does automating toil mitigate", "automate-toilsome-tasks"),
        ("what mitigates ineffective local optimizations", "ineffective-local-optimisations"),
        (
            "what mitigates over-optimizing something that shouldn't exist",
            "over-optimising-something-that-shouldnt-exist",
        ),
        ("what does organizing into small teams prevent", "organise-into-small-teams"),
        ("WHAT MITIGATES PREMATURE SCALING!!!", "premature-scaling"),
        ("what mitigates the premature scaling", "premature-scaling"),
        ("what mitigates premture scalng", "premature-scaling"),
        ("wat mitigates premature scaling", "premature-scaling"),
        ("what mitigates prematurescaling", "premature-scaling"),
        ("how do we avoid handoffs", "handovers-cause-waste"),
    ],
)
def test_inflection_typos_case_punctuation_articles(kg, question, slug):
    assert interpret(kg, question).concepts[0].concept.slug == slug


def test_interpretation_reports_the_words_matched_and_the_score(kg):
    m = interpret(kg, "how do I avoid premature scalng").as_dict()
    assert m["pattern"] == "what mitigates X"
    assert (m["relation"], m["direction"], m["kind"]) == ("mitigates", "in", "relation")
    (c,) = m["concepts"]
    assert c["id"] == "premature-scaling" and c["text"] == "premature scalng"
    assert c["matched"] == "Premature scaling" and ACCEPT <= c["score"] < 1.0
    assert m["cue"] == "avoid"


# --- ambiguity ------------------------------------------------------------------------------------


def test_a_tie_answers_one_and_names_the_other(kg):
    m = interpret(kg, "what mitigates failure to fix the dominant problem")
    both = {"failure-to-fix-the-dominant-problem-early", "failure-to-fix-the-dominant-problem-late"}
    assert {m.concepts[0].concept.slug, *(c.concept.slug for c in m.did_you_mean)} == both


def test_a_close_runner_up_is_named(kg):
    m = interpret(kg, "how do we avoid hiring too fast")
    assert m.concepts[0].concept.slug == "hiring-too-many-people-too-early"
    assert "rapidly-expanding-headcount" in {c.concept.slug for c in m.did_you_mean}


def test_the_reading_with_answers_is_preferred_and_the_best_match_is_named(kg):
    # "tech debt" is, word for word, the challenge; the failure factor is what hurts outcomes.
    m = interpret(kg, "what is hurt by tech debt")
    assert m.concepts[0].concept.slug == "accumulation-of-tech-debt"
    assert "technical-debt" in {c.concept.slug for c in m.did_you_mean}
    assert ask(kg, "what is hurt by tech debt").answers


def test_an_exact_label_is_not_second_guessed(kg):
    assert interpret(kg, "what mitigates premature scaling").did_you_mean == []


# --- nonsense -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["what mitigates purple monkey", "purple monkey", "how do I avoid kubernetes yaml hell"],
)
def test_unknown_concept_is_refused_without_unrelated_suggestions(kg, question):
    with pytest.raises(UnknownConceptError) as info:
        interpret(kg, question)
    assert info.value.suggestions == []


def test_suggestions_are_only_above_the_floor(kg):
    with pytest.raises(UnknownConceptError) as info:
        interpret(kg, "what mitigates premature scalping of unicorns")
    assert info.value.suggestions
    assert all(m.score >= SUGGESTION_FLOOR for m in info.value.suggestions)
    assert info.value.suggestions[0].concept.slug == "premature-scaling"


@pytest.mark.parametrize(
    "question",
    [
        "tell me a joke about kubernetes please now",
        "what mitigates",
        "what is",
        "sing me a song about the weather tomorrow",
    ],
)
def test_no_recognisable_question_is_422(kg, question):
    with pytest.raises(UnparseableQuestionError) as info:
        interpret(kg, question)
    assert info.value.reason


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("what mitigates premature scaling " * 20, "too long"),
        ("what mitigates\x00 premature scaling", "control characters"),
        ("what mitigates\x1b[31m premature scaling", "control characters"),
        ("?!?! ... ---", "no words"),
        ("¿¡…", "no words"),
    ],
)
def test_bad_input_says_what_was_wrong_and_echoes_little(kg, question, reason):
    with pytest.raises(InvalidQuestionError) as info:
        interpret(kg, question)
    assert info.value.reason == reason
    assert len(info.value.excerpt) <= EXCERPT_CHARS + 1
    assert "\x00" not in info.value.excerpt and "\x1b" not in info.value.excerpt


# --- confidence: order, filter, weakest step ------------------------------------------------------


def _graph(grades: dict[tuple[str, str, str], str]) -> KnowledgeGraph:
    names = {s for s, _, o in grades} | {o for _, _, o in grades}
    concepts = {
        f"kg:{n}": Concept(f"kg:{n}", n.replace("-", " ").capitalize(), t, {t})
        for n in names
        for t in ["FailureFactor" if n.startswith("f") else "Capability"]
    }
    edges = []
    for (s, p, o), grade in sorted(grades.items()):
        basis = "stated" if grade == "stated" else "interpreted"
        prov = Provenance(
            f"st:{s}-{o}",
            "doc",
            "Doc",
            "slide 1",
            "quote",
            basis,
            "why",
            "" if basis == "stated" else grade,
        )
        edges.append(Edge(f"kg:{s}", p, f"kg:{o}", (prov,)))
    return KnowledgeGraph(concepts, edges)


def test_answers_are_ordered_stated_strong_plausible_speculative():
    kg = _graph(
        {
            ("a-spec", "mitigates", "f-x"): "speculative",
            ("b-plaus", "mitigates", "f-x"): "plausible",
            ("c-stated", "mitigates", "f-x"): "stated",
            ("d-strong", "mitigates", "f-x"): "strong",
        }
    )
    answers = related(kg, kg.concepts["kg:f-x"], "mitigates", "in")
    assert [a.confidence for a in answers] == list(CONFIDENCE_ORDER)
    assert [a.as_dict()["confidence"] for a in answers] == list(CONFIDENCE_ORDER)


def test_a_chain_is_as_sure_as_its_weakest_step_and_min_confidence_filters_chains():
    kg = _graph(
        {
            ("cap", "mitigates", "f-cause"): "strong",
            ("f-cause", "causes", "f-x"): "speculative",
            ("cap", "mitigates", "f-other"): "stated",
            ("f-other", "causes", "f-x"): "plausible",
        }
    )
    (answer,) = related(kg, kg.concepts["kg:f-x"], "mitigates", "in")
    assert [w for w, _ in answer.chains] == ["indirect", "indirect"]
    assert answer.confidence == "plausible"  # the surest chain: stated + plausible
    body = answer.as_dict()
    assert [p["confidence"] for p in body["paths"]] == ["plausible", "speculative"]
    assert [s["confidence"] for s in body["paths"][1]["steps"]] == ["strong", "speculative"]
    (kept,) = related(kg, kg.concepts["kg:f-x"], "mitigates", "in", min_confidence="plausible")
    assert len(kept.chains) == 1
    assert related(kg, kg.concepts["kg:f-x"], "mitigates", "in", min_confidence="strong") == []


def test_shipped_answers_are_surest_first_and_filter(kg):
    result = ask(kg, "how do we measure reliability")
    ranks = [rank(a.confidence) for a in result.answers]
    assert ranks == sorted(ranks) and len(set(ranks)) > 1
    stated = ask(kg, "how do we measure reliability", min_confidence="stated")
    assert stated.answers and all(a.confidence == "stated" for a in stated.answers)
    assert len(stated.answers) < len(result.answers)


def test_every_chain_to_an_answer_is_returned(kg):
    concept = kg.concept("failure-to-fix-the-dominant-problem-late")
    answers = {a.concept.slug: a for a in related(kg, concept, "mitigates", "in")}
    # Counted straight from the edges: X mitigates F, F causes the concept (and X mitigates it).
    for slug, answer in answers.items():
        iri = kg.concept(slug).iri
        mids = {e.object for e in kg.edges if e.subject == iri and e.predicate == "mitigates"}
        expected = sum(
            1
            for e in kg.edges
            if e.predicate == "causes" and e.subject in mids and e.object == concept.iri
        ) + (concept.iri in mids)
        assert len(answer.chains) == expected, slug
    assert max(len(a.chains) for a in answers.values()) > 1


# --- suggestions ----------------------------------------------------------------------------------


def test_prem_suggests_premature_scaling_first(kg):
    found = concept_suggestions(kg, "prem")
    assert found[0].concept.slug == "premature-scaling"
    tiers = [s.tier for s in found]
    assert tiers == sorted(tiers)


def test_exact_label_then_prefix_then_fuzzy(kg):
    assert concept_suggestions(kg, "Premature scaling")[0].tier == 0
    assert concept_suggestions(kg, "scaling too early")[0].tier == 1
    fuzzy = concept_suggestions(kg, "premture scalng")
    assert fuzzy[0].concept.slug == "premature-scaling" and fuzzy[0].tier == 6
    assert all(s.score >= SUGGESTION_FLOOR for s in fuzzy)
    assert concept_suggestions(kg, "qqqzzz") == []


def test_question_completions(kg):
    body = suggest(kg, "how do we avoid prem")
    assert body["questions"][0]["text"] == "how do we avoid Premature scaling"
    body = suggest(kg, "premature scaling")
    texts = [q["text"] for q in body["questions"]]
    assert "how do we avoid Premature scaling" in texts
    for text in texts:  # every completion is a question the reader understands
        assert ask(kg, text).concept.slug == "premature-scaling"


def test_standalone_table_is_the_servers_ranking(kg):
    table = prefix_table(kg)
    assert table["prem"][0] == "premature-scaling"
    for typed in list(table)[:: max(1, len(table) // 400)]:
        expected = [s.concept.slug for s in concept_suggestions(kg, typed, limit=6, fuzzy=False)]
        assert table[typed] == expected, typed


def test_stems_are_thread_safe_and_stable():
    from concurrent.futures import ThreadPoolExecutor

    words = ["automating", "optimisations", "dependencies", "organisation", "handovers"] * 400
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(stem.__wrapped__, words))
    assert results == [stem(w) for w in words]


def test_index_is_built_once_per_graph(kg):
    assert concept_index(kg) is concept_index(kg)


def test_short_prefixes_ranked_once_match_a_fresh_scan(kg):
    from scalekg.graph.question import suggest as s

    index = concept_index(kg)
    for typed in ("p", "pr", "sc", "a", "de", "x"):
        best: dict[int, tuple[int, int]] = {}

        def offer(name_id: int, tier: int, best=best) -> None:
            pos = index.names[name_id].concept
            if pos not in best or tier < best[pos][0]:
                best[pos] = (tier, name_id)

        s._scan(index, typed, offer)
        ranked = sorted(best.items(), key=lambda kv: s._rank(index, kv[0], kv[1][0]))
        expected = [index.concepts[pos].slug for pos, _ in ranked][: s.MAX_LIMIT]
        got = [c.concept.slug for c in concept_suggestions(kg, typed, limit=20, fuzzy=False)]
        assert got == expected, typed
