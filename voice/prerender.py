"""The sentences said on many calls, rendered ahead in the background and again when they change.

A neural voice takes about half a second per second of speech here: a fiche's answer rendered
while the caller waits would keep them waiting seconds. So the gateway renders ahead, at start-up
and whenever the knowledge base or the dialogue changes (checked every `interval` seconds by the
files' modification times), every sentence it can know in advance:
- the gateway's own prompts (voice.prompts) and its goodbye/problem sentences;
- every fiche's spoken answer (knowledge/fiches/*.yml, field `spoken`);
- the domain's responses and, in the actions' code, every sentence of a message that holds no
  variable (the consent question, "Quel est votre nom ?", the choices of their buttons).
The audio is kept by the synthesizer under a hash of each sentence (voice.tts): a changed fiche
is a new text, rendered anew; sentences no longer said are forgotten. Calls go first: the
background rendering waits while a call is in progress (the two cores are the call's).
"""

from __future__ import annotations

import ast
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

from bot.knowledge import KnowledgeBase, KnowledgeBaseError
from bot.routing import TOPIC_LABELS, TOPICS
from bot.settings import PROJECT_ROOT, Settings, get_settings
from bot.speech_text import choices_prompt, speakable, split_sentences
from voice import prompts
from voice.tts import Synthesizer

log = logging.getLogger(__name__)

# Marks a variable inside an f-string: a sentence holding it cannot be rendered ahead.
_HOLE = "\ue000"
DIALOGUE_SOURCES = ("actions/*.py", "bot/domain/*.yml")


def sentences(texts: Iterable[str]) -> list[str]:
    """The sentences `CallSession.say` will ask for, without those holding a variable; the
    first sentence of every text first (what a caller waits for), then the others."""
    split = [split_sentences(speakable(text)) for text in texts]
    found: dict[str, None] = {}
    for sentence in [*(s[0] for s in split if s), *(x for s in split for x in s[1:])]:
        if _HOLE not in sentence:
            found[sentence] = None
    return list(found)


def first_sentences(texts: Iterable[str]) -> list[str]:
    return sentences(split_sentences(speakable(t))[0] for t in texts if t.strip())


def fiche_texts(settings: Settings) -> list[str]:
    try:
        knowledge = KnowledgeBase.load(settings.knowledge_dir, settings)
    except KnowledgeBaseError as exc:  # the assistant reports it; the phone keeps what it has
        log.warning("knowledge base not rendered ahead: %s", exc)
        return []
    return [fiche.spoken for fiche in knowledge.fiches]


def dialogue_texts(root: Path = PROJECT_ROOT) -> list[str]:
    """Texts of the domain's responses and the string literals of the actions' code."""
    texts: list[str] = []
    for path in sorted((root / "bot" / "domain").glob("*.yml")):
        domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for variants in (domain.get("responses") or {}).values():
            for variant in variants or []:
                text = str(variant.get("text") or "")
                texts.append(text.replace("{", _HOLE + "{"))
                buttons = variant.get("buttons") or []
                if buttons:
                    texts.append(choices_prompt([str(b.get("title", "")) for b in buttons]))
    for path in sorted((root / "actions").glob("*.py")):
        texts.extend(_literals(ast.parse(path.read_text(encoding="utf-8"))))
    # The topics offered as buttons (actions/replies.py topic_buttons), said as a choice.
    texts.append(choices_prompt([TOPIC_LABELS[topic] for topic in TOPICS]))
    return texts


def _literals(tree: ast.AST) -> list[str]:
    """Sentences-like strings: plain literals and f-strings with their variables as holes."""
    found = []
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(_part(v) for v in node.values)
        elif isinstance(node, ast.List) and node.elts and all(_title(e) for e in node.elts):
            found.append(choices_prompt([_title(e) for e in node.elts]))  # literal buttons
            continue
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        # French sentences, not identifiers, slot names or log messages.
        if " " in text and text.rstrip()[-1:] in ".?!" and text[:1].isupper():
            found.append(text)
    return found


def _part(value: ast.AST) -> str:
    """A piece of an f-string: its text, a setting of departement.yml, or a hole."""
    if isinstance(value, ast.Constant):
        return str(value.value)
    inner = value.value if isinstance(value, ast.FormattedValue) else value
    if (
        isinstance(inner, ast.Attribute)
        and isinstance(inner.value, ast.Name)
        and inner.value.id == "settings"
        and isinstance(getattr(get_settings(), inner.attr, None), str)
    ):
        return getattr(get_settings(), inner.attr)  # "le Département du Val-de-Marne"
    return _HOLE


def _title(element: ast.AST) -> str:
    """The title of a literal button {"title": "oui", "payload": …}, else ""."""
    if not isinstance(element, ast.Dict):
        return ""
    for key, value in zip(element.keys, element.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "title":
            literal = value.value if isinstance(value, ast.Constant) else None
            return literal if isinstance(literal, str) else ""
    return ""


def signature(settings: Settings, root: Path = PROJECT_ROOT) -> tuple:
    paths = sorted((Path(settings.knowledge_dir) / "fiches").glob("*.yml"))
    for pattern in DIALOGUE_SOURCES:
        paths.extend(sorted(root.glob(pattern)))
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.exists())


class Prerenderer:
    """Renders ahead in a background thread; looks for changes every `interval` seconds."""

    def __init__(
        self,
        synthesizer: Synthesizer,
        settings: Settings,
        extra: Iterable[str] = (),
        interval: float = 30.0,
        with_dialogue: bool = True,
        busy: Callable[[], bool] | None = None,
    ) -> None:
        self.busy = busy  # true while calls are in progress: rendering ahead waits
        self.synthesizer = synthesizer
        self.with_dialogue = with_dialogue
        self.settings = settings
        self.extra = list(extra)
        self.interval = interval
        self.ready = threading.Event()  # the first pass is done
        self.first_ready = threading.Event()  # the first sentence of every text is rendered
        self.passes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen: tuple | None = None

    def sources(self) -> list[str]:
        dialogue = dialogue_texts() if self.with_dialogue else []
        return [*prompts.FIXED, *self.extra, *fiche_texts(self.settings), *dialogue]

    def texts(self) -> list[str]:
        return sentences(self.sources())

    def run_once(self) -> int:
        """One pass if something changed since the last; how many sentences were rendered."""
        current = signature(self.settings)
        if current == self._seen:
            return 0
        sources = self.sources()
        # What a caller hears first, first: the rest plays while the next sentence renders.
        rendered = self.synthesizer.prerender(
            first_sentences(sources), self._stop, self.busy, prune=False
        )
        self.first_ready.set()
        rendered += self.synthesizer.prerender(sentences(sources), self._stop, self.busy)
        if not self._stop.is_set():
            self._seen = current
            self.passes += 1
        log.info("speech rendered ahead: %d new sentences", rendered)
        return rendered

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a bad file must not stop the phone line
                log.exception("rendering ahead failed")
            self.ready.set()
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="prerender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
