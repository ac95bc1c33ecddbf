"""Generate nlu_data/fiche_questions.yml: every fiche's questions as training examples.

Each fiche's `questions` become examples of the fiche's first intent, so a new fiche is learnt by
the NLU as soon as it is written. Questions already present in another NLU file (folded: case,
accents, punctuation) are left out, so Rasa never sees one message twice. Run after editing a
fiche (a unit test fails when the generated file is out of date):
    python -m triage.generators.fiche_nlu
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from bot.text import fold
from triage import ROOT

TARGET = ROOT / "nlu_data" / "fiche_questions.yml"
FICHES = ROOT / "knowledge" / "fiches"
HEADER = (
    "# Generated from knowledge/fiches/*.yml by python -m triage.generators.fiche_nlu:"
    " do not edit by hand.\n"
    "# Each fiche's questions train the fiche's first intent.\n"
)


def other_examples(nlu_dir: Path, target: Path) -> set[str]:
    """Folded examples of every other NLU file (the generated one excluded)."""
    texts: set[str] = set()
    for path in sorted(nlu_dir.rglob("*.yml")):
        if path == target:
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.add(fold(_strip_entities(line[2:])))
    return texts


def _strip_entities(text: str) -> str:
    # "[Créteil](commune)" -> "Créteil": the annotation is not part of the message.
    out, i = [], 0
    while i < len(text):
        if text[i] == "[" and "](" in text[i:]:
            close = text.index("](", i)
            end = text.find(")", close)
            if end != -1:
                out.append(text[i + 1 : close])
                i = end + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def fiche_questions(fiches_dir: Path) -> list[tuple[str, list[str]]]:
    """(first intent, questions) for every fiche, in file order."""
    result = []
    for path in sorted(fiches_dir.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        result.append((raw["intents"][0], [str(q) for q in raw["questions"]]))
    return result


def render(fiches_dir: Path = FICHES, target: Path = TARGET) -> str:
    known = other_examples(target.parent, target)
    lines = [HEADER + 'version: "3.1"', "", "nlu:"]
    for intent, questions in fiche_questions(fiches_dir):
        fresh = []
        for question in questions:
            folded = fold(question)
            if folded not in known:
                known.add(folded)
                fresh.append(question)
        if fresh:
            lines += [f"  - intent: {intent}", "    examples: |"]
            lines += [f"      - {question}" for question in fresh]
    return "\n".join(lines) + "\n"


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
