"""The knowledge base: one validated YAML fiche per question, in `knowledge/fiches/<id>.yml`.

The information team edits the fiches; the assistant loads and validates all of them at start-up
and refuses to start on a broken one, naming the file and the field (see docs/knowledge-base.md).
Département-specific text (phone number, website, Imagine R refund policy) is written in the
fiches as placeholders and substituted here from the Settings, so the same fiches serve any
département.

`python -m bot.knowledge check` validates the shipped fiches and prints counts per topic.
"""

from __future__ import annotations

import argparse
import logging
import math
import re
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.catalogue import CATALOGUE_FILE, get_catalogue
from bot.routing import TOPIC_LABELS, TOPICS, topic_of
from bot.settings import ConfigurationError, Settings, get_settings
from bot.text import fold

log = logging.getLogger(__name__)

# Who does what: the keys a fiche may use under `who`, with the label shown to agents.
WHO_LABELS: dict[str, str] = {
    "departement": "Département",
    "caf": "CAF",
    "msa": "MSA",
    "france_travail": "France Travail",
    "idfm": "Île-de-France Mobilités",
    "college": "Collège",
    "education_nationale": "Éducation nationale",
    "mairie": "Mairie / CCAS",
    "etablissement": "Établissement d'accueil",
    "region": "Région",
    "caisse_retraite": "Caisse de retraite",
}
PLACEHOLDERS: tuple[str, ...] = ("imagine_r_refund", "contact_phone", "departement", "website")
# Used when the département has no Imagine R refund policy in its configuration.
DEFAULT_IMAGINE_R_REFUND = (
    "Renseignez-vous auprès du Département et de votre mairie : certaines collectivités "
    "remboursent une partie du forfait Imagine R."
)

