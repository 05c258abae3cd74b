"""Each SHACL shape and each violation query: a passing fixture and a failing one.

The passing fixture is tests/fixtures/minimal.ttl. Each failing fixture is that file plus (or
minus) a few lines that break exactly one rule; the test asserts that the rule reports it.
"""

from pathlib import Path

import pytest

from scalekg.graph.loader import DataFileError, load_sources
from scalekg.graph.validate import check_quotes, run_shacl, run_violation_queries, validate_graph

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MINIMAL = (FIXTURES / "minimal.ttl").read_text(encoding="utf-8")
PREFIXES = MINIMAL.split("\n\n")[0]


def load_text(tmp_path: Path, text: str):
    path = tmp_path / "data.ttl"
    path.write_text(text, encoding="utf-8")
    sources = load_sources(data=[path])
    return sources.ontology + sources.data


def test_minimal_fixture_passes_every_gate(tmp_path):
    report = validate_graph(load_text(tmp_path, MINIMAL))
    assert report.conforms, report.render()
    assert "shacl" in report.checks_run and "quotes" in report.checks_run


def test_shipped_data_passes_every_gate(shipped_report):
    assert shipped_report.conforms, shipped_report.render()
    assert "shacl" in shipped_report.checks_run and "quotes" in shipped_report.checks_run


# (name, lines added to the minimal fixture, text expected in the SHACL message)
SHACL_CASES = [
    (
        "concept without definition",
        'kg:orphan-cap a skg:Capability ; skos:prefLabel "Orphan"@en .',
        "skos:definition",
    ),
    (
        "concept without prefLabel",
        'kg:nolabel a skg:Value ; skos:definition "A value with no label at all."@en .',
        "prefLabel",
    ),
    (
        "statement without source",
        "[] a skg:EdgeStatement ; rdf:subject kg:be-frugal ; rdf:predicate skg:mitigates ; "
        'rdf:object kg:premature-scaling ; skg:locator "slide 24" ; skg:quote "Be frugal" ; '
        "skg:basis skg:stated .",
        "skg:source",
    ),
    (
        "interpreted edge without rationale",
        "[] a skg:EdgeStatement ; rdf:subject kg:be-frugal ; rdf:predicate skg:mitigates ; "
        'rdf:object kg:premature-scaling ; skg:source kg:talk ; skg:locator "slide 24" ; '
        'skg:quote "Be frugal" ; skg:basis skg:interpreted .',
        "rationale",
    ),
    (
        "plain mitigates edge without provenance",
        "kg:keep-financial-discipline skg:mitigates kg:premature-scaling .",
        "no edge statement",
    ),
    (
        "mitigates from a failure factor (domain)",
        "[] a skg:EdgeStatement ; rdf:subject kg:premature-scaling ; rdf:predicate skg:mitigates ; "
        "rdf:object kg:hiring-too-many-people-too-early ; skg:source kg:talk ; "
        'skg:locator "slide 18" ; skg:quote "Premature scaling" ; skg:basis skg:stated .',
        "only a Capability or a Value mitigates",
    ),
    (
        "hurts pointing at a capability (range)",
        "[] a skg:EdgeStatement ; rdf:subject kg:premature-scaling ; rdf:predicate skg:hurts ; "
        "rdf:object kg:keep-financial-discipline ; skg:source kg:talk ; "
        'skg:locator "slide 18" ; skg:quote "Premature scaling" ; skg:basis skg:stated .',
        "PositiveOutcome",
    ),
    (
        "basis that is neither stated nor interpreted",
        "[] a skg:EdgeStatement ; rdf:subject kg:be-frugal ; rdf:predicate skg:mitigates ; "
        'rdf:object kg:premature-scaling ; skg:source kg:talk ; skg:locator "slide 24" ; '
        'skg:quote "Be frugal" ; skg:basis skg:guessed ; skg:rationale "Just because it is." .',
        "skg:stated or skg:interpreted",
    ),
    (
        "interpreted edge without confidence",
        "[] a skg:EdgeStatement ; rdf:subject kg:be-frugal ; rdf:predicate skg:mitigates ; "
        'rdf:object kg:premature-scaling ; skg:source kg:talk ; skg:locator "slide 24" ; '
        'skg:quote "Be frugal" ; skg:basis skg:interpreted ; skg:rationale "Frugal teams hire less." .',
        "exactly one skg:confidence",
    ),
    (
        "interpreted edge with two confidences",
        "[] a skg:EdgeStatement ; rdf:subject kg:be-frugal ; rdf:predicate skg:mitigates ; "
        'rdf:object kg:premature-scaling ; skg:source kg:talk ; skg:locator "slide 24" ; '
        'skg:quote "Be frugal" ; skg:basis skg:interpreted ; skg:rationale "Frugal teams hire less." ; '
        "skg:confidence skg:strong , skg:speculative .",
        "exactly one skg:confidence",
    ),
    (
        "interpreted edge with a confidence outside the rubric",
        "[] a skg:EdgeStatement ; rdf:subject kg:be-frugal ; rdf:predicate skg:mitigates ; "
        'rdf:object kg:premature-scaling ; skg:source kg:talk ; skg:locator "slide 24" ; '
        'skg:quote "Be frugal" ; skg:basis skg:interpreted ; skg:rationale "Frugal teams hire less." ; '
        "skg:confidence skg:certain .",
        "exactly one skg:confidence",
    ),
    (
        "stated edge with a confidence",
        "[] a skg:EdgeStatement ; rdf:subject kg:be-frugal ; rdf:predicate skg:mitigates ; "
        'rdf:object kg:premature-scaling ; skg:source kg:talk ; skg:locator "slide 24" ; '
        'skg:quote "Be frugal" ; skg:basis skg:stated ; skg:confidence skg:strong .',
        "a stated edge carries no skg:confidence",
    ),
    (
        "mapping statement without a reason",
        "[] a skg:MappingStatement ; rdf:subject kg:keep-financial-discipline ; "
        "rdf:predicate skos:relatedMatch ; "
        "rdf:object <https://dora.dev/capabilities/working-in-small-batches/> ; skg:source kg:talk .",
        "skg:mappingReason",
    ),
    (
        "mapping statement with a relation that is not a SKOS mapping",
        "[] a skg:MappingStatement ; rdf:subject kg:keep-financial-discipline ; "
        "rdf:predicate skos:broader ; "
        "rdf:object <https://dora.dev/capabilities/working-in-small-batches/> ; skg:source kg:talk ; "
        'skg:mappingReason "Both keep the work small." .',
        "skos:exactMatch, skos:closeMatch or skos:relatedMatch",
    ),
]


