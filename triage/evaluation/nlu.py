"""Evaluate the trained Rasa NLU model on the held-out test set (tests/nlu/heldout.yml).

Parses every held-out message with the trained model and writes reports/nlu/report.md and
reports/nlu/report.json: per-intent precision/recall/F1, topic accuracy, out-of-scope rejection,
false rejections, topic confusion matrix and the list of errors, checked against the targets.

Usage:
    python -m triage.evaluation.nlu --data tests/nlu/heldout.yml [--model PATH] [--check]

Exit code 0 unless --check is given and a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot import routing
from triage import ROOT

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


# ------------------------------------------------------------------ metrics (pure Python)


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


def group_confidence(ranking: Sequence[tuple[str, float]], intent: str) -> float:
    """Summed confidence of the group of `intent` over a ranking (nlu_fallback left out)."""
    return routing.group_scores(list(ranking)).get(routing.group_of(intent), 0.0)


def rejects(intent: str, confidence: float, threshold: float, general_threshold: float) -> bool:
    """Would the TopicFallbackClassifier reject this best intent with this group confidence?

    Its rule (nlu_components/topic_fallback.py): no intent at all is a rejection; a topic intent
    needs its topic's summed confidence to reach `threshold`; a general intent (out_of_scope
    included) needs its own confidence to reach `general_threshold`.
    """
    if not intent:
        return True
    limit = general_threshold if routing.topic_of(intent) is None else threshold
    return confidence < limit


def apply_fallback(
    preds: Iterable[Prediction], threshold: float, general_threshold: float
) -> list[Prediction]:
    """Predictions as a TopicFallbackClassifier with these settings would make them.

    A rejection predicts nlu_fallback with `threshold` as its confidence, as Rasa's
    FallbackClassifier.process (which the TopicFallbackClassifier inherits) does.
    """
    out = []
    for p in preds:
        intent, confidence = p.classifier_view()
        if rejects(intent, confidence, threshold, general_threshold):
            intent, confidence = FALLBACK, threshold
        else:
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


# ------------------------------------------------------------------ rendering


def render_markdown(report: dict[str, Any]) -> str:
    """Human-readable report (English, like every developer document)."""
    parts = [
        "# NLU evaluation on the held-out set",
        "",
        *_meta_lines(report["meta"]),
        "",
        "## Targets",
        "",
        "| metric | target | value | result |",
        "| --- | --- | --- | --- |",
        *[
            f"| {name} | ≥ {t['target']:.2f} | {t['value']:.4f} | {_verdict(t['passed'])} |"
            for name, t in report["targets"].items()
        ],
        "",
        "## Summary",
        "",
        "| figure | value |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in report["summary"].items()],
        "",
        "## Topic confusion (rows: true topic, columns: predicted topic)",
        "",
        *_confusion_lines(report["topic_confusion"]),
        "",
        "## Per intent (nlu_fallback merged into out_of_scope)",
        "",
        "| intent | precision | recall | F1 | support |",
        "| --- | --- | --- | --- | --- |",
        *[
            f"| {i} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} | {m['support']} |"
            for i, m in report["per_intent"].items()
        ],
        "",
        *_fallback_lines(report["fallback"]),
        "",
        f"## Errors ({len(report['errors'])}; topic errors first)",
        "",
        "Classifier's choice: the intent classifier's best intent and its confidence before the",
        "fallback classifier (shows what a rejected message would have been); group: the summed",
        "confidence of that intent's topic (a general intent alone), what the fallback judges.",
        "",
        "| text | expected | predicted | confidence | classifier's choice | group | topic error |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *[
            f"| {_cell(e['text'])} | {e['expected']} | {e['predicted']} | "
            f"{e['confidence']:.2f} | {e['top_intent'] or '-'} ({e['top_confidence']:.2f}) | "
            f"{e['group_confidence']:.2f} | {'yes' if e['topic_error'] else 'no'} |"
            for e in report["errors"]
        ],
        "",
    ]
    return "\n".join(parts)


def _fallback_lines(fallback: dict[str, Any]) -> list[str]:
    alone = fallback["classifier_alone"]
    lines = [
        "## Fallback (TopicFallbackClassifier rule)",
        "",
        f"- {simulation_note(fallback)}",
        "- rule: reject a topic intent when its topic's summed confidence is below `threshold`, "
        "a general intent (or out_of_scope) when its own confidence is below `general_threshold`.",
        f"- intent classifier alone, no fallback: topic accuracy {alone['topic_accuracy']:.4f}, "
        f"out-of-scope rejection {alone['oos_rejection_rate']:.4f}",
        "- sweep below: for diagnosis only; a threshold tuned on this set makes it less held-out.",
        "",
        "| threshold | general threshold | topic accuracy | OOS rejection | false rejection "
        "| intent accuracy |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {r['threshold']:.2f} | {r['general_threshold']:.2f} | {r['topic_accuracy']:.4f} "
        f"| {r['oos_rejection_rate']:.4f} | {r['false_rejection_rate']:.4f} "
        f"| {r['intent_accuracy']:.4f} |"
        for r in fallback["sweep"]
    ]
    return lines


def simulation_note(fallback: dict[str, Any]) -> str:
    """One sentence: which fallback the model uses and whether the simulation replays it."""
    component, settings = fallback["component"], fallback["settings"]
    if settings:
        return (
            f"model's fallback: `{component or SIMULATED}` with `{settings}`; the simulation "
            f"differs from the model on {fallback['simulation_mismatches']} messages"
        )
    if component:
        return (
            f"model's fallback: `{component}`, not a {SIMULATED}: the simulation (sweep and "
            "mismatch check) replays the topic rule and does not apply to this model"
        )
    return "the model has no fallback classifier: the simulation does not apply to it"


def _meta_lines(meta: dict[str, Any]) -> list[str]:
    return [f"- {key}: `{value}`" for key, value in meta.items()]


def _confusion_lines(matrix: dict[str, dict[str, int]]) -> list[str]:
    header = "| true \\ predicted | " + " | ".join(TOPIC_ORDER) + " |"
    sep = "| --- " * (len(TOPIC_ORDER) + 1) + "|"
    rows = [
        f"| {row} | " + " | ".join(str(matrix[row][col]) for col in TOPIC_ORDER) + " |"
        for row in TOPIC_ORDER
    ]
    return [header, sep, *rows]


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def console_summary(report: dict[str, Any]) -> str:
    """A few lines for stdout."""
    s = report["summary"]
    lines = [
        f"NLU held-out evaluation: {s['messages']} messages "
        f"({s['topic_messages']} on topic, {s['general_messages']} general, "
        f"{s['oos_messages']} out of scope)",
        f"  intent accuracy       {s['intent_accuracy']:.4f}  (macro F1 {s['macro_f1']:.4f})",
        f"  false rejection rate  {s['false_rejection_rate']:.4f}",
    ]
    for name, t in report["targets"].items():
        lines.append(
            f"  {name:<21} {t['value']:.4f}  target ≥ {t['target']:.2f}  {_verdict(t['passed'])}"
        )
    alone = report["fallback"]["classifier_alone"]
    lines.append(
        f"  without fallback      topic accuracy {alone['topic_accuracy']:.4f}, "
        f"OOS rejection {alone['oos_rejection_rate']:.4f}"
    )
    lines.append(f"  fallback: {simulation_note(report['fallback'])}")
    lines.append(f"  errors: {len(report['errors'])} (see reports/nlu/report.md)")
    return "\n".join(lines)


# ------------------------------------------------------------------ Rasa I/O


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file, read with Rasa's own loader."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def resolve_model(model: str | None, models_dir: Path) -> Path:
    """The given model, or the latest one in models_dir; exits with a message if none."""
    from rasa.model import get_latest_model

    if model:
        path = _from_root(model)
    else:
        latest = get_latest_model(str(models_dir)) if models_dir.exists() else None
        if not latest:
            sys.exit(f"No trained model in {models_dir}/: run `make model` first.")
        path = Path(latest)
    if not path.exists():
        sys.exit(f"Model not found: {path}")
    return path


def load_agent(model_path: Path) -> Any:
    """Load the trained model (NLU and, if present, dialogue) with Rasa's Agent."""
    from rasa.core.agent import Agent

    return Agent.load(str(model_path))


