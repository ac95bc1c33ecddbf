"""Find the fiche that answers a message, within one topic: a small BM25 index.

The NLU names the topic well but, with many fiches per topic, it is sometimes unsure between two
of them. The assistant then searches the fiches of that topic with the citizen's own words and
either answers the clear winner or offers the best two or three as buttons (actions/answers.py).

Each fiche is indexed on its title and questions (counted twice: they are phrased like citizens)
and its answer. Features are folded word stems (no case, no accents, no stop words) and the
character 4-grams of each word, so that typos and missing accents ("alzeimer", "teleassistance")
still meet the right fiche. BM25 weighs rare features above common ones and does not favour long
fiches. The index never crosses topics: a search is always given the topic the NLU is sure of.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge import STOPWORDS, Fiche, KnowledgeBase, get_knowledge_base
from bot.text import fold

STEM = 6
NGRAM = 4
# A character n-gram counts for less than a whole word: it only rescues typos.
NGRAM_WEIGHT = 0.25
QUESTION_REPEAT = 2
K1, B = 1.2, 0.75
# The winner is clear when it scores this much more than the runner-up...
CLEAR_RATIO = 1.4
# ...and at least this much in absolute terms (a few shared rare words).
MIN_SCORE = 3.0


def features(text: str) -> Counter[str]:
    """Stems and character n-grams of the meaningful words of `text`, with their weights."""
    bag: Counter[str] = Counter()
    for word in fold(text).split():
        if word in STOPWORDS or len(word) < 2:
            continue
        bag["w:" + word[:STEM]] += 1
        padded = f"_{word}_"
        for i in range(len(padded) - NGRAM + 1):
            bag["g:" + padded[i : i + NGRAM]] += 1
    return bag


@dataclass(frozen=True)
class Hit:
    fiche: Fiche
    score: float


@dataclass(frozen=True)
class Decision:
    """What to do with a message: answer one fiche, offer a choice, or nothing found."""

    answer: Fiche | None
    choices: tuple[Fiche, ...] = ()


class FicheIndex:
    """BM25 over the fiches given (the caller decides which: usually all of them)."""

    def __init__(self, fiches: Iterable[Fiche]) -> None:
        self._fiches = list(fiches)
        self._docs: list[Counter[str]] = []
        for fiche in self._fiches:
            bag = features(fiche.answer)
            for _ in range(QUESTION_REPEAT):
                bag.update(features(" ".join((fiche.title, *fiche.questions))))
            self._docs.append(bag)
        self._length = [sum(doc.values()) for doc in self._docs]
        self._average = sum(self._length) / max(len(self._docs), 1)
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        total = len(self._docs)
        self._idf = {
            feature: math.log(1 + (total - n + 0.5) / (n + 0.5)) for feature, n in frequency.items()
        }

    def search(
        self, text: str, topic: str | None = None, limit: int = 3, answers_only: bool = True
    ) -> list[Hit]:
        """Fiches best matching `text`, best first; only `topic`'s when given."""
        query = features(text)
        hits = []
        for fiche, doc, length in zip(self._fiches, self._docs, self._length, strict=True):
            if (topic and fiche.topic != topic) or (answers_only and fiche.handoff):
                continue
            score = self._score(query, doc, length)
            if score > 0:
                hits.append(Hit(fiche, score))
        hits.sort(key=lambda hit: (-hit.score, hit.fiche.id))
        return hits[:limit]

    def _score(self, query: Counter[str], doc: Counter[str], length: int) -> float:
        norm = K1 * (1 - B + B * length / self._average)
        score = 0.0
        for feature in query:
            tf = doc.get(feature, 0)
            if tf:
                weight = NGRAM_WEIGHT if feature.startswith("g:") else 1.0
                score += weight * self._idf[feature] * tf * (K1 + 1) / (tf + norm)
        return score

    def decide(self, text: str, topic: str, nlu_fiche: Fiche | None, limit: int = 3) -> Decision:
        """The NLU is sure of `topic`, not of the fiche: answer the clear winner or offer a choice.

        The NLU's own fiche wins when the search agrees; a search winner well ahead of the others
        is answered; otherwise the NLU's fiche and the best hits are offered (at most `limit`).
        """
        hits = self.search(text, topic, limit=limit)
        if not hits:
            return Decision(nlu_fiche)
        best = hits[0]
        if nlu_fiche is not None and best.fiche.id == nlu_fiche.id:
            return Decision(nlu_fiche)
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        if best.score >= MIN_SCORE and best.score >= CLEAR_RATIO * runner_up:
            return Decision(best.fiche)
        choices = _distinct([*([nlu_fiche] if nlu_fiche else []), *(h.fiche for h in hits)])
        return Decision(None, tuple(choices[:limit]))


def _distinct(fiches: Sequence[Fiche]) -> list[Fiche]:
    seen: set[str] = set()
    result = []
    for fiche in fiches:
        if fiche.id not in seen:
            seen.add(fiche.id)
            result.append(fiche)
    return result


# The NLU's own intent is trusted from this confidence on: the search is not consulted.
SURE = 0.8
# Below SURE, the NLU's fiche is still answered rather than a choice offered from this confidence.
ANSWER_ANYWAY = 0.4


def resolve(
    text: str,
    intent: str,
    ranking: Sequence[tuple[str, float]],
    kb: KnowledgeBase,
    index: FicheIndex,
) -> Decision:
    """Which fiche answers `text`, the NLU having chosen `intent` (an answer intent of a topic).

    A sure NLU is followed. Otherwise the search of the topic's fiches decides: its clear winner,
    or a choice of the best two or three — unless the NLU is fairly confident, when its own fiche
    is answered. Never a fiche of another topic than the intent's.
    """
    fiche = kb.for_intent(intent)
    if fiche is None:
        return Decision(None)
    confidence = dict(ranking).get(intent, 1.0 if not ranking else 0.0)
    if confidence >= SURE:
        return Decision(fiche)
    decision = index.decide(text, fiche.topic, fiche)
    if decision.choices and confidence >= ANSWER_ANYWAY:
        return Decision(fiche)
    return decision


def get_fiche_index() -> FicheIndex:
    """The process-wide index of the fiches, rebuilt (a few milliseconds) when they change."""
    return _index_of(get_knowledge_base())


@lru_cache(maxsize=1)
def _index_of(knowledge_base: KnowledgeBase) -> FicheIndex:
    return FicheIndex(knowledge_base.fiches)