@pytest.mark.parametrize(
    ("name", "extra", "expected"), SHACL_CASES, ids=[c[0] for c in SHACL_CASES]
)
def test_shacl_shape_fails_on_broken_fixture(tmp_path, name, extra, expected):
    graph = load_text(tmp_path, MINIMAL + "\n" + extra + "\n")
    problems = run_shacl(graph)
    messages = " | ".join(p.render() for p in problems)
    assert any(expected in p.render() for p in problems), f"{name}: {messages}"


# Concepts with no edge of a kind are honest where the sources are silent: none of these fails a
# gate (the shapes that required them forced edges into existence). The gap report lists them.
UNLINKED_CASES = [
    (
        "capability-mitigates-nothing",
        'kg:idle-cap a skg:Capability ; skos:prefLabel "Idle capability"@en ; '
        'skos:definition "It mitigates nothing at all."@en ; skg:relevantAtStage kg:early-stage .',
    ),
    (
        "value-influences-nothing",
        'kg:idle-value a skg:Value ; skos:prefLabel "Idle value"@en ; '
        'skos:definition "It influences nothing at all."@en ; skg:relevantAtStage kg:early-stage .',
    ),
    (
        "failure-factor-without-effect",
        'kg:dead-end a skg:FailureFactor ; skos:prefLabel "Dead end"@en ; '
        'skos:definition "It hurts nothing and causes nothing."@en ; skg:relevantAtStage kg:early-stage .',
    ),
    (
        "isolated-concept",
        'kg:lonely a skg:Statistic ; skos:prefLabel "Lonely statistic"@en ; '
        'skos:definition "Connected to nothing."@en .',
    ),
]


@pytest.mark.parametrize(("kind", "extra"), UNLINKED_CASES, ids=[c[0] for c in UNLINKED_CASES])
def test_missing_edges_are_gaps_not_failures(tmp_path, kind, extra):
    from scalekg.graph.gaps import find_gaps

    graph = load_text(tmp_path, MINIMAL + "\n" + extra + "\n")
    report = validate_graph(graph)
    assert report.conforms, report.render()
    slug = extra.split()[0].removeprefix("kg:")
    assert (kind, slug) in {(g.kind, g.concept) for g in find_gaps(graph)}


