"""The figures of scripts/eval_nlu.py, checked by hand on a small set of predictions.

No model needed: these tests run in milliseconds."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture()
def preds(eval_nlu: ModuleType) -> list:
    p = eval_nlu.Prediction
    return [
        p("a", "apa_amount", "apa_amount", 0.9),  # right
        p("b", "apa_apply", "apa_amount", 0.6),  # wrong intent, right topic
        p("c", "rsa_amount", "apa_amount", 0.5),  # wrong topic
        p("d", "rsa_apply", "nlu_fallback", 0.3),  # false rejection
        p("e", "out_of_scope", "nlu_fallback", 0.2),  # rejected by the fallback: right
        p("f", "out_of_scope", "out_of_scope", 0.9),  # rejected: right
        p("g | pipe", "out_of_scope", "college_bourse", 0.7),  # not rejected
        p("h", "greet", "greet", 0.99),
    ]


@pytest.mark.parametrize(
    ("intent", "topic"),
    [
        ("apa_amount", "apa"),
        ("rsa_urgent", "rsa"),
        ("imagine_r_price", "imagine_r"),
        ("college_bourse", "college"),
        ("greet", "general"),
        ("file_status", "general"),
        ("out_of_scope", "out_of_scope"),
        ("nlu_fallback", "out_of_scope"),
        ("", "out_of_scope"),
    ],
)
def test_topic_of(eval_nlu: ModuleType, intent: str, topic: str) -> None:
    assert eval_nlu.topic_of(intent) == topic


def test_summary(eval_nlu: ModuleType, preds: list) -> None:
    s = eval_nlu.summary_metrics(preds)
    assert (s["messages"], s["topic_messages"], s["oos_messages"], s["general_messages"]) == (
        8,
        4,
        3,
        1,
    )
    assert s["topic_accuracy"] == 0.5
    assert s["oos_rejection_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["false_rejection_rate"] == 0.25
    assert s["intent_accuracy"] == 0.5
    assert s["fallback_predictions"] == 2
    assert s["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 1.0) / 6, abs=1e-3)


def test_per_intent(eval_nlu: ModuleType, preds: list) -> None:
    m = eval_nlu.per_intent_metrics(preds)
    assert m["apa_amount"] == {"precision": 0.3333, "recall": 1.0, "f1": 0.5, "support": 1}
    assert m["out_of_scope"] == {
        "precision": 0.6667,
        "recall": 0.6667,
        "f1": 0.6667,
        "support": 3,
    }
    assert m["college_bourse"]["support"] == 0 and m["college_bourse"]["precision"] == 0.0
    assert "nlu_fallback" not in m


def test_confusion(eval_nlu: ModuleType, preds: list) -> None:
    c = eval_nlu.topic_confusion(preds)
    assert c["apa"]["apa"] == 2
    assert (c["rsa"]["apa"], c["rsa"]["out_of_scope"], c["rsa"]["rsa"]) == (1, 1, 0)
    assert (c["out_of_scope"]["out_of_scope"], c["out_of_scope"]["college"]) == (2, 1)
    assert c["general"]["general"] == 1
    assert sum(sum(row.values()) for row in c.values()) == len(preds)


def test_errors_topic_errors_first(eval_nlu: ModuleType, preds: list) -> None:
    errors = eval_nlu.errors_of(preds)
    assert [e["text"] for e in errors] == ["g | pipe", "c", "d", "b"]
    assert [e["topic_error"] for e in errors] == [True, True, True, False]


def test_targets_and_report(eval_nlu: ModuleType, preds: list, tmp_path: Path) -> None:
    report = eval_nlu.build_report(preds, {"model": "test"})
    assert {k: t["passed"] for k, t in report["targets"].items()} == {
        "topic_accuracy": False,
        "oos_rejection_rate": False,
    }
    eval_nlu.write_reports(report, tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| topic_accuracy | ≥ 0.95 | 0.5000 | FAIL |" in md
    assert "g \\| pipe" in md  # a pipe in a message does not break the table
    assert "FAIL" in eval_nlu.console_summary(report)


def test_targets_pass_when_all_right(eval_nlu: ModuleType, preds: list) -> None:
    right = [eval_nlu.Prediction(p.text, p.expected, p.expected, 1.0) for p in preds]
    report = eval_nlu.build_report(right, {})
    assert all(t["passed"] for t in report["targets"].values())
    assert report["errors"] == []


def test_missing_model_exits_with_message(eval_nlu: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="No trained model"):
        eval_nlu.main(["--models-dir", str(tmp_path / "none"), "--out", str(tmp_path)])


def test_apply_fallback_follows_rasa_rule(eval_nlu: ModuleType) -> None:
    p = eval_nlu.Prediction
    preds = [
        p("low", "apa_amount", "nlu_fallback", 0.5, "apa_amount", 0.45, 0.3),
        p("close", "rsa_amount", "rsa_amount", 0.7, "rsa_amount", 0.7, 0.05),
        p("clear", "college_bourse", "college_bourse", 0.9, "college_bourse", 0.9, 0.8),
    ]
    assert [x.predicted for x in eval_nlu.apply_fallback(preds, 0.0, 0.0)] == [
        "apa_amount",
        "rsa_amount",
        "college_bourse",
    ]
    # below the threshold, or two best intents closer than the ambiguity threshold
    assert [x.predicted for x in eval_nlu.apply_fallback(preds, 0.5, 0.08)] == [
        "nlu_fallback",
        "nlu_fallback",
        "college_bourse",
    ]
    assert eval_nlu.apply_fallback(preds, 0.5, 0.08)[0].confidence == 0.5


def test_fallback_analysis(eval_nlu: ModuleType) -> None:
    p = eval_nlu.Prediction
    preds = [
        p("a", "apa_amount", "nlu_fallback", 0.55, "apa_amount", 0.5, 0.4),
        p("b", "out_of_scope", "nlu_fallback", 0.55, "apa_amount", 0.4, 0.2),
    ]
    analysis = eval_nlu.fallback_analysis(preds, {"threshold": 0.55, "ambiguity_threshold": 0.08})
    assert analysis["simulation_mismatches"] == 0
    assert analysis["classifier_alone"]["topic_accuracy"] == 1.0
    assert analysis["classifier_alone"]["oos_rejection_rate"] == 0.0
    configured = next(
        r for r in analysis["sweep"] if (r["threshold"], r["ambiguity_threshold"]) == (0.55, 0.08)
    )
    assert (configured["topic_accuracy"], configured["oos_rejection_rate"]) == (0.0, 1.0)
    at_045 = eval_nlu.summary_metrics(eval_nlu.apply_fallback(preds, 0.45, 0.0))
    assert (at_045["topic_accuracy"], at_045["oos_rejection_rate"]) == (1.0, 1.0)
    assert len(analysis["sweep"]) == len(eval_nlu.SWEEP_THRESHOLDS) * len(
        eval_nlu.SWEEP_AMBIGUITIES
    )
