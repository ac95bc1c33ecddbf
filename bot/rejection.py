"""The one rule that turns an NLU reading into a rejection (not understood or out of scope).

With some sixty intents, four topics and many questions that sit between two intents of the same
topic, judging the single best intent rejects messages whose topic is certain. The rule judges the
group instead: a topic intent needs its topic's summed confidence to reach `threshold`; a general
intent (out_of_scope included) needs its own confidence to reach `general_threshold`; no intent at
all is a rejection. With a threshold above 0.5, two topics can never both pass: an ambiguous topic
is a rejection, and the dialogue asks which topic it is. One exception: a message that asks two
questions naming two topics ("le montant du RSA ? et ma mère a droit à l'APA ?") splits the
classifier's confidence between them by nature; there the named topics' confidences add up, and
the dialogue answers both (bot/context.py, question_intents). A generic complex case kept
("où en est mon dossier", "contester la décision") becomes the case of the one topic the message
names ("le dossier d'allocation autonomie de mon père"): `named_case`.

Used by the NLU component (nlu_components/topic_fallback.py) and by the evaluation, which replays
it on recorded rankings (triage/evaluation/nlu/metrics.py): both read the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.context import question_parts
from bot.routing import (
    TOPICS,
    group_of,
    group_scores,
    is_generic_handoff,
    specific_intent,
    topic_in_text,
    topic_of,
)

Ranking = Sequence[tuple[str, float]]

# A short answer or a politeness ("oui", "merci", "laissez tomber") is said in a few words. Read in
# a long message at the low general threshold, it swallows a request the classifier did not
# understand ("je suis Paul Martin, le truc du bidule de mon cousin marche plus du tout" read as
# cancel at 0.46): in a long message these intents need the topic threshold.
SHORT_ANSWERS = frozenset({"affirm", "deny", "cancel", "thank", "goodbye", "greet"})
LONG_MESSAGE_WORDS = 8


def named_topics(text: str) -> set[str]:
    """The topics named by the questions of a message, each question read alone."""
    return {t for t in map(topic_in_text, question_parts(text)) if t is not None}


def group_confidence(ranking: Ranking, intent: str, text: str = "") -> float:
    """Summed confidence of `intent`'s group (its topic, else the intent alone) over a ranking.

    When the message (`text`) asks questions naming two or more topics, the intent's among them,
    the confidence is that of all the named topics together.
    """
    scores = group_scores(list(ranking))
    group = group_of(intent)
    named = named_topics(text) if text and group in TOPICS else set()
    if group in named and len(named) > 1:
        return sum(scores.get(topic, 0.0) for topic in named)
    return scores.get(group, 0.0)


def named_case(intent: str | None, text: str) -> str | None:
    """The topic's intent a generic complex case becomes when the message names one topic.

    "le dossier d'allocation autonomie de mon père est en cours depuis longtemps" read as
    file_status is apa_file_status, what the catalogue's `cases` make of it once the topic is
    known. None when the intent is no generic case or the message names no single topic.
    """
    if not text or not is_generic_handoff(intent):
        return None
    return specific_intent(intent or "", topic_in_text(text))


@dataclass(frozen=True)
class RejectionRule:
    threshold: float
    general_threshold: float

    def rejects(self, intent: str | None, confidence: float, text: str = "") -> bool:
        """Is a best intent whose group has this summed confidence rejected (for `text`)?"""
        if not intent:
            return True
        general = topic_of(intent) is None and not (
            intent in SHORT_ANSWERS and len(text.split()) > LONG_MESSAGE_WORDS
        )
        return confidence < (self.general_threshold if general else self.threshold)

    def rejects_ranking(self, intent: str | None, ranking: Ranking, text: str = "") -> bool:
        """The same, the group's confidence summed over the classifier's ranking for `text`."""
        confidence = group_confidence(ranking, intent, text) if intent else 0.0
        return self.rejects(intent, confidence, text)