def fallback_node(schema: Any) -> Any:
    """The node of a predict graph schema that runs a FallbackClassifier (or subclass), if any."""
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    nodes = schema.nodes.values() if schema else ()
    return next((n for n in nodes if issubclass(n.uses, FallbackClassifier)), None)


def schema_fallback_settings(schema: Any) -> dict[str, float] | None:
    """threshold and general_threshold of the schema's TopicFallbackClassifier, if it has one."""
    from nlu_components.topic_fallback import GENERAL_THRESHOLD_KEY, TopicFallbackClassifier

    node = fallback_node(schema)
    if node is None or not issubclass(node.uses, TopicFallbackClassifier):
        return None
    config = {**node.uses.get_default_config(), **node.config}
    return {k: float(config[k]) for k in ("threshold", GENERAL_THRESHOLD_KEY)}


def _predict_schema(agent: Any) -> Any:
    metadata = getattr(agent.processor, "model_metadata", None)
    return metadata.predict_schema if metadata else None


def fallback_settings(agent: Any) -> dict[str, float] | None:
    """Settings of the model's TopicFallbackClassifier; None for any other fallback, or none."""
    return schema_fallback_settings(_predict_schema(agent))


def fallback_component(agent: Any) -> str | None:
    """Class name of the model's fallback classifier, if it has one."""
    node = fallback_node(_predict_schema(agent))
    return node.uses.__name__ if node else None