REQUIRED_KEYS = (
    "id",
    "topic",
    "title",
    "intents",
    "handoff",
    "questions",
    "spoken",
    "answer",
    "source",
    "valid_from",
    "last_review",
)
OPTIONAL_KEYS = ("who", "links")
MAX_SPOKEN_CHARS = 300
MAX_SPOKEN_SENTENCES = 2
MAX_TITLE_CHARS = 80
MIN_QUESTIONS, MAX_QUESTIONS = 3, 6

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_URL_IN_TEXT = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(fr|com|org|gouv|net)\b)", re.I)
# A sentence ends with . ! ? or … followed by a space or the end of the text.
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")
_LIST_LINE = re.compile(r"^\s*([-*•]|\d+[.)])\s", re.M)
# Words too common to say anything about what a citizen asks.
_STOPWORD_TEXT = """
    a au aux avec ce ces comment d de des du elle en est et etre il j je l la le les leur ma me
    mes mon n ne nous on ou par pas pour qu que qui quoi quand s sa se ses si son sur t ta te tes
    ton tu un une vos votre vous y c ca cette dois doit faire fait peut peux puis quel quelle
    quels quelles combien faut ai as avez avoir bonjour merci svp
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
STEM_LENGTH = 6


class KnowledgeBaseError(ValueError):
    """A fiche is missing or wrong; the message names the file and the field.

    `field` and `problem` give the same apart, for the console's editor (None/"" when the
    error is about the file or the folder, not a field)."""

    def __init__(self, message: str, field: str | None = None, problem: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Fiche:
    id: str
    topic: str
    title: str
    intents: tuple[str, ...]
    handoff: bool
    questions: tuple[str, ...]
    spoken: str
    answer: str
    who: tuple[tuple[str, str], ...]
    links: tuple[Link, ...]
    source: tuple[str, ...]
    valid_from: date
    last_review: date
    path: Path

    @property
    def kind(self) -> str:
        return "handoff" if self.handoff else "answer"

    @property
    def topic_label(self) -> str:
        return TOPIC_LABELS[self.topic]

    def who_labelled(self) -> list[tuple[str, str]]:
        """(French label, text) pairs for display to agents."""
        return [(WHO_LABELS[key], text) for key, text in self.who]


def _stems(text: str) -> set[str]:
    # A crude French stemmer: the first letters of each meaningful word, so that
    # "rembourser" and "remboursement" meet, and "montants" meets "montant".
    return {w[:STEM_LENGTH] for w in fold(text).split() if w not in STOPWORDS}


def is_http_url(url: str) -> bool:
    return bool(_URL.match(url))


def placeholder_values(settings: Settings) -> dict[str, str]:
    return {
        "imagine_r_refund": settings.imagine_r_refund or DEFAULT_IMAGINE_R_REFUND,
        "contact_phone": settings.contact_phone,
        "departement": settings.short_name,
        "website": settings.website,
    }


def substitute(text: str, values: Mapping[str, str], where: str) -> str:
    """Replace the known {placeholders}; raise naming `where` on any other brace."""
    unknown = [name for name in _PLACEHOLDER.findall(text) if name not in values]
    if unknown:
        raise KnowledgeBaseError(
            f"{where}: unknown placeholder {{{unknown[0]}}} "
            f"(allowed: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
        )
    bare = _PLACEHOLDER.sub("", text)
    if "{" in bare or "}" in bare:
        raise KnowledgeBaseError(f"{where}: stray brace (placeholders look like {{website}})")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def count_sentences(text: str) -> int:
    return len([part for part in _SENTENCE_END.split(text) if part.strip()])


_FROM_RAW = object()


class _FicheReader:
    """Validates one raw fiche; every error names the file and the field."""

    def __init__(self, path: Path, raw: dict[str, Any], values: Mapping[str, str]) -> None:
        self.path = path
        self.raw = raw
        self.values = values

    def fail(self, field: str, message: str) -> KnowledgeBaseError:
        return KnowledgeBaseError(f"{self.path}: field '{field}': {message}", field, message)

    def text(self, field: str, value: Any = _FROM_RAW) -> str:
        """A non-empty text with its placeholders substituted; `field` names it in errors."""
        if value is _FROM_RAW:
            value = self.raw.get(field)
        if isinstance(value, dict):
            raise self.fail(
                field, "must be a text, got a mapping (put quotes around a text that contains ': ')"
            )
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"must be a non-empty text, got {value!r}")
        where = f"{self.path}: field '{field}'"
        try:
            return substitute(value.strip(), self.values, where)
        except KnowledgeBaseError as exc:
            raise self.fail(field, str(exc).removeprefix(f"{where}: ")) from None

    def text_list(self, field: str) -> tuple[str, ...]:
        value = self.raw.get(field)
        if not isinstance(value, list) or not value:
            raise self.fail(field, "must be a non-empty list")
        return tuple(self.text(f"{field}[{i}]", item) for i, item in enumerate(value))

    def day(self, field: str) -> date:
        value = self.raw.get(field)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail(field, f"must be a date YYYY-MM-DD, got {value!r}")

    def read(self) -> Fiche:
        raw = self.raw
        missing = [key for key in REQUIRED_KEYS if key not in raw]
        if missing:
            raise self.fail(missing[0], "is required")
        unknown = sorted(set(raw) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
        if unknown:
            raise self.fail(unknown[0], "is not a fiche field (typo?)")
        topic = self.topic()
        fiche_id = self.fiche_id(topic)
        spoken = self.spoken()
        return Fiche(
            id=fiche_id,
            topic=topic,
            title=self.title(),
            intents=self.intents(topic),
            handoff=self.handoff(),
            questions=self.questions(),
            spoken=spoken,
            answer=self.text("answer"),
            who=self.who(),
            links=self.links(),
            source=self.text_list("source"),
            valid_from=self.day("valid_from"),
            last_review=self.day("last_review"),
            path=self.path,
        )

    def topic(self) -> str:
        topic = self.raw.get("topic")
        if topic not in TOPICS:
            raise self.fail("topic", f"must be one of {', '.join(TOPICS)}, got {topic!r}")
        return str(topic)

    def fiche_id(self, topic: str) -> str:
        fiche_id = self.raw.get("id")
        if not isinstance(fiche_id, str) or not _ID.match(fiche_id):
            raise self.fail("id", f"must be lower case letters, digits and _, got {fiche_id!r}")
        if topic_of(fiche_id) != topic:
            raise self.fail("id", f"'{fiche_id}' must start with its topic '{topic}_'")
        if fiche_id != self.path.stem:
            raise self.fail("id", f"'{fiche_id}' must equal the file name '{self.path.stem}'")
        return fiche_id

    def title(self) -> str:
        title = self.text("title")
        if len(title) > MAX_TITLE_CHARS or "\n" in title:
            raise self.fail("title", f"must be one line of at most {MAX_TITLE_CHARS} characters")
        return title

    def intents(self, topic: str) -> tuple[str, ...]:
        value = self.raw.get("intents")
        if not isinstance(value, list) or not value:
            raise self.fail("intents", "must be a non-empty list of intent names")
        for intent in value:
            if not isinstance(intent, str) or not _ID.match(intent):
                raise self.fail("intents", f"{intent!r} is not an intent name")
            if topic_of(intent) != topic:
                raise self.fail("intents", f"'{intent}' does not start with '{topic}_'")
        if len(set(value)) != len(value):
            raise self.fail("intents", "lists an intent twice")
        return tuple(value)

    def handoff(self) -> bool:
        value = self.raw.get("handoff")
        if not isinstance(value, bool):
            raise self.fail("handoff", f"must be true or false, got {value!r}")
        return value

    def questions(self) -> tuple[str, ...]:
        questions = self.text_list("questions")
        if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
            raise self.fail(
                "questions", f"needs {MIN_QUESTIONS} to {MAX_QUESTIONS}, got {len(questions)}"
            )
        return questions

    def spoken(self) -> str:
        spoken = " ".join(self.text("spoken").split())
        where = "(after substituting placeholders) " if "{" in str(self.raw["spoken"]) else ""
        if len(spoken) > MAX_SPOKEN_CHARS:
            raise self.fail(
                "spoken", f"{where}has {len(spoken)} characters, at most {MAX_SPOKEN_CHARS}"
            )
        if _URL_IN_TEXT.search(spoken):
            raise self.fail("spoken", f"{where}must not contain a web address (it is read aloud)")
        if _LIST_LINE.search(str(self.raw["spoken"])):
            raise self.fail("spoken", "must not contain a list (it is read aloud)")
        sentences = count_sentences(spoken)
        if sentences > MAX_SPOKEN_SENTENCES:
            raise self.fail(
                "spoken", f"{where}has {sentences} sentences, at most {MAX_SPOKEN_SENTENCES}"
            )
        return spoken

    def who(self) -> tuple[tuple[str, str], ...]:
        value = self.raw.get("who")
        if value is None:
            return ()
        if not isinstance(value, dict) or not value:
            raise self.fail("who", "must map actors to what they do")
        pairs = []
        for key, text in value.items():
            if key not in WHO_LABELS:
                raise self.fail(f"who.{key}", f"unknown actor (allowed: {', '.join(WHO_LABELS)})")
            pairs.append((str(key), self.text(f"who.{key}", text)))
        return tuple(pairs)

    def links(self) -> tuple[Link, ...]:
        value = self.raw.get("links")
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail("links", "must be a list of {label, url}")
        links = []
        for i, item in enumerate(value):
            field = f"links[{i}]"
            if not isinstance(item, dict) or set(item) != {"label", "url"}:
                raise self.fail(field, "must have exactly a label and a url")
            label = self.text(f"{field}.label", item["label"])
            url = self.text(f"{field}.url", item["url"])
            if not is_http_url(url):
                raise self.fail(f"{field}.url", f"'{url}' is not an http(s) address")
            links.append(Link(label, url))
        return tuple(links)


def read_fiche(path: Path, settings: Settings) -> Fiche:
    """Read and validate one fiche file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{path}: not valid YAML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"{path}: cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping of fields at the top level")
    return validate_fiche(path, raw, settings)


