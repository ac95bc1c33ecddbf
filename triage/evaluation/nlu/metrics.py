"""The NLU evaluation's figures, in pure Python: no model, no Rasa.

Per-intent precision/recall/F1, topic accuracy, out-of-scope rejection, false rejections, the topic
confusion matrix, the errors, and the fallback sweep, which replays the rejection rule of the
model's TopicFallbackClassifier (bot/rejection.py, the same code) on the recorded rankings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bot import routing
from bot.rejection import RejectionRule, named_case

TOPICS: tuple[str, ...] = routing.TOPICS
GENERAL = "general"
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
TOPIC_ORDER: tuple[str, ...] = (*TOPICS, GENERAL, OUT_OF_SCOPE)
# A prediction of these intents means "the assistant declined the message".
REJECTIONS = frozenset({OUT_OF_SCOPE, FALLBACK})

TARGETS: dict[str, float] = {"topic_accuracy": 0.95, "oos_rejection_rate": 0.90}


@dataclass(frozen=True)
class Prediction:
    """One held-out message and what the model made of it.

    top_intent / top_confidence / group_confidence describe the intent classifier's own ranking,
    before the fallback classifier: its best intent, that intent's confidence, and the summed
    confidence of that intent's group (its topic; a general intent or out_of_scope alone), which
    is what the TopicFallbackClassifier compares with its thresholds.
    """

    text: str
    expected: str
    predicted: str
    confidence: float
    top_intent: str = ""
    top_confidence: float = 0.0
    group_confidence: float = 0.0

    def classifier_view(self) -> tuple[str, float]:
        """(best intent, its group's confidence) of the classifier.

        When the classifier's view was not recorded, the prediction stands for it, alone in its
        group.
        """
        if self.top_intent:
            return self.top_intent, self.group_confidence
        return self.predicted, self.confidence


def topic_of(intent: str | None) -> str:
    """Topic of an intent: its prefix, "general", or "out_of_scope" (also for nlu_fallback)."""
    if not intent or intent in REJECTIONS:
        return OUT_OF_SCOPE
    return routing.topic_of(intent) or GENERAL


def effective_intent(intent: str) -> str:
    """Intent used for intent-level metrics: a fallback is a rejection, i.e. out_of_scope."""
    return OUT_OF_SCOPE if intent in REJECTIONS else intent


def per_intent_metrics(preds: Sequence[Prediction]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support for every intent expected or predicted."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    support: Counter[str] = Counter()
    for p in preds:
        exp, got = effective_intent(p.expected), effective_intent(p.predicted)
        support[exp] += 1
        if exp == got:
            tp[exp] += 1
        else:
            fp[got] += 1
            fn[exp] += 1
    result: dict[str, dict[str, float]] = {}
    for intent in sorted(set(support) | set(fp)):
        precision = _ratio(tp[intent], tp[intent] + fp[intent])
        recall = _ratio(tp[intent], tp[intent] + fn[intent])
        f1 = _ratio(2 * precision * recall, precision + recall)
        result[intent] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support[intent],
        }
    return result


def topic_confusion(preds: Iterable[Prediction]) -> dict[str, dict[str, int]]:
    """Rows: true topic; columns: predicted topic (nlu_fallback counts as out_of_scope)."""
    matrix = {row: dict.fromkeys(TOPIC_ORDER, 0) for row in TOPIC_ORDER}
    for p in preds:
        matrix[topic_of(p.expected)][topic_of(p.predicted)] += 1
    return matrix


def summary_metrics(preds: Sequence[Prediction]) -> dict[str, Any]:
    """Headline figures: topic accuracy, rejections, intent accuracy, F1 averages."""
    on_topic = [p for p in preds if topic_of(p.expected) in TOPICS]
    oos = [p for p in preds if p.expected == OUT_OF_SCOPE]
    general = [p for p in preds if topic_of(p.expected) == GENERAL]
    intents = per_intent_metrics(preds)
    expected_intents = [m for m in intents.values() if m["support"]]
    total_support = sum(m["support"] for m in expected_intents)
    return {
        "messages": len(preds),
        "topic_messages": len(on_topic),
        "general_messages": len(general),
        "oos_messages": len(oos),
        "topic_accuracy": _ratio(
            sum(topic_of(p.predicted) == topic_of(p.expected) for p in on_topic), len(on_topic)
        ),
        "oos_rejection_rate": _ratio(sum(p.predicted in REJECTIONS for p in oos), len(oos)),
        "false_rejection_rate": _ratio(
            sum(p.predicted in REJECTIONS for p in on_topic), len(on_topic)
        ),
        "general_false_rejection_rate": _ratio(
            sum(p.predicted in REJECTIONS for p in general), len(general)
        ),
        "general_accuracy": _ratio(
            sum(effective_intent(p.predicted) == p.expected for p in general), len(general)
        ),
        "intent_accuracy": _ratio(
            sum(effective_intent(p.predicted) == effective_intent(p.expected) for p in preds),
            len(preds),
        ),
        "macro_f1": _ratio(sum(m["f1"] for m in expected_intents), len(expected_intents)),
        "weighted_f1": _ratio(sum(m["f1"] * m["support"] for m in expected_intents), total_support),
        "fallback_predictions": sum(p.predicted == FALLBACK for p in preds),
    }


# ------------------------------------------------------------------ fallback threshold

SWEEP_THRESHOLDS: tuple[float, ...] = (0.0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8)
SWEEP_GENERAL_THRESHOLDS: tuple[float, ...] = (0.0, 0.3, 0.4, 0.5)
SIMULATED = "TopicFallbackClassifier"


def apply_fallback(
    preds: Iterable[Prediction], threshold: float, general_threshold: float
) -> list[Prediction]:
    """Predictions as a TopicFallbackClassifier with these settings would make them (a generic
    case kept becomes the case of the topic the message names, bot.rejection.named_case).

    A rejection predicts nlu_fallback with `threshold` as its confidence, as Rasa's
    FallbackClassifier.process (which the TopicFallbackClassifier inherits) does.
    """
    rule = RejectionRule(threshold, general_threshold)
    out = []
    for p in preds:
        intent, confidence = p.classifier_view()
        if rule.rejects(intent, confidence, p.text):
            intent, confidence = FALLBACK, threshold
        else:
            intent = named_case(intent, p.text) or intent
            confidence = p.top_confidence if p.top_intent else p.confidence
        out.append(
            Prediction(
                p.text,
                p.expected,
                intent,
                confidence,
                p.top_intent,
                p.top_confidence,
                p.group_confidence,
            )
        )
    return out


def fallback_analysis(
    preds: Sequence[Prediction],
    settings: dict[str, float] | None,
    component: str | None = None,
) -> dict[str, Any]:
    """The classifier alone, a sweep of fallback settings, and a check of the simulation.

    `component` names the model's fallback classifier; `settings` are given only when it is a
    TopicFallbackClassifier, the rule simulated here: then the simulation is checked against the
    model's own predictions.
    """
    sweep = []
    for threshold in SWEEP_THRESHOLDS:
        for general in SWEEP_GENERAL_THRESHOLDS:
            s = summary_metrics(apply_fallback(preds, threshold, general))
            sweep.append({"threshold": threshold, "general_threshold": general, **_key(s)})
    result: dict[str, Any] = {
        "simulated_rule": SIMULATED,
        "component": component,
        "settings": settings,
        "simulation_applies": settings is not None,
        "classifier_alone": _key(summary_metrics(apply_fallback(preds, 0.0, 0.0))),
        "sweep": sweep,
    }
    if settings:
        simulated = apply_fallback(preds, settings["threshold"], settings["general_threshold"])
        # Zero means the sweep is faithful to what the deployed model does.
        result["simulation_mismatches"] = sum(
            a.predicted != b.predicted for a, b in zip(simulated, preds, strict=True)
        )
    return result


def _key(summary: dict[str, Any]) -> dict[str, float]:
    names = ("topic_accuracy", "oos_rejection_rate", "false_rejection_rate", "intent_accuracy")
    return {name: summary[name] for name in names}


def check_targets(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with the measured value and whether it passes."""
    return {
        name: {"target": target, "value": summary[name], "passed": summary[name] >= target}
        for name, target in TARGETS.items()
    }


def errors_of(preds: Iterable[Prediction]) -> list[dict[str, Any]]:
    """Misclassified messages, topic errors first, then by expected intent."""
    rows = [
        {
            **_rounded(p),
            "expected_topic": topic_of(p.expected),
            "predicted_topic": topic_of(p.predicted),
            "topic_error": topic_of(p.expected) != topic_of(p.predicted),
        }
        for p in preds
        if effective_intent(p.predicted) != effective_intent(p.expected)
    ]
    rows.sort(key=lambda r: (not r["topic_error"], r["expected"], -r["confidence"]))
    return rows


def build_report(
    preds: Sequence[Prediction],
    meta: dict[str, Any],
    fallback_settings: dict[str, float] | None = None,
    fallback_component: str | None = None,
) -> dict[str, Any]:
    """The whole report as a JSON-ready dictionary."""
    summary = summary_metrics(preds)
    return {
        "meta": meta,
        "summary": summary,
        "targets": check_targets(summary),
        "per_intent": per_intent_metrics(preds),
        "topic_confusion": topic_confusion(preds),
        "fallback": fallback_analysis(preds, fallback_settings, fallback_component),
        "errors": errors_of(preds),
        "predictions": [_rounded(p) for p in preds],
    }


def _ratio(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0


def _rounded(p: Prediction) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(p).items()}