def test_minimal_fixture_has_only_the_gaps_it_should(tmp_path):
    from scalekg.graph.gaps import find_gaps

    gaps = {(g.kind, g.concept) for g in find_gaps(load_text(tmp_path, MINIMAL))}
    # No mechanism applies be-frugal. Premature scaling is no gap: nothing mitigates it directly,
    # but keep-financial-discipline mitigates its cause, hiring too many people too early.
    assert gaps == {("value-not-applied", "be-frugal")}


def test_shacl_passes_on_minimal_fixture(tmp_path):
    assert run_shacl(load_text(tmp_path, MINIMAL)) == []


VIOLATION_CASES = [
    (
        "duplicate-label",
        'kg:premature-scaling-2 a skg:FailureFactor ; skos:prefLabel "premature scaling"@en .',
    ),
    (
        "mapping-without-statement",
        "kg:keep-financial-discipline skos:closeMatch "
        "<https://dora.dev/capabilities/working-in-small-batches/> .",
    ),
    ("edge-without-statement", "kg:be-frugal skg:mitigates kg:premature-scaling ."),
    (
        "untyped-reference",
        "[] a skg:EdgeStatement ; rdf:subject kg:be-frugal ; rdf:predicate skg:mitigates ; "
        'rdf:object kg:no-such-thing ; skg:source kg:talk ; skg:locator "slide 24" ; '
        'skg:quote "Be frugal" ; skg:basis skg:stated .',
    ),
    (
        "self-loop",
        "[] a skg:EdgeStatement ; rdf:subject kg:premature-scaling ; rdf:predicate skg:causes ; "
        'rdf:object kg:premature-scaling ; skg:source kg:talk ; skg:locator "slide 18" ; '
        'skg:quote "Premature scaling" ; skg:basis skg:stated .',
    ),
    ("multiple-types", "kg:be-frugal a skg:Capability ."),
]


@pytest.mark.parametrize(("query", "extra"), VIOLATION_CASES, ids=[c[0] for c in VIOLATION_CASES])
def test_violation_query_fails_on_broken_fixture(tmp_path, query, extra):
    graph = load_text(tmp_path, MINIMAL + "\n" + extra + "\n")
    names = {p.check for p in run_violation_queries(graph)}
    assert query in names


def test_violation_queries_pass_on_minimal_fixture(tmp_path):
    assert run_violation_queries(load_text(tmp_path, MINIMAL)) == []


def test_every_violation_query_has_a_failing_case():
    from scalekg.graph.resources import violation_queries

    shipped = {p.name.removesuffix("-violation.rq") for p in violation_queries()}
    assert shipped == {name for name, _ in VIOLATION_CASES}


def test_quote_check_rejects_a_quote_not_in_the_source(tmp_path):
    broken = MINIMAL.replace('skg:quote "Be frugal"', 'skg:quote "Be extravagant"')
    problems = check_quotes(load_text(tmp_path, broken))
    assert [p.check for p in problems] == ["quote"]
    assert "Be extravagant" in problems[0].detail


def test_quote_check_folds_whitespace(tmp_path):
    spaced = MINIMAL.replace(
        '"Hiring too many people too early"', '"Hiring  too many\\n people too early"'
    )
    assert check_quotes(load_text(tmp_path, spaced)) == []


def test_unparseable_file_names_file_and_position(tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text(PREFIXES + "\nkg:x a skg:Value ;; skos:prefLabel .\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_sources(data=[path])
    assert "broken.ttl" in str(info.value)
    assert "line" in str(info.value).lower()


def test_a_report_is_cached_by_the_hash_of_its_inputs(tmp_path, monkeypatch):
    from scalekg.graph import validate as validate_module
    from scalekg.graph.resources import ontology_files, shape_files, violation_queries
    from scalekg.graph.validate import validate_cached

    broken = MINIMAL.replace('skg:quote "Be frugal"', 'skg:quote "Be extravagant"')
    data = tmp_path / "data.ttl"
    data.write_text(broken, encoding="utf-8")
    sources = load_sources(data=[data])
    inputs = [*ontology_files(), *shape_files(), *violation_queries(), data]
    first = validate_cached(sources.ontology + sources.data, inputs, tmp_path / "cache")
    assert not first.conforms

    def fail(_graph):
        raise AssertionError("a cached report must not be computed again")

    monkeypatch.setattr(validate_module, "validate_graph", fail)
    again = validate_cached(sources.ontology + sources.data, inputs, tmp_path / "cache")
    assert again.problems == first.problems and again.checks_run == first.checks_run
    data.write_text(MINIMAL, encoding="utf-8")  # a changed input is validated afresh
    with pytest.raises(AssertionError, match="must not be computed"):
        validate_cached(sources.ontology + sources.data, inputs, tmp_path / "cache")
