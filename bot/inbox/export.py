"""`triage nlu export`: qualified inbox messages as Rasa NLU training data, for git review.

Each export writes a NEW file under nlu_data/reviewed/ (never overwriting one): the officers'
qualifications reach the model only through a reviewed commit and `make train`. Mask labels
are taken out of the examples (a training sentence holds no placeholder); an example already
in the training data, or too short once unmasked, is left out but counted as handled.
Plain YAML and the knowledge base only: no Rasa import (the core stays Rasa-free).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from bot.inbox.masking import EMAIL, NAME, NUMBER, PHONE
from bot.inbox.models import InboxItem
from bot.inbox.store import InboxStore
from bot.tickets.models import utcnow
from bot.validators import fold

REVIEWED_DIR = "reviewed"
OUT_OF_SCOPE = "out_of_scope"
MIN_WORDS = 2
_MARKUP = str.maketrans({c: " " for c in "[]{}()"})
_MASKS = re.compile("|".join(re.escape(m) for m in (PHONE, EMAIL, NUMBER, NAME)))


@dataclass(frozen=True)
class ExportResult:
    path: Path | None  # None: nothing new to write
    examples: int  # written
    handled: int  # qualified messages this export took care of (written or left out)


def training_example(masked: str) -> str | None:
    """The sentence without mask labels, or None when too little of it is left."""
    # Brackets and braces would read as Rasa's entity markup.
    text = _MASKS.sub(" ", masked).translate(_MARKUP)
    text = re.sub(r"\s+([,;.!?])", r"\1", " ".join(text.split())).strip(" ,;")
    return text if len(text.split()) >= MIN_WORDS else None


def known_examples(nlu_dir: Path) -> set[str]:
    """The folded examples already in the NLU data (any intent): not written twice."""
    known: set[str] = set()
    for file in nlu_dir.rglob("*.yml"):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    known.add(fold(line.strip()[2:]))
    return known


def intent_of(item: InboxItem, fiche_intent: Callable[[str], str | None]) -> str | None:
    if item.kind == "intent":
        return item.target
    if item.kind == "fiche":
        return fiche_intent(item.target or "")
    if item.kind == "hors_sujet":
        return OUT_OF_SCOPE
    return None


def render(examples: dict[str, list[str]], when: datetime) -> str:
    """Rasa 3 NLU YAML, one block per intent, with a header saying where it comes from."""
    lines = [
        'version: "3.1"',
        "",
        "# Qualified by the information team in the console's inbox;"
        f" exported {when:%Y-%m-%d %H:%M} UTC.",
        "# Review before merging: each example must really mean its intent.",
        "",
        "nlu:",
    ]
    for intent in sorted(examples):
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {example}" for example in examples[intent]]
    return "\n".join(lines) + "\n"


def _new_file(folder: Path, when: datetime, text: str) -> Path:
    """Create the export file exclusively: an existing file is never touched."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"inbox_{when:%Y%m%d_%H%M%S}"
    for n in range(1, 100):
        path = folder / (f"{stem}.yml" if n == 1 else f"{stem}_{n}.yml")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        return path
    raise FileExistsError(f"no free export file name for {stem} in {folder}")


def _select(
    items: Iterable[InboxItem], fiche_intent: Callable[[str], str | None], known: set[str]
) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for item in items:
        intent, example = intent_of(item, fiche_intent), training_example(item.text)
        if not intent or not example or fold(example) in known:
            continue
        known.add(fold(example))
        examples.setdefault(intent, []).append(example.replace("\n", " "))
    return examples


def export_qualified(
    store: InboxStore, nlu_dir: Path, fiche_intent: Callable[[str], str | None], by: str | None
) -> ExportResult:
    """Write the messages qualified since the last export; record the export in the DB."""
    items = store.to_export()
    if not items:
        return ExportResult(None, 0, 0)
    examples = _select(items, fiche_intent, known_examples(nlu_dir))
    when = utcnow()
    path = None
    if examples:
        path = _new_file(nlu_dir / REVIEWED_DIR, when, render(examples, when))
    shown = str(path.relative_to(nlu_dir.parent)) if path else "(aucun nouvel exemple)"
    store.mark_exported([item.id for item in items], shown, by)
    return ExportResult(path, sum(len(v) for v in examples.values()), len(items))
