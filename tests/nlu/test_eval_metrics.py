"""The figures of the NLU evaluation (triage/evaluation/nlu/), checked by hand on small predictions.

No model needed: these tests run in milliseconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rejection import RejectionRule
from triage.evaluation.nlu import metrics, runner
from triage.evaluation.nlu import report as nlu_report


@pytest.fixture()
def preds() -> list:
    p = metrics.Prediction
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
def test_topic_of(intent: str, topic: str) -> None:
    assert metrics.topic_of(intent) == topic


def test_summary(preds: list) -> None:
    s = metrics.summary_metrics(preds)
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


def test_per_intent(preds: list) -> None:
    m = metrics.per_intent_metrics(preds)
    assert m["apa_amount"] == {"precision": 0.3333, "recall": 1.0, "f1": 0.5, "support": 1}
    assert m["out_of_scope"] == {
        "precision": 0.6667,
        "recall": 0.6667,
        "f1": 0.6667,
        "support": 3,
    }
    assert m["college_bourse"]["support"] == 0 and m["college_bourse"]["precision"] == 0.0
    assert "nlu_fallback" not in m


def test_confusion(preds: list) -> None:
    c = metrics.topic_confusion(preds)
    assert c["apa"]["apa"] == 2
    assert (c["rsa"]["apa"], c["rsa"]["out_of_scope"], c["rsa"]["rsa"]) == (1, 1, 0)
    assert (c["out_of_scope"]["out_of_scope"], c["out_of_scope"]["college"]) == (2, 1)
    assert c["general"]["general"] == 1
    assert sum(sum(row.values()) for row in c.values()) == len(preds)


def test_errors_topic_errors_first(preds: list) -> None:
    errors = metrics.errors_of(preds)
    assert [e["text"] for e in errors] == ["g | pipe", "c", "d", "b"]
    assert [e["topic_error"] for e in errors] == [True, True, True, False]


def test_targets_and_report(preds: list, tmp_path: Path) -> None:
    report = metrics.build_report(preds, {"model": "test"})
    assert {k: t["passed"] for k, t in report["targets"].items()} == {
        "topic_accuracy": False,
        "oos_rejection_rate": False,
    }
    nlu_report.write_reports(report, tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| topic_accuracy | ≥ 0.95 | 0.5000 | FAIL |" in md
    assert "g \\| pipe" in md  # a pipe in a message does not break the table
    assert "FAIL" in nlu_report.console_summary(report)


def test_targets_pass_when_all_right(preds: list) -> None:
    right = [metrics.Prediction(p.text, p.expected, p.expected, 1.0) for p in preds]
    report = metrics.build_report(right, {})
    assert all(t["passed"] for t in report["targets"].values())
    assert report["errors"] == []


def test_missing_model_exits_with_message(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="No trained model"):
        runner.main(["--models-dir", str(tmp_path / "none"), "--out", str(tmp_path)])


@pytest.fixture()
def ranked() -> list:
    """Predictions with the classifier's view: best intent, its confidence, its group's sum."""
    p = metrics.Prediction
    return [
        # apa sure (0.75 over its intents) though no single intent is: a plain FallbackClassifier
        # at 0.55 would reject it.
        p("sure topic", "apa_apply", "apa_apply", 0.35, "apa_apply", 0.35, 0.75),
        p("unsure topic", "rsa_amount", "nlu_fallback", 0.6, "rsa_amount", 0.45, 0.5),
        p("general", "greet", "greet", 0.45, "greet", 0.45, 0.45),
        p("oos", "out_of_scope", "nlu_fallback", 0.6, "out_of_scope", 0.35, 0.35),
        p("borderline", "out_of_scope", "college_bourse", 0.3, "college_bourse", 0.3, 0.6),
    ]


@pytest.mark.parametrize(
    ("threshold", "general", "expected"),
    [
        (0.0, 0.0, ["apa_apply", "rsa_amount", "greet", "out_of_scope", "college_bourse"]),
        # topic sums against 0.6 (equal passes), general intents against 0.4 only
        (0.6, 0.4, ["apa_apply", "nlu_fallback", "greet", "nlu_fallback", "college_bourse"]),
        (0.5, 0.5, ["apa_apply", "rsa_amount", "nlu_fallback", "nlu_fallback", "college_bourse"]),
        (0.7, 0.3, ["apa_apply", "nlu_fallback", "greet", "out_of_scope", "nlu_fallback"]),
        (0.8, 0.0, ["nlu_fallback", "nlu_fallback", "greet", "out_of_scope", "nlu_fallback"]),
    ],
)
def test_apply_fallback_follows_topic_rule(
    ranked: list, threshold: float, general: float, expected: list
) -> None:
    out = metrics.apply_fallback(ranked, threshold, general)
    assert [x.predicted for x in out] == expected
    # A rejection carries the threshold as confidence (Rasa's FallbackClassifier.process);
    # a kept intent the classifier's own confidence.
    assert [x.confidence for x in out] == [
        threshold if intent == "nlu_fallback" else p.top_confidence
        for intent, p in zip(expected, ranked, strict=True)
    ]
    assert [x.group_confidence for x in out] == [p.group_confidence for p in ranked]


def test_apply_fallback_names_the_case_of_the_topic_named() -> None:
    p = metrics.Prediction
    named = "ou en est le dossier apa de mon pere"
    out = metrics.apply_fallback(
        [
            p(named, "apa_file_status", "x", 0.0, "file_status", 0.45, 0.45),
            p("ou en est mon dossier", "file_status", "x", 0.0, "file_status", 0.45, 0.45),
            p(named, "apa_file_status", "x", 0.0, "file_status", 0.3, 0.3),
        ],
        0.6,
        0.4,
    )
    assert [x.predicted for x in out] == ["apa_file_status", "file_status", "nlu_fallback"]


def test_rejects_without_intent() -> None:
    assert RejectionRule(0.0, 0.0).rejects("", 1.0)
    assert not RejectionRule(0.9, 0.4).rejects("out_of_scope", 0.4)
    assert RejectionRule(0.6, 0.0).rejects("imagine_r_price", 0.59)


def test_a_short_answer_in_a_long_message_needs_the_topic_threshold() -> None:
    rule = RejectionRule(0.6, 0.4)
    assert not rule.rejects("cancel", 0.46, "bon laissez tomber c'est pas grave")
    vague = "Je suis Paul Martin, le truc du bidule de mon cousin marche plus du tout"
    assert rule.rejects("cancel", 0.46, vague)
    assert not rule.rejects("cancel", 0.7, vague)
    # Other general intents (a generic case, out of scope) keep the general threshold.
    assert not rule.rejects("file_status", 0.46, vague)
    assert not rule.rejects("out_of_scope", 0.46, vague)


def test_prediction_of_parse_result() -> None:
    # The fallback rejected: nlu_fallback first, then the classifier's ranking.
    result = {
        "text": "x",
        "intent": {"name": "nlu_fallback", "confidence": 0.6},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.6},
            {"name": "rsa_apply", "confidence": 0.3},
            {"name": "apa_apply", "confidence": 0.25},
            {"name": "rsa_documents", "confidence": 0.2},
            {"name": "apa_amount", "confidence": 0.15},
            {"name": "greet", "confidence": 0.1},
        ],
    }
    p = runner.prediction_of("x", "rsa_apply", result)
    assert (p.predicted, p.confidence, p.top_intent, p.top_confidence) == (
        "nlu_fallback",
        0.6,
        "rsa_apply",
        0.3,
    )
    assert p.group_confidence == pytest.approx(0.5)  # rsa_apply + rsa_documents
    # General intents stand alone: greet is not summed with goodbye.
    result = {
        "intent": {"name": "greet", "confidence": 0.35},
        "intent_ranking": [
            {"name": "greet", "confidence": 0.35},
            {"name": "goodbye", "confidence": 0.3},
            {"name": "apa_apply", "confidence": 0.2},
            {"name": "apa_amount", "confidence": 0.15},
        ],
    }
    p = runner.prediction_of("y", "greet", result)
    assert (p.top_intent, p.group_confidence) == ("greet", 0.35)
    assert [x.predicted for x in metrics.apply_fallback([p], 0.6, 0.4)] == ["nlu_fallback"]
    # No ranking: the intent alone is the ranking, as in the component.
    p = runner.prediction_of("z", "apa_apply", {"intent": {"name": "apa_apply", "confidence": 0.7}})
    assert (p.top_intent, p.top_confidence, p.group_confidence) == ("apa_apply", 0.7, 0.7)


RANKINGS = [
    [("apa_apply", 0.4), ("apa_documents", 0.25), ("rsa_apply", 0.2), ("greet", 0.15)],
    [("rsa_amount", 0.45), ("apa_amount", 0.3), ("goodbye", 0.15), ("rsa_apply", 0.1)],
    [("greet", 0.45), ("goodbye", 0.3), ("apa_apply", 0.25)],
    [("out_of_scope", 0.35), ("college_bourse", 0.33), ("college_canteen", 0.32)],
    [
        ("college_bourse", 0.3),
        ("out_of_scope", 0.28),
        ("college_sector", 0.22),
        ("imagine_r_x", 0.2),
    ],
]


def test_simulation_agrees_with_the_component() -> None:
    """The real TopicFallbackClassifier on classifier outputs, against the simulation."""
    from rasa.shared.nlu.training_data.message import Message

    from nlu_components.topic_fallback import TopicFallbackClassifier

    outcomes = set()
    for threshold in (0.0, 0.5, 0.55, 0.6, 0.7):
        for general in (0.0, 0.4, 0.5):
            config = {
                **TopicFallbackClassifier.get_default_config(),
                "threshold": threshold,
                "general_threshold": general,
            }
            component = TopicFallbackClassifier(config)
            for ranking in RANKINGS:
                items = [{"name": name, "confidence": conf} for name, conf in ranking]
                message = Message(data={"intent": dict(items[0]), "intent_ranking": items})
                component.process([message])
                pred = runner.prediction_of("t", ranking[0][0], message.data)
                simulated = metrics.apply_fallback([pred], threshold, general)[0]
                assert simulated.predicted == message.data["intent"]["name"], (ranking, config)
                outcomes.add((ranking[0][0], simulated.predicted == "nlu_fallback"))
    # Every message is kept under some settings and rejected under others.
    assert len(outcomes) == 2 * len(RANKINGS)


def test_fallback_settings_from_schema() -> None:
    from rasa.engine.graph import GraphSchema, SchemaNode
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    from nlu_components.topic_fallback import TopicFallbackClassifier

    def schema(uses: type, config: dict) -> GraphSchema:
        node = SchemaNode(needs={}, uses=uses, constructor_name="load", fn="process", config=config)
        return GraphSchema({"run_node": node})

    topic = schema(TopicFallbackClassifier, {"threshold": 0.7})
    assert runner.schema_fallback_settings(topic) == {"threshold": 0.7, "general_threshold": 0.4}
    plain = schema(FallbackClassifier, {"threshold": 0.55, "ambiguity_threshold": 0.08})
    assert runner.schema_fallback_settings(plain) is None
    assert runner.fallback_node(plain).uses is FallbackClassifier
    assert runner.schema_fallback_settings(schema(DIETClassifier, {})) is None
    assert runner.fallback_node(schema(DIETClassifier, {})) is None


def test_fallback_analysis() -> None:
    p = metrics.Prediction
    preds = [
        p("a", "apa_apply", "apa_apply", 0.35, "apa_apply", 0.35, 0.7),  # topic sure: kept
        p("b", "out_of_scope", "nlu_fallback", 0.6, "apa_amount", 0.4, 0.5),  # topic unsure
        p("c", "greet", "greet", 0.45, "greet", 0.45, 0.45),
    ]
    settings = {"threshold": 0.6, "general_threshold": 0.4}
    analysis = metrics.fallback_analysis(preds, settings, "TopicFallbackClassifier")
    assert analysis["simulation_applies"] and analysis["simulation_mismatches"] == 0
    assert analysis["classifier_alone"]["topic_accuracy"] == 1.0
    assert analysis["classifier_alone"]["oos_rejection_rate"] == 0.0
    configured = next(
        r for r in analysis["sweep"] if (r["threshold"], r["general_threshold"]) == (0.6, 0.4)
    )
    assert (configured["topic_accuracy"], configured["oos_rejection_rate"]) == (1.0, 1.0)
    strict = next(
        r for r in analysis["sweep"] if (r["threshold"], r["general_threshold"]) == (0.8, 0.5)
    )
    assert strict == {
        "threshold": 0.8,
        "general_threshold": 0.5,
        "topic_accuracy": 0.0,
        "oos_rejection_rate": 1.0,
        "false_rejection_rate": 1.0,
        "intent_accuracy": 0.3333,
    }
    assert len(analysis["sweep"]) == len(metrics.SWEEP_THRESHOLDS) * len(
        metrics.SWEEP_GENERAL_THRESHOLDS
    )
    # Settings that the model did not use: "b" (topic at 0.5) would have been kept.
    wrong = {"threshold": 0.5, "general_threshold": 0.4}
    assert metrics.fallback_analysis(preds, wrong)["simulation_mismatches"] == 1


def test_plain_fallback_classifier_is_reported(tmp_path: Path) -> None:
    p = metrics.Prediction
    preds = [p("a", "apa_apply", "apa_apply", 0.9, "apa_apply", 0.9, 0.95)]
    report = metrics.build_report(preds, {}, None, "FallbackClassifier")
    fallback = report["fallback"]
    assert not fallback["simulation_applies"] and "simulation_mismatches" not in fallback
    nlu_report.write_reports(report, tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "`FallbackClassifier`, not a TopicFallbackClassifier" in md
    assert "does not apply" in nlu_report.console_summary(report)