async def _parse_all(agent: Any, texts: Sequence[str]) -> list[dict[str, Any]]:
    return [await agent.parse_message(text) for text in texts]


def prediction_of(text: str, expected: str, result: dict[str, Any]) -> Prediction:
    """A Prediction from a Rasa parse result.

    The classifier's own ranking is the parse's ranking without nlu_fallback (which the fallback
    classifier puts first when it rejects): the ranking the TopicFallbackClassifier judged.
    """
    intent = result.get("intent") or {}
    ranking = [
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in result.get("intent_ranking") or []
        if r.get("name") != FALLBACK
    ]
    if not ranking and intent.get("name") and intent.get("name") != FALLBACK:
        # Like the component: no ranking, the intent alone is the ranking.
        ranking = [(intent["name"], float(intent.get("confidence") or 0.0))]
    top_intent, top_confidence = ranking[0] if ranking else ("", 0.0)
    return Prediction(
        text=text,
        expected=expected,
        predicted=intent.get("name") or "",
        confidence=float(intent.get("confidence") or 0.0),
        top_intent=top_intent,
        top_confidence=top_confidence,
        group_confidence=group_confidence(ranking, top_intent) if top_intent else 0.0,
    )


def predict(agent: Any, examples: Sequence[tuple[str, str]]) -> list[Prediction]:
    """Parse every message with the agent (one event loop for the whole set)."""
    parsed = asyncio.run(_parse_all(agent, [text for text, _ in examples]))
    return [
        prediction_of(text, expected, result)
        for (text, expected), result in zip(examples, parsed, strict=True)
    ]


def quiet_rasa() -> None:
    """Rasa and TensorFlow are chatty; the report is what matters."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    # Rasa logs every parse through structlog, whose default prints debug events to stdout.
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)
    for name in ("rasa", "tensorflow", "absl", "sanic", "py.warnings"):
        logging.getLogger(name).setLevel(logging.ERROR)


# ------------------------------------------------------------------ main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="tests/nlu/heldout.yml", help="held-out NLU YAML")
    parser.add_argument("--model", help="model archive (default: latest in --models-dir)")
    parser.add_argument("--models-dir", default="models", help="where trained models are")
    parser.add_argument("--out", default="reports/nlu", help="report directory")
    parser.add_argument(
        "--check", action="store_true", help="exit non-zero when a target is missed"
    )
    return parser.parse_args(argv)


def write_reports(report: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")


def evaluate(agent: Any, data_path: Path, model_path: Path) -> dict[str, Any]:
    """Parse every message of data_path with a loaded agent and build the report."""
    preds = predict(agent, load_examples(data_path))
    meta = {
        "model": str(model_path),
        "data": str(data_path),
        "evaluated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rasa_version": _rasa_version(),
    }
    return build_report(preds, meta, fallback_settings(agent), fallback_component(agent))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_rasa()
    model_path = resolve_model(args.model, _from_root(args.models_dir))
    report = evaluate(load_agent(model_path), _from_root(args.data), model_path)
    write_reports(report, _from_root(args.out))
    print(console_summary(report))
    missed = [name for name, t in report["targets"].items() if not t["passed"]]
    return 1 if args.check and missed else 0


def _from_root(path: str) -> Path:
    """Absolute or existing paths as given; other relative paths from the project root."""
    p = Path(path)
    return p.resolve() if p.is_absolute() or p.exists() else ROOT / p


def _rasa_version() -> str:
    import rasa

    return str(rasa.__version__)


if __name__ == "__main__":
    sys.exit(main())