def validate_fiche(path: Path, raw: dict[str, Any], settings: Settings) -> Fiche:
    """Validate the fields of a fiche to be stored at `path` (as read from YAML, placeholders
    not yet substituted): the loader's own checks, for the console's editor too."""
    return _FicheReader(path, raw, placeholder_values(settings)).read()


class KnowledgeBase:
    """All fiches, indexed by id and by the intents they answer."""

    def __init__(self, fiches: Iterable[Fiche]) -> None:
        self._by_id: dict[str, Fiche] = {}
        self._by_intent: dict[str, Fiche] = {}
        for fiche in sorted(fiches, key=lambda f: f.id):
            if fiche.id in self._by_id:
                raise KnowledgeBaseError(
                    f"{fiche.path}: field 'id': '{fiche.id}' is used twice", "id", "is used twice"
                )
            self._by_id[fiche.id] = fiche
            for intent in fiche.intents:
                other = self._by_intent.get(intent)
                if other is not None:
                    problem = f"'{intent}' is already answered by {other.path.name}"
                    raise KnowledgeBaseError(
                        f"{fiche.path}: field 'intents': {problem}", "intents", problem
                    )
                self._by_intent[intent] = fiche
        self._stems = {
            f.id: (_stems(f.title), _stems(" ".join(f.questions))) for f in self._by_id.values()
        }
        # Rare words ("coûte", "perdue") tell fiches apart better than common ones ("carte").
        frequency: dict[str, int] = {}
        for title, questions in self._stems.values():
            for stem in title | questions:
                frequency[stem] = frequency.get(stem, 0) + 1
        total = len(self._stems)
        self._weight = {stem: math.log(1 + total / n) for stem, n in frequency.items()}

    @classmethod
    def load(cls, directory: Path, settings: Settings) -> KnowledgeBase:
        """Read every `<directory>/fiches/*.yml`; raise KnowledgeBaseError on the first problem."""
        fiches_dir = Path(directory) / "fiches"
        if not fiches_dir.is_dir():
            raise KnowledgeBaseError(f"{fiches_dir}: folder not found")
        paths = sorted(fiches_dir.glob("*.yml"))
        if not paths:
            raise KnowledgeBaseError(f"{fiches_dir}: no fiche (*.yml) found")
        stray = sorted(p.name for p in fiches_dir.glob("*.yaml"))
        if stray:
            raise KnowledgeBaseError(f"{fiches_dir / stray[0]}: fiches must end in .yml")
        return cls(read_fiche(path, settings) for path in paths)

    @property
    def fiches(self) -> tuple[Fiche, ...]:
        return tuple(self._by_id.values())

    def get(self, fiche_id: str) -> Fiche | None:
        return self._by_id.get(fiche_id)

    def for_intent(self, intent: str) -> Fiche | None:
        return self._by_intent.get(intent)

    def topics(self) -> list[str]:
        present = {f.topic for f in self._by_id.values()}
        return [topic for topic in TOPICS if topic in present]

    def by_topic(self, topic: str) -> list[Fiche]:
        return [f for f in self._by_id.values() if f.topic == topic]

    def intents(self) -> list[str]:
        return sorted(self._by_intent)

    def coverage(self, intents: Iterable[str]) -> list[str]:
        """The given intents that no fiche answers (in the given order, without repeats)."""
        missing: list[str] = []
        for intent in intents:
            if intent not in self._by_intent and intent not in missing:
                missing.append(intent)
        return missing

    def search(self, text: str, limit: int = 3) -> list[Fiche]:
        """Fiches whose title and questions best share the words of `text` (best first).

        Each shared word counts by its rarity among the fiches, twice when it is in the title;
        ties go to answers before handoffs.
        """
        query = _stems(text)
        if not query or limit <= 0:
            return []
        scored = []
        for fiche_id, (title, questions) in self._stems.items():
            score = sum(
                self._weight[stem] * (2 if stem in title else 1)
                for stem in query & (title | questions)
            )
            if score:
                # On a tie, a simple answer is a better suggestion than a callback case.
                scored.append((-round(score, 6), self._by_id[fiche_id].handoff, fiche_id))
        return [self._by_id[fiche_id] for *_, fiche_id in sorted(scored)[:limit]]


