"""Generate the per-topic domain files and one dialogue rule per topic intent from docs/intents.md.

docs/intents.md is the single list of intents; run this after editing it (a unit test fails when
the generated files are out of date):  python -m triage.generators.topic_rules
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.routing import TOPIC_LABELS, TOPICS, topic_of
from triage import ROOT

ROW = re.compile(r"^\| (\w+) \| (answer|handoff|general) \|", re.M)
ACTION_FOR_KIND = {"answer": "action_answer", "handoff": "action_start_handoff"}


def read_catalogue(path: Path = ROOT / "docs" / "intents.md") -> list[tuple[str, str]]:
    return ROW.findall(path.read_text(encoding="utf-8"))


def render_domain(topic: str, intents: list[str]) -> str:
    lines = [
        f"# {TOPIC_LABELS[topic]}: the intents of this topic (generated from docs/intents.md).",
        "# Answers come from knowledge/fiches/, not from responses here.",
        'version: "3.1"',
        "",
        "intents:",
        *(f"  - {intent}" for intent in intents),
    ]
    return "\n".join(lines) + "\n"


def render_rules(catalogue: list[tuple[str, str]]) -> str:
    lines = [
        "# One rule per topic intent (generated from docs/intents.md by",
        "# python -m triage.generators.topic_rules): simple questions are answered from their",
        "# fiche, complex cases start the callback form.",
        'version: "3.1"',
        "",
        "rules:",
    ]
    for intent, kind in catalogue:
        if topic_of(intent):
            lines += [
                f"  - rule: {intent}",
                "    steps:",
                f"      - intent: {intent}",
                f"      - action: {ACTION_FOR_KIND[kind]}",
            ]
            if kind == "handoff":
                lines += ["      - action: callback_form", "      - active_loop: callback_form"]
    return "\n".join(lines) + "\n"


def generated_files() -> dict[Path, str]:
    catalogue = read_catalogue()
    files = {ROOT / "bot" / "data" / "rules_topics.yml": render_rules(catalogue)}
    for topic in TOPICS:
        intents = [intent for intent, _ in catalogue if topic_of(intent) == topic]
        files[ROOT / "bot" / "domain" / f"{topic}.yml"] = render_domain(topic, intents)
    return files


def main() -> None:
    for path, text in generated_files().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
