"""The NLU evaluation's report: Markdown and JSON files, and a few lines for the console."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from triage.evaluation.nlu.metrics import SIMULATED, TOPIC_ORDER


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


def write_reports(report: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
