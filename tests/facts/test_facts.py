"""The factual question set through the running assistant: the expected figure or fact is in the
answer for at least 95 % of the questions (triage/evaluation/facts.py prints the same score)."""

from __future__ import annotations

import pytest

from triage.evaluation.facts import TARGET, load_questions, run, score

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_questions_are_well_formed() -> None:
    questions = load_questions()
    assert len(questions) >= 60
    assert all(q["q"].strip() and q["expect"] for q in questions)
    assert len({q["q"] for q in questions}) == len(questions)


def test_factual_questions_get_their_fact(assistant_stack) -> None:
    results = run(assistant_stack.rasa_url)
    failures = "\n".join(f"  {r.question!r}: expected {r.expect}" for r in results if not r.passed)
    assert score(results) >= TARGET, f"score {score(results):.3f}; failures:\n{failures}"
