"""Ask the factual question set (tests/facts/questions.yml) to the running assistant and score it.

Each question is asked in a new conversation on the REST channel; it passes when the assistant's
reply contains every expected text (compared without case, accents or punctuation). Writes
reports/facts/report.md and report.json.

Usage:
    python -m triage.evaluation.facts [--rasa-url URL] [--min-score 0.95]
Without --rasa-url, the assistant is started on free ports (triage/stack.py) with the model of the
current data, and stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from bot.text import fold
from triage import ROOT

QUESTIONS = ROOT / "tests" / "facts" / "questions.yml"
TARGET = 0.95


@dataclass(frozen=True)
class Result:
    question: str
    expect: list[str]
    passed: bool
    reply: str


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def ask(rasa_url: str, text: str) -> str:
    body = json.dumps({"sender": f"facts-{uuid.uuid4().hex[:12]}", "message": text}).encode()
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        messages = json.loads(response.read())
    return "\n".join(m.get("text") or "" for m in messages)


def contains_all(reply: str, expected: list[str]) -> bool:
    folded = f" {fold(reply)} "
    return all(f" {fold(e)}" in folded for e in expected)


def run(rasa_url: str, questions: list[dict] | None = None) -> list[Result]:
    results = []
    for item in questions if questions is not None else load_questions():
        reply = ask(rasa_url, item["q"])
        passed = contains_all(reply, item["expect"])
        results.append(Result(item["q"], item["expect"], passed, reply))
    return results


def score(results: list[Result]) -> float:
    return sum(r.passed for r in results) / len(results) if results else 0.0


def write_report(results: list[Result], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(
        json.dumps(
            {"score": score(results), "results": [asdict(r) for r in results]},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    lines = [
        "# Factual questions",
        "",
        f"score: {score(results):.3f} ({sum(r.passed for r in results)}/{len(results)}), "
        f"target {TARGET}",
        "",
        "## Failures",
        "",
    ]
    for r in results:
        if not r.passed:
            first = r.reply.strip().splitlines()[0] if r.reply.strip() else "(no reply)"
            lines.append(f"- {r.question!r}: expected {r.expect}; got {first[:160]!r}")
    (out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", help="a running assistant (default: start one)")
    parser.add_argument("--out", default=str(ROOT / "reports" / "facts"))
    parser.add_argument("--min-score", type=float, help="exit 1 below this score")
    parser.add_argument("--model", help="model archive (default: the one of the current data)")
    args = parser.parse_args(argv)
    if args.rasa_url:
        results = run(args.rasa_url)
    else:
        from triage.stack import Stack
        from triage.train import model_path

        with tempfile.TemporaryDirectory() as var_dir:
            model = Path(args.model) if args.model else model_path()
            stack = Stack.isolated(model, Path(var_dir))
            stack.start()
            try:
                results = run(stack.rasa_url)
            finally:
                stack.stop()
    write_report(results, Path(args.out))
    print(
        f"facts: {score(results):.3f} ({sum(r.passed for r in results)}/{len(results)} questions "
        f"answered with the expected fact) → {Path(args.out) / 'report.md'}"
    )
    if args.min_score is not None and score(results) < args.min_score:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
