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
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.rejection import group_confidence
from triage import ROOT
from triage.evaluation.nlu.metrics import FALLBACK, Prediction, build_report
from triage.evaluation.nlu.report import console_summary, write_reports


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
        group_confidence=group_confidence(ranking, top_intent, text) if top_intent else 0.0,
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
