"""Out-of-scope orientation: who handles what outside the four topics (knowledge/orientation.yml).

When a citizen asks about something the assistant does not handle (passport, taxes, housing…),
`orient(text)` picks the entry whose keywords best match the text and returns who to contact.
Matching ignores accents, case and punctuation; emergency entries (3114, 119, 3919, 17/112, 115…)
win ties, and a generic entry answers when nothing matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml

from bot.knowledge import (
    KnowledgeBaseError,
    Link,
    is_http_url,
    placeholder_values,
    substitute,
)
from bot.settings import Settings, get_settings
from bot.text import fold

ORIENTATION_FILE = "orientation.yml"
ENTRY_KEYS = {"id", "keywords", "title", "answer", "links", "emergency"}
GENERIC_KEYS = {"id", "title", "answer", "links"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TOKEN = re.compile(r"[^\s'’\-]+")


class OrientationError(ValueError):
    """orientation.yml is missing or wrong; the message names the file and the field."""


@dataclass(frozen=True)
class Keyword:
    """One keyword: all its parts must appear; it scores one point per word."""

    text: str
    parts: tuple[re.Pattern[str], ...]
    weight: int


@dataclass(frozen=True)
class Orientation:
    id: str
    title: str
    answer: str
    links: tuple[Link, ...] = ()
    emergency: bool = False
    generic: bool = False
    score: int = 0
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrientationEntry:
    id: str
    title: str
    answer: str
    links: tuple[Link, ...]
    emergency: bool
    keywords: tuple[Keyword, ...] = field(default=())

    def match(self, text: str) -> tuple[int, tuple[str, ...]]:
        """Score and matched keywords for an already normalized text."""
        score, matched = 0, []
        covered: list[tuple[int, int]] = []
        for keyword in sorted(self.keywords, key=lambda k: -k.weight):
            spans = [part.search(text) for part in keyword.parts]
            if not all(spans):
                continue
            if len(spans) == 1:
                start, end = spans[0].span()  # type: ignore[union-attr]
                # "danger" inside an already counted "en danger" says nothing new.
                if any(s <= start and end <= e for s, e in covered):
                    continue
                covered.append((start, end))
            score += keyword.weight
            matched.append(keyword.text)
        return score, tuple(matched)


def compile_keyword(text: str) -> Keyword | None:
    """'enfant & maltrait*' -> patterns; None when the keyword holds no word."""
    parts, weight = [], 0
    for raw_part in text.split("&"):
        words = []
        for token in _TOKEN.findall(raw_part):
            stem = token.endswith("*")
            for word in fold(token.rstrip("*")).split():
                words.append((word, stem))
        if not words:
            return None
        # The star applies to the last word of its token; other words match whole (or plural).
        pattern = " ".join(
            re.escape(word) + (r"[a-z0-9]*" if stem else r"(?:s|x|es)?") for word, stem in words
        )
        parts.append(re.compile(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])"))
        weight += len(words)
    return Keyword(text, tuple(parts), weight)


class _Reader:
    def __init__(self, path: Path, settings: Settings) -> None:
        self.path = path
        self.values = placeholder_values(settings)

    def fail(self, where: str, message: str) -> OrientationError:
        return OrientationError(f"{self.path}: {where}: {message}")

    def text(self, where: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"must be a non-empty text, got {value!r}")
        try:
            return substitute(" ".join(value.split()), self.values, f"{self.path}: {where}")
        except KnowledgeBaseError as exc:
            raise OrientationError(str(exc)) from None

    def links(self, where: str, value: Any) -> tuple[Link, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(where, "must be a list of {label, url}")
        links = []
        for i, item in enumerate(value):
            here = f"{where}[{i}]"
            if not isinstance(item, dict) or set(item) != {"label", "url"}:
                raise self.fail(here, "must have exactly a label and a url")
            url = self.text(f"{here}.url", item["url"])
            if not is_http_url(url):
                raise self.fail(f"{here}.url", f"'{url}' is not an http(s) address")
            links.append(Link(self.text(f"{here}.label", item["label"]), url))
        return tuple(links)

    def keywords(self, where: str, value: Any) -> tuple[Keyword, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "must be a non-empty list of words or phrases")
        keywords, seen = [], set()
        for i, item in enumerate(value):
            if not isinstance(item, (str, int)) or isinstance(item, bool):
                raise self.fail(f"{where}[{i}]", f"must be a word or phrase, got {item!r}")
            keyword = compile_keyword(str(item))
            if keyword is None:
                raise self.fail(f"{where}[{i}]", f"{item!r} holds no word")
            key = tuple(p.pattern for p in keyword.parts)
            if key in seen:
                raise self.fail(f"{where}[{i}]", f"{item!r} is listed twice")
            seen.add(key)
            keywords.append(keyword)
        return tuple(keywords)

    def entry(self, where: str, raw: Any, *, generic: bool = False) -> OrientationEntry:
        allowed = GENERIC_KEYS if generic else ENTRY_KEYS
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a mapping of fields")
        required = allowed - {"links", "emergency"}
        missing = sorted(required - set(raw))
        if missing:
            raise self.fail(where, f"field '{missing[0]}' is required")
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise self.fail(where, f"field '{unknown[0]}' is not allowed here")
        entry_id = raw["id"]
        if not isinstance(entry_id, str) or not _ID.match(entry_id):
            raise self.fail(
                f"{where}.id", f"must be lower case letters, digits and _, got {entry_id!r}"
            )
        where = f"{where} ({entry_id})"
        emergency = raw.get("emergency", False)
        if not isinstance(emergency, bool):
            raise self.fail(f"{where}.emergency", f"must be true or false, got {emergency!r}")
        return OrientationEntry(
            id=entry_id,
            title=self.text(f"{where}.title", raw["title"]),
            answer=self.text(f"{where}.answer", raw["answer"]),
            links=self.links(f"{where}.links", raw.get("links")),
            emergency=emergency,
            keywords=() if generic else self.keywords(f"{where}.keywords", raw["keywords"]),
        )


class OrientationGuide:
    """The validated entries of orientation.yml and the keyword matcher."""

    def __init__(self, entries: Iterable[OrientationEntry], generic: OrientationEntry) -> None:
        self.entries = tuple(entries)
        self.generic = generic
        ids = [e.id for e in self.entries] + [generic.id]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise OrientationError(f"orientation: id '{duplicates[0]}' is used twice")

    @classmethod
    def load(cls, path: Path, settings: Settings) -> OrientationGuide:
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise OrientationError(f"{path}: file not found") from None
        except yaml.YAMLError as exc:
            raise OrientationError(f"{path}: not valid YAML: {exc}") from None
        reader = _Reader(path, settings)
        if not isinstance(raw, dict) or set(raw) != {"generic", "entries"}:
            raise OrientationError(f"{path}: expected exactly two top-level keys: generic, entries")
        if not isinstance(raw["entries"], list) or not raw["entries"]:
            raise OrientationError(f"{path}: entries: must be a non-empty list")
        entries = [reader.entry(f"entries[{i}]", e) for i, e in enumerate(raw["entries"])]
        generic = reader.entry("generic", raw["generic"], generic=True)
        try:
            return cls(entries, generic)
        except OrientationError as exc:
            raise OrientationError(f"{path}: {exc}") from None

    def orient(self, text: str) -> Orientation:
        """The best matching entry (emergencies win ties, then file order), else the generic."""
        normalized = fold(text)
        best: tuple[int, int, int] | None = None
        best_entry, best_matched = self.generic, cast(tuple[str, ...], ())
        for order, entry in enumerate(self.entries):
            score, matched = entry.match(normalized)
            if not score:
                continue
            rank = (score, int(entry.emergency), -order)
            if best is None or rank > best:
                best, best_entry, best_matched = rank, entry, matched
        if best is None:
            return _result(self.generic, generic=True)
        return _result(best_entry, score=best[0], matched=best_matched)


def _result(
    entry: OrientationEntry, *, generic: bool = False, score: int = 0, matched: tuple[str, ...] = ()
) -> Orientation:
    return Orientation(
        id=entry.id,
        title=entry.title,
        answer=entry.answer,
        links=entry.links,
        emergency=entry.emergency,
        generic=generic,
        score=score,
        matched=matched,
    )


@lru_cache(maxsize=1)
def get_orientation_guide() -> OrientationGuide:
    """The process-wide guide, from the configured knowledge folder (read once)."""
    settings = get_settings()
    return OrientationGuide.load(settings.knowledge_dir / ORIENTATION_FILE, settings)


def orient(text: str) -> Orientation:
    """Who handles `text` (an out-of-scope question), from the shipped orientation.yml."""
    return get_orientation_guide().orient(text)
