"""The development set of the question reader: questions in people's words, each with how it must
be read and the answers it must contain, and nonsense that must be refused (question_devset.yaml).

Run as a module to print the score: ``.venv/bin/python -m tests.graph.test_question_devset``.
"""

from pathlib import Path

import pytest
import yaml

from scalekg.graph.ask import InvalidQuestionError, UnparseableQuestionError, ask
from scalekg.graph.search import UnknownConceptError

DEVSET = yaml.safe_load((Path(__file__).parent / "question_devset.yaml").read_text("utf-8"))
QUESTIONS = DEVSET["questions"]
REFUSE = DEVSET["refuse"]


def check_question(kg, item: dict) -> list[str]:
    """What is wrong with the answer to one dev-set question (empty: right)."""
    try:
        result = ask(kg, item["q"])
    except (UnknownConceptError, UnparseableQuestionError, InvalidQuestionError) as exc:
        return [f"refused: {type(exc).__name__}: {exc}"]
    meaning = result.interpretation
    problems = []
    kind = item.get("kind", "relation")
    if meaning.kind != kind:
        problems.append(f"kind {meaning.kind!r}, expected {kind!r}")
    concepts = [c.concept.slug for c in meaning.concepts]
    expected = item.get("concepts") or [item["concept"]]
    if concepts != expected:
        problems.append(f"concepts {concepts}, expected {expected}")
    for key in ("relation", "direction"):
        if key in item and getattr(meaning, key) != item[key]:
            problems.append(f"{key} {getattr(meaning, key)!r}, expected {item[key]!r}")
    found = {a.concept.slug for a in result.answers}
    missing = [slug for slug in item.get("contains", []) if slug not in found]
    if missing:
        problems.append(f"answers lack {missing}")
    if kind == "path" and not result.answers:
        problems.append("no chain")
    return problems


def check_refusal(kg, item: dict) -> list[str]:
    try:
        result = ask(kg, item["q"])
    except UnknownConceptError:
        status = 404
    except (UnparseableQuestionError, InvalidQuestionError):
        status = 422
    else:
        return [f"answered as {result.interpretation.pattern} {result.concept.slug}"]
    return [] if status == item["status"] else [f"status {status}, expected {item['status']}"]


@pytest.mark.parametrize("item", QUESTIONS, ids=[i["q"] for i in QUESTIONS])
def test_devset_question_is_read_and_answered(kg, item):
    assert check_question(kg, item) == []


@pytest.mark.parametrize("item", REFUSE, ids=[repr(i["q"]) for i in REFUSE])
def test_devset_nonsense_is_refused(kg, item):
    assert check_refusal(kg, item) == []


def test_devset_is_big_enough():
    assert len(QUESTIONS) >= 60 and len(REFUSE) >= 10


def score(kg) -> tuple[int, int, list[str]]:
    ok, failures = 0, []
    for item in QUESTIONS:
        problems = check_question(kg, item)
        ok += not problems
        failures += [f"{item['q']!r}: {'; '.join(problems)}"] if problems else []
    for item in REFUSE:
        problems = check_refusal(kg, item)
        ok += not problems
        failures += [f"{item['q']!r}: {'; '.join(problems)}"] if problems else []
    return ok, len(QUESTIONS) + len(REFUSE), failures


if __name__ == "__main__":
    from scalekg.api.cli_common import load_kg

    right, total, failures = score(load_kg())
    print(f"dev set: {right}/{total} read and answered as expected ({100 * right / total:.0f}%)")
    for line in failures:
        print("  -", line)
