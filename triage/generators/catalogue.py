"""The files generated from the catalogue of topics and intents (bot/catalogue.yml).

    python -m triage.generators.catalogue            write them
    python -m triage.generators.catalogue --check    exit 1 and name the stale ones (also a test)

Written: the per-topic Rasa domain files, one dialogue rule per topic intent, docs/intents.md and
the chat widget's topic sentence. Checked only: the intents of the other domain files (general,
facts, emergency…), which hold responses and slots besides, must be the catalogue's.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.catalogue import Catalogue, Topic, get_catalogue
from bot.text import join_words
from triage import ROOT

DOMAIN_DIR = ROOT / "bot" / "domain"
RULES_FILE = ROOT / "bot" / "data" / "rules_topics.yml"
INTENTS_DOC = ROOT / "docs" / "intents.md"
WIDGET = ROOT / "web" / "widget" / "chat-widget.js"
ACTION_FOR_KIND = {"answer": "action_answer", "handoff": "action_start_handoff"}
# Intents Rasa itself predicts, listed in the domain but never in the catalogue.
RASA_INTENTS = frozenset({"nlu_fallback"})

# The comments of the generated Rasa files are kept word for word from before the catalogue: the
# model's name is a hash of these files' bytes (triage/train.py), so rewording them would force
# a retraining. Update them with the next change that needs one.
_DOMAIN_HEADER = (
    "# {label}: the intents of this topic (generated from bot/catalogue.yml).\n"
    "# Answers come from knowledge/fiches/, not from responses here.\n"
)
_RULES_HEADER = (
    "# One rule per topic intent (generated from bot/catalogue.yml by\n"
    "# python -m triage.generators.catalogue): simple questions are answered from their\n"
    "# fiche, complex cases start the callback form.\n"
)
_DOC_INTRO = (
    "The contract between the NLU data (`nlu_data/`), the held-out test set (`tests/nlu/`),",
    "the knowledge base (`knowledge/fiches/`, each fiche lists the intents it answers) and the",
    "dialogue (`bot/`).",
)
_WIDGET_SENTENCE = re.compile(r'(const TOPICS_SENTENCE = )"[^"\n]*";')


def render_domain(topic: Topic) -> str:
    lines = ['version: "3.1"', "", "intents:", *(f"  - {i.name}" for i in topic.intents)]
    return _DOMAIN_HEADER.format(label=topic.label) + "\n".join(lines) + "\n"


def render_rules(catalogue: Catalogue) -> str:
    lines = ['version: "3.1"', "", "rules:"]
    for topic in catalogue.topics:
        for intent in topic.intents:
            lines += [
                f"  - rule: {intent.name}",
                "    steps:",
                f"      - intent: {intent.name}",
                f"      - action: {ACTION_FOR_KIND[intent.kind]}",
            ]
            if intent.kind == "handoff":
                lines += ["      - action: callback_form", "      - active_loop: callback_form"]
    return _RULES_HEADER + "\n".join(lines) + "\n"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        f"| {' | '.join(header)} |",
        f"| {' | '.join('---' for _ in header)} |",
        *(f"| {' | '.join(row)} |" for row in rows),
    ]


def render_intents_doc(catalogue: Catalogue) -> str:
    prefixes = ", ".join(f"`{topic.id}_`" for topic in catalogue.topics)
    lines = [
        "# Intent catalogue",
        "",
        "<!-- Generated from bot/catalogue.yml by `python -m triage.generators.catalogue`:",
        "edit the catalogue, not this file. -->",
        "",
        *_DOC_INTRO,
        f"An intent's topic is its prefix: {prefixes}; general intents have none.",
        "",
        "**Kinds** —",
        *(f"- `{kind}`: {text}" for kind, text in catalogue.kinds.items()),
    ]
    for topic in catalogue.topics:
        lines += ["", f"## {topic.heading}"]
        rows = [(i.name, i.kind, i.description) for i in topic.intents]
        lines += _table(("intent", "kind", "what the citizen asks"), rows)
    lines += ["", "## General (no topic)"]
    rows = [(i.name, i.kind, i.description) for i in catalogue.general]
    lines += _table(("intent", "kind", "what the citizen says"), rows)
    lines += ["", "## Entities"]
    lines += _table(("entity", "how"), [(e.name, e.how) for e in catalogue.entities])
    return "\n".join(lines) + "\n"


def widget_sentence(catalogue: Catalogue) -> str:
    """The topics for the widget's notice, with the typographic apostrophes of its French text:
    "l’APA, le RSA, la carte Imagine R et les collèges"."""
    return join_words([topic.written for topic in catalogue.topics], "et").replace("'", "’")


def render_widget(current: str, catalogue: Catalogue) -> str:
    if not _WIDGET_SENTENCE.search(current):
        raise ValueError(f'{WIDGET}: no `const TOPICS_SENTENCE = "…";` line to fill')
    sentence = widget_sentence(catalogue).replace("\\", "\\\\").replace('"', '\\"')
    return _WIDGET_SENTENCE.sub(lambda m: f'{m.group(1)}"{sentence}";', current, count=1)


def generated_files(catalogue: Catalogue | None = None) -> dict[Path, str]:
    """Path -> the content the catalogue gives it."""
    catalogue = catalogue or get_catalogue()
    files = {RULES_FILE: render_rules(catalogue)}
    for topic in catalogue.topics:
        files[DOMAIN_DIR / f"{topic.id}.yml"] = render_domain(topic)
    files[INTENTS_DOC] = render_intents_doc(catalogue)
    files[WIDGET] = render_widget(WIDGET.read_text(encoding="utf-8"), catalogue)
    return files


def domain_intents(domain_dir: Path = DOMAIN_DIR) -> set[str]:
    """Every intent the Rasa domain files declare."""
    intents: set[str] = set()
    for path in sorted(domain_dir.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        intents.update(str(i) for i in document.get("intents") or ())
    return intents


def domain_mismatch(catalogue: Catalogue | None = None) -> list[str]:
    """Why the domain's intents differ from the catalogue's (empty when they agree)."""
    catalogue = catalogue or get_catalogue()
    expected = {i.name for i in catalogue.intents} | RASA_INTENTS
    declared = domain_intents()
    problems = []
    if missing := sorted(expected - declared):
        problems.append(f"intents of the catalogue missing from bot/domain/: {', '.join(missing)}")
    if extra := sorted(declared - expected):
        problems.append(f"intents of bot/domain/ not in bot/catalogue.yml: {', '.join(extra)}")
    return problems


def stale_files() -> list[Path]:
    return [
        path
        for path, text in generated_files().items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m triage.generators.catalogue", description=__doc__
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when stale")
    args = parser.parse_args(argv)
    if args.check:
        problems = [f"{p.relative_to(ROOT)} is stale" for p in stale_files()]
        problems += domain_mismatch()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python -m triage.generators.catalogue", file=sys.stderr)
        return 1 if problems else 0
    for path, text in generated_files().items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for problem in domain_mismatch():
        print(problem, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
