"""The catalogue of topics and intents (bot/catalogue.yml), read and checked once.

Every list of topics or intents in the assistant comes from here: the routing tables, the topic
buttons, the phone's choices and prompts, the generated Rasa domain files and docs/intents.md
(see triage/generators/catalogue.py). The file's header says how to add a topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.text import join_words

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue.yml"
# Kinds whose intents a fiche answers (the others are answered by the dialogue).
FICHE_KINDS = frozenset({"answer", "handoff"})


class CatalogueError(ValueError):
    """The catalogue file is wrong; the message names the entry."""


@dataclass(frozen=True)
class Intent:
    name: str
    kind: str
    description: str  # what the citizen asks or says (English, for contributors)
    topic: str | None


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    heading: str
    written: str
    spoken: str
    hint: str
    digit: str
    keywords: tuple[str, ...]
    cases: Mapping[str, str]
    intents: tuple[Intent, ...]


@dataclass(frozen=True)
class Entity:
    name: str
    how: str


@dataclass(frozen=True)
class Catalogue:
    kinds: Mapping[str, str]
    topics: tuple[Topic, ...]
    general: tuple[Intent, ...]
    entities: tuple[Entity, ...]

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return tuple(topic.id for topic in self.topics)

    @property
    def intents(self) -> tuple[Intent, ...]:
        """Every intent: the topics' in order, then the general ones."""
        return (*(i for topic in self.topics for i in topic.intents), *self.general)

    def kind_of(self, intent: str) -> str | None:
        return next((i.kind for i in self.intents if i.name == intent), None)

    def fiche_intents(self) -> dict[str, str]:
        """Topic intents a fiche must answer -> their kind (answer or handoff)."""
        return {
            i.name: i.kind for topic in self.topics for i in topic.intents if i.kind in FICHE_KINDS
        }

    def generic_cases(self) -> dict[str, dict[str, str]]:
        """Generic complex case -> {topic: the topic's intent it becomes}."""
        return {
            generic.name: {topic.id: topic.cases[generic.name] for topic in self.topics}
            for generic in self.general
            if generic.kind == "handoff"
        }


def _text(raw: Mapping[str, Any], field: str, where: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: '{field}' must be a non-empty text")
    return value


def _intent(raw: Any, topic: str | None, kinds: Mapping[str, str], where: str) -> Intent:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: each intent is a mapping, got {raw!r}")
    name = _text(raw, "name", where)
    kind = _text(raw, "kind", f"{where} {name}")
    if kind not in kinds:
        raise CatalogueError(f"{where} {name}: unknown kind {kind!r}")
    if topic is not None and not name.startswith(topic + "_"):
        raise CatalogueError(f"{where} {name}: a topic's intents start with '{topic}_'")
    description = _text(raw, "asks" if topic else "says", f"{where} {name}")
    return Intent(name, kind, description, topic)


def _topic(raw: Any, kinds: Mapping[str, str]) -> Topic:
    if not isinstance(raw, dict):
        raise CatalogueError(f"topics: each topic is a mapping, got {raw!r}")
    topic_id = _text(raw, "id", "topics")
    where = f"topic {topic_id}"
    intents = tuple(_intent(i, topic_id, kinds, where) for i in raw.get("intents") or ())
    names = {i.name for i in intents}
    cases = dict(raw.get("cases") or {})
    for generic, target in cases.items():
        if target not in names:
            raise CatalogueError(f"{where}: case {generic} -> {target}, not an intent of the topic")
    return Topic(
        id=topic_id,
        label=_text(raw, "label", where),
        heading=_text(raw, "heading", where),
        written=_text(raw, "written", where),
        spoken=_text(raw, "spoken", where),
        hint=_text(raw, "hint", where),
        digit=str(raw.get("digit", "")),
        keywords=tuple(str(k) for k in raw.get("keywords") or ()),
        cases=cases,
        intents=intents,
    )


def _check(catalogue: Catalogue) -> None:
    names = [i.name for i in catalogue.intents]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CatalogueError(f"intents listed twice: {', '.join(twice)}")
    digits = [t.digit for t in catalogue.topics]
    if sorted(digits) != [str(n) for n in range(1, len(digits) + 1)]:
        raise CatalogueError(f"topic digits must be 1..{len(digits)}, got {digits}")
    generic = {i.name for i in catalogue.general if i.kind == "handoff"}
    for topic in catalogue.topics:
        if set(topic.cases) != generic:
            raise CatalogueError(f"topic {topic.id}: 'cases' must map {sorted(generic)}")


def parse_catalogue(document: Any) -> Catalogue:
    if not isinstance(document, dict):
        raise CatalogueError("the catalogue is a mapping with kinds, topics, general, entities")
    kinds = {str(k): str(v) for k, v in (document.get("kinds") or {}).items()}
    catalogue = Catalogue(
        kinds=kinds,
        topics=tuple(_topic(t, kinds) for t in document.get("topics") or ()),
        general=tuple(_intent(i, None, kinds, "general") for i in document.get("general") or ()),
        entities=tuple(
            Entity(_text(e, "name", "entities"), _text(e, "how", "entities"))
            for e in document.get("entities") or ()
        ),
    )
    _check(catalogue)
    return catalogue


def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    return parse_catalogue(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def get_catalogue() -> Catalogue:
    """The shipped catalogue (read once per process)."""
    return load_catalogue()


def topics_sentence(conjunction: str = "et") -> str:
    """The topics in a written sentence: "l'APA, le RSA, la carte Imagine R et les collèges"."""
    return join_words([topic.written for topic in get_catalogue().topics], conjunction)


def asr_prompt(place: str) -> str:
    """Words a caller is likely to say and a generic recogniser spells badly ("imagine à",
    "la pâte"): the topics, "conseiller" and the département's name."""
    return ", ".join([*(t.hint for t in get_catalogue().topics), "conseiller", place]) + "."
