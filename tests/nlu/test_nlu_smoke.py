"""Fast check of the trained model on tests/nlu/smoke.yml: is each message routed to its topic?

Skips when no model has been trained under models/ (run `make model`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from triage.evaluation.nlu import metrics, runner
from triage.evaluation.nlu import report as nlu_report

ROOT = Path(__file__).resolve().parents[2]
SMOKE = Path(__file__).resolve().parent / "smoke.yml"
MODELS_DIR = ROOT / "models"
MIN_TOPIC_ACCURACY = 0.90

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_path() -> Path:
    from rasa.model import get_latest_model

    latest = get_latest_model(str(MODELS_DIR)) if MODELS_DIR.is_dir() else None
    if not latest:
        pytest.skip(f"no trained Rasa model under {MODELS_DIR}/ (run `make model` first)")
    return Path(latest)


@pytest.fixture(scope="module")
def agent(model_path: Path) -> Any:
    runner.quiet_rasa()
    return runner.load_agent(model_path)


def test_smoke_messages_reach_their_topic(agent: Any) -> None:
    preds = runner.predict(agent, runner.load_examples(SMOKE))
    wrong = [p for p in preds if metrics.topic_of(p.predicted) != metrics.topic_of(p.expected)]
    accuracy = 1 - len(wrong) / len(preds)
    failures = "\n".join(
        f"  {p.text!r}: expected {p.expected}, got {p.predicted} ({p.confidence:.2f})"
        for p in wrong
    )
    assert accuracy >= MIN_TOPIC_ACCURACY, (
        f"topic accuracy {accuracy:.2%} < {MIN_TOPIC_ACCURACY:.0%} on {len(preds)} smoke "
        f"messages; failures:\n{failures}"
    )


def test_evaluation_report_is_written(agent: Any, model_path: Path, tmp_path: Path) -> None:
    # The real script end to end (minus model loading) on the smoke set.
    report = runner.evaluate(agent, SMOKE, model_path)
    nlu_report.write_reports(report, tmp_path)
    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    summary = saved["summary"]
    assert summary["messages"] == len(runner.load_examples(SMOKE))
    assert (
        summary["topic_messages"] + summary["general_messages"] + summary["oos_messages"]
        == (summary["messages"])
    )
    assert len(saved["errors"]) == sum(
        metrics.effective_intent(p["predicted"]) != p["expected"] for p in saved["predictions"]
    )
    for p in saved["predictions"]:
        # A group's summed confidence holds at least its best intent's, at most the whole ranking.
        assert p["top_confidence"] - 1e-4 <= p["group_confidence"] <= 1.0 + 1e-4, p
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Targets" in markdown and "topic_accuracy" in markdown
    fallback = saved["fallback"]
    if fallback["settings"]:
        # The threshold sweep replays the TopicFallbackClassifier: it must agree with the model.
        assert fallback["component"] == "TopicFallbackClassifier"
        assert fallback["simulation_mismatches"] == 0
    else:
        # An older model (plain FallbackClassifier): the report says the simulation does not apply.
        assert "does not apply" in markdown
