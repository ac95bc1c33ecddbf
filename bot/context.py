"""The conversation's context: which fiche a follow-up means, and a second question in a message.

After the Imagine R price, "et on peut payer en plusieurs fois ?" names no topic: alone, the NLU
cannot place it (it hesitates, or picks the RSA). The conversation can: the topic of the last
answer stands until the citizen names another one. Decisions here, from plain values (the NLU's
ranking, the topic slot, the last fiche's intent); the actions only read the tracker and answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.routing import TOPICS, group_scores, topic_in_text, topic_of
from bot.text import fold

# An intent of the current topic the NLU ranked at least this high is a credible reading.
IN_TOPIC_MIN_CONFIDENCE = 0.1
# A follow-up is short: a long message without the topic's words is a new story.
FOLLOW_UP_MAX_WORDS = 14
# The NLU this sure of another topic is believed even without the topic's words.
OTHER_TOPIC_SURE = 0.9
# NLU readings a follow-up may replace: unsure, outside the topics, or in another topic.
REPLACEABLE_GENERAL = frozenset({"nlu_fallback", "out_of_scope"})
# Below this, a general reading ("c'est combien ?" read as "are you a robot" at 0.44) gives way
# to the current topic when the message asks one of the topic's kinds of question (ASPECTS).
GENERAL_UNSURE = 0.6


@dataclass(frozen=True)
class Aspect:
    """One kind of question every topic has, and the intent that answers it in each topic."""

    name: str
    cue: re.Pattern[str]
    intents: dict[str, str]


def _aspect(name: str, cue: str, **intents: str) -> Aspect:
    return Aspect(name, re.compile(cue), intents)


# Order matters: the first aspect whose cue the folded message contains wins.
ASPECTS: tuple[Aspect, ...] = (
    _aspect(
        "instalments",
        r"\b(plusieurs fois|mensualite\w*|echelonn\w*|prelevement\w*|en \d+ fois)\b",
        imagine_r="imagine_r_price",
        college="college_canteen_price",
        apa="apa_participation",
    ),
    _aspect(
        "lost",
        r"\b(perdu|perdue|vole|volee|casse|cassee)\b",
        imagine_r="imagine_r_lost_card",
    ),
    _aspect(
        "move",
        r"\b(demenag\w*|change\w* d adresse|nouvelle adresse)\b",
        rsa="rsa_declaration",
        imagine_r="imagine_r_cancel",
        college="college_enrollment",
        apa="apa_revision",
    ),
    _aspect(
        "documents",
        r"\b(papiers?|documents?|pieces?|justificatifs?|fournir|dossier a remplir)\b",
        apa="apa_documents",
        rsa="rsa_documents",
        imagine_r="imagine_r_subscribe",
        college="college_bourse",
    ),
    _aspect(
        "delay",
        r"\b(combien de temps|delais?|quand est ce que|ca prend|des quand)\b",
        apa="apa_delay",
    ),
    _aspect(
        "refund",
        r"\b(rembours\w*|aide du departement|participation du departement)\b",
        imagine_r="imagine_r_refund",
    ),
    _aspect(
        "price",
        r"\b(combien|prix|tarifs?|cout|coute|coutent|montant|cher|gratuit|gratuite)\b",
        apa="apa_amount",
        rsa="rsa_amount",
        imagine_r="imagine_r_price",
        college="college_canteen_price",
    ),
    _aspect(
        "eligibility",
        r"\b(droit|eligibles?|qui peut|conditions?|age)\b",
        apa="apa_eligibility",
        rsa="rsa_eligibility",
        imagine_r="imagine_r_eligibility",
        college="college_bourse",
    ),
    _aspect(
        "apply",
        r"\b(comment (faire|on fait|je fais|ca marche|s inscrire)|faire la demande|demander"
        r"|inscri\w*|souscri\w*|formulaire|ou (faut il|dois je|on) (aller|envoyer|s adresser))\b",
        apa="apa_apply",
        rsa="rsa_apply",
        imagine_r="imagine_r_subscribe",
        college="college_canteen_register",
    ),
)
# "et pour un étudiant ?", "et si c'est pour ma fille ?": the same question, someone else.
_SAME_QUESTION = re.compile(
    r"^(et|mais|ok et|d accord et) (pour|si|avec|en|mon|ma|mes|les|le|la)\b"
)
_SOMEONE_ELSE = re.compile(
    r"^(et|mais|ok et|d accord et) (pour|si c est pour|si c est)"
    r" (un |une |mon |ma |mes |les |des )?"
    r"(etudiants?|etudiantes?|apprentis?|apprenties?|lyceens?|lyceennes?|collegiens?|enfants?"
    r"|fils|filles?|couples?|personnes? seules?|mere|pere|mari|femme|bebes?|jeunes?|retraites?"
    r"|frere|soeur|grand mere|grand pere|boursiers?|handicapes?)\b"
)
# Where a message holds a second question: after a "?", or "et" / "aussi" before a question.
_QUESTION_WORDS = (
    r"comment|combien|quand|ou|est ce|quel|quels|quelle|quelles|qui|pourquoi|c est combien"
    r"|c est quoi|on peut|je peux|faut il|il faut|y a t il"
)
_AND_QUESTION = re.compile(rf"\b(?:et|aussi|et aussi|et puis) (?=(?:{_QUESTION_WORDS})\b)")
_QUESTION_START = re.compile(rf"^(?:{_QUESTION_WORDS})\b")


def aspect_of(intent: str | None) -> Aspect | None:
    topic = topic_of(intent)
    for aspect in ASPECTS:
        if topic and aspect.intents.get(topic) == intent:
            return aspect
    return None


def _cue_intent(folded: str, topic: str) -> str | None:
    for aspect in ASPECTS:
        if topic in aspect.intents and aspect.cue.search(folded):
            return aspect.intents[topic]
    return None


def follow_up_intent(
    text: str,
    intent: str | None,
    ranking: list[tuple[str, float]],
    topic: str | None,
    last_intent: str | None,
    answerable: Callable[[str], bool],
    elsewhere: bool = False,
) -> str | None:
    """The intent of the current topic a follow-up means, or None when the NLU's reading stands.

    `intent` is the NLU's reading (possibly "nlu_fallback"), `ranking` its candidates, `topic`
    the conversation's topic, `last_intent` the last fiche answered, `answerable` whether an
    intent has a fiche that answers (not a hand-off), `elsewhere` whether the message names a
    service outside the topics ("et pour mon passeport ?").
    """
    if topic not in TOPICS or text.startswith("/"):
        return None
    folded = fold(text)
    if topic_of(intent) == topic or (
        intent not in REPLACEABLE_GENERAL
        and topic_of(intent) is None
        and not _unsure_with_cue(intent, ranking, folded, topic)
    ):
        return None  # already in the topic, or a general intent (thanks, a person...)
    other = topic_of(intent)
    if other and group_scores(ranking).get(other, 0.0) >= OTHER_TOPIC_SURE:
        return None
    named = topic_in_text(text)
    if (named and named != topic) or len(folded.split()) > FOLLOW_UP_MAX_WORDS:
        return None  # the citizen changes topic, or tells a new story
    same_topic_last = last_intent if topic_of(last_intent) == topic else None
    if _SOMEONE_ELSE.match(folded) and same_topic_last and answerable(same_topic_last):
        return same_topic_last  # the same question for someone else
    if elsewhere:
        return None
    choices = [
        _cue_intent(folded, topic),
        _mapped(intent, topic),
        _best_in_topic(ranking, topic),
        same_topic_last if _SAME_QUESTION.match(folded) else None,
    ]
    return next((c for c in choices if c and answerable(c)), None)


def _unsure_with_cue(
    intent: str | None, ranking: list[tuple[str, float]], folded: str, topic: str
) -> bool:
    """A general reading the NLU is unsure of, for a message asking a question of the topic."""
    confidence = next((c for name, c in ranking if name == intent), 1.0)
    return confidence < GENERAL_UNSURE and _cue_intent(folded, topic) is not None


def _mapped(intent: str | None, topic: str) -> str | None:
    aspect = aspect_of(intent)
    return aspect.intents.get(topic) if aspect else None


def _best_in_topic(ranking: list[tuple[str, float]], topic: str) -> str | None:
    return next(
        (
            name
            for name, confidence in ranking
            if topic_of(name) == topic and confidence >= IN_TOPIC_MIN_CONFIDENCE
        ),
        None,
    )


def question_parts(text: str) -> list[str]:
    """The folded questions of a message: "c'est combien ? et comment on fait" gives two."""
    parts = []
    pieces = text.split("?")
    for index, piece in enumerate(pieces):
        asked = index < len(pieces) - 1  # it ended with a question mark
        for number, clause in enumerate(_AND_QUESTION.split(fold(piece))):
            clause = clause.strip()
            if clause and (asked or number > 0 or _QUESTION_START.match(clause)):
                parts.append(clause)
    return parts


def question_intents(
    text: str,
    intent: str,
    topic: str | None,
    answerable: Callable[[str], bool],
) -> list[str]:
    """The intents to answer for a message: the NLU's, then a second question's, if any.

    Each question of the message is read with the topic it names, else the NLU's topic, else the
    conversation's. A question in another topic is the likeliest second one. When the NLU's
    intent blends two questions ("le montant du RSA ? et ma mère a droit à l'APA ?" read as RSA
    eligibility: the RSA's topic, the APA question's aspect), the RSA question's own reading
    replaces it.
    """
    parts = question_parts(text)
    if len(parts) < 2 or not intent:
        return [intent]
    own_topic = topic_of(intent)
    first_topic = own_topic or topic
    readings = []
    for part in parts:
        part_topic = topic_in_text(part) or first_topic
        guess = _cue_intent(part, part_topic) if part_topic in TOPICS else None
        readings.append((part, part_topic, guess))
    first = intent
    aspect = aspect_of(intent)
    blended = aspect is not None and any(
        t != own_topic and aspect.cue.search(part) for part, t, _ in readings
    )
    own = [g for _, t, g in readings if t == own_topic and g and answerable(g)]
    if blended and own:
        first = own[0]
    others = sorted(
        (g for _, t, g in readings if g and g != first and answerable(g)),
        key=lambda g: topic_of(g) == topic_of(first),  # another topic first
    )
    return [first, *others[:1]]