# How often a long-running process (the action server) looks for published fiches.
RELOAD_CHECK_SECONDS = 1.0


def fiches_signature(directory: Path) -> tuple[int, int]:
    """(newest modification time, number) of the fiche files: changes when one is published,
    added or removed."""
    paths = list((Path(directory) / "fiches").glob("*.yml"))
    return max((p.stat().st_mtime_ns for p in paths), default=0), len(paths)


class _LiveKnowledgeBase:
    """The process-wide knowledge base, reloaded when the fiche files change (a fiche published
    from the console or pulled from git): no restart. Checked at most once a second; a folder
    that no longer loads (a broken fiche) keeps the previous base, with an error in the log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._base: KnowledgeBase | None = None
        self._signature: tuple[int, int] | None = None
        self._checked_at = -math.inf

    def get(self) -> KnowledgeBase:
        now = time.monotonic()
        if self._base is not None and now - self._checked_at < RELOAD_CHECK_SECONDS:
            return self._base
        with self._lock:
            settings = get_settings()
            signature = fiches_signature(settings.knowledge_dir)
            self._checked_at = now
            if self._base is None or signature != self._signature:
                self._reload(settings, signature)
            assert self._base is not None
            return self._base

    def _reload(self, settings: Settings, signature: tuple[int, int]) -> None:
        try:
            self._base = KnowledgeBase.load(settings.knowledge_dir, settings)
        except KnowledgeBaseError:
            if self._base is None:
                raise
            log.exception("published fiches not loaded: the previous knowledge base stays")
        self._signature = signature

    def cache_clear(self) -> None:
        with self._lock:
            self._base, self._signature, self._checked_at = None, None, -math.inf


_live = _LiveKnowledgeBase()


def get_knowledge_base() -> KnowledgeBase:
    """The process-wide knowledge base, from the configured folder, kept up to date."""
    return _live.get()


get_knowledge_base.cache_clear = _live.cache_clear  # type: ignore[attr-defined]


def _check(args: argparse.Namespace) -> int:
    try:
        settings = get_settings()
        directory = Path(args.dir) if args.dir else settings.knowledge_dir
        kb = KnowledgeBase.load(directory, settings)
    except (KnowledgeBaseError, ConfigurationError) as exc:
        print(f"knowledge base broken: {exc}", file=sys.stderr)
        return 1
    for topic in TOPICS:
        fiches = kb.by_topic(topic)
        handoffs = sum(f.handoff for f in fiches)
        print(
            f"{topic:<10} {len(fiches):>3} fiches "
            f"({len(fiches) - handoffs} answer, {handoffs} handoff)"
        )
    print(f"{'total':<10} {len(kb.fiches):>3} fiches, {len(kb.intents())} intents answered")
    expected = get_catalogue().fiche_intents()
    missing = kb.coverage(expected)
    if missing:
        print(
            f"intents of {CATALOGUE_FILE.name} without a fiche: {', '.join(missing)}",
            file=sys.stderr,
        )
        return 1
    wrong_kind = [
        intent
        for intent, kind in expected.items()
        if (fiche := kb.for_intent(intent)) is not None and fiche.kind != kind
    ]
    if wrong_kind:
        print(
            f"fiches whose handoff flag disagrees with {CATALOGUE_FILE.name}: "
            + ", ".join(wrong_kind),
            file=sys.stderr,
        )
        return 1
    print(f"all {len(expected)} topic intents of {CATALOGUE_FILE.name} have a fiche")
    return _check_figures(directory, kb, settings)


def _check_figures(directory: Path, kb: KnowledgeBase, settings: Settings) -> int:
    """figures.yml valid, and its figures compared with the references when they are there."""
    from bot.fiche_figures import FigureMapError, check_figures, load_figure_map

    try:
        sources = load_figure_map(directory, kb.fiches)
    except (FigureMapError, yaml.YAMLError) as exc:
        print(f"figure map broken: {exc}", file=sys.stderr)
        return 1
    check = check_figures(sources, kb.fiches, settings.reference_dir)
    if not check.available:
        print(f"{len(sources)} figures mapped; references absent ({settings.reference_dir})")
        return 0
    print(
        f"{check.compared} figures compared with the references: {len(check.outdated)} with a "
        f"newer value, {len(check.missing)} parameters missing"
    )
    for item in check.outdated:
        print(f"  {item.source.fiche}: {item.reason}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.knowledge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate the fiches and print counts per topic")
    check.add_argument("--dir", help="knowledge folder (default: from the settings)")
    args = parser.parse_args(argv)
    return _check(args)


if __name__ == "__main__":
    sys.exit(main())
