"""The one rule that turns an NLU reading into a rejection (not understood or out of scope).

With some sixty intents, four topics and many questions that sit between two intents of the same
topic, judging the single best intent rejects messages whose topic is certain. The rule judges the
group instead: a topic intent needs its topic's summed confidence to reach `threshold`; a general
intent (out_of_scope included) needs its own confidence to reach `general_threshold`; no intent at
all is a rejection. With a threshold above 0.5, two topics can never both pass: an ambiguous topic
is a rejection, and the dialogue asks which topic it is.

Used by the NLU component (nlu_components/topic_fallback.py) and by the evaluation, which replays
it on recorded rankings (triage/evaluation/nlu/metrics.py): both read the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.routing import group_of, group_scores, topic_of

Ranking = Sequence[tuple[str, float]]


def group_confidence(ranking: Ranking, intent: str) -> float:
    """Summed confidence of `intent`'s group (its topic, else the intent alone) over a ranking."""
    return group_scores(list(ranking)).get(group_of(intent), 0.0)


@dataclass(frozen=True)
class RejectionRule:
    threshold: float
    general_threshold: float

    def rejects(self, intent: str | None, confidence: float) -> bool:
        """Is a best intent whose group has this summed confidence rejected?"""
        if not intent:
            return True
        limit = self.general_threshold if topic_of(intent) is None else self.threshold
        return confidence < limit

    def rejects_ranking(self, intent: str | None, ranking: Ranking) -> bool:
        """The same, the group's confidence summed over the classifier's ranking."""
        return self.rejects(intent, group_confidence(ranking, intent) if intent else 0.0)
