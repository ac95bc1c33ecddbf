"""What a citizen's message says for the callback form, wherever it comes in the conversation.

Citizens do not fill a form one field at a time: "Bonjour je suis Marie Dupont j'habite à Vitry,
pouvez-vous me rappeler au 06 22 33 44 55" holds three fields and a request; "non le numéro
c'est le 07 11 22 33 44" at the recap is a correction; "au fait c'est quoi le montant du RSA ?"
asked for the commune is a question, not a commune. The actions ask this module, which knows no
Rasa, what a message holds and what to do with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from bot.communes import resolve_commune
from bot.conversation import CITIZEN, Turn
from bot.hours import WEEKDAYS_FR
from bot.routing import topic_of
from bot.text import fold
from bot.validators import clean_name, normalise_phone

OUTSIDE_DEPARTEMENT = "Hors département"

# --- an explicit request for a person -----------------------------------------------------

_PERSON = (
    r"(?:un|une|1)\s+(?:vrai\s+|vraie\s+)?(?:conseiller|conseillere|personne|humain|agent"
    r"|interlocuteur|operateur|operatrice|assistante?\s+sociale?|etre\s+humain)"
)
_REQUEST_PATTERNS = [
    re.compile(p)
    for p in (
        rf"\bparler\s+(?:a|avec)\s+(?:{_PERSON}|quelqu\s*un|qqn|qq1|kelkun|une\s+vraie\s+personne)",
        r"\b(?:me|nous|m)\s+rapp?el+(?:er|e|ez|iez|é)?\b",
        r"\brappel+(?:ez|er)\s*(?:moi|nous)\b",
        r"\bqu\s+on\s+me\s+rapp?el+(?:e|le)?\b",
        r"\b(?:me|m)\s+(?:re)?contact(?:er|e|ez)\b",
        r"\bune\s+vraie\s+personne\b",
        r"\bun\s+(?:vrai\s+)?(?:etre\s+)?humain\b",
        rf"\b(?:avoir|veux|voudrais|souhaite|besoin\s+d)\s+{_PERSON}",
        r"\bconseill(?:er|ere)\s+(?:me|m|pour\s+me)\s+(?:rappel|appel|contact)",
        r"\bmettre\s+en\s+relation\b|\bmettez[\s-]*moi\s+en\s+relation\b",
        r"\bpassez[\s-]*moi\s+(?:un|une|quelqu)",
        r"\bdemande\s+de\s+rappel\b",
    )
]
# "être rappelé" alone matches too much ("rappelé" in "il m'a rappelé que…"): the bare
# participle counts only after a verb of wishing.
_WISH_RAPPELE = re.compile(
    r"\b(?:veux|voudrais|voudrai|souhaite|souhaiterais|aimerais|demande|peux|pourrais|besoin)\b"
    r"[^.?!]{0,30}\b(?:etre\s+)?(?:rappele|recontacte)"
)
_REMIND = re.compile(
    r"\b(?:me|m)\s+rappeler\s+(?:la|les|l|quel|quelle|quels|comment|combien|ce\s+que|ce\s+qu"
    r"|le\s+(?:montant|nom|prix|tarif|delai|lien|site|numero\s+(?:du|de|des)))\b"
)
_NEGATED_REQUEST = re.compile(
    r"\b(?:ne|n)\s+(?:veux|souhaite|voudrais|veut)\s+(?:pas|plus)\s+(?:etre\s+)?(?:rappel|recontact|de\s+rappel)"
    r"|\bpas\s+(?:besoin\s+)?d\s*(?:etre\s+)?rappel|\bplus\s+besoin\s+d\s*etre\s+rappel"
    r"|\bannul"
)


# "vous êtes une vraie personne ?": asking what the assistant is, not for a person.
_ASKS_WHAT_I_AM = re.compile(
    r"\b(?:vous\s+etes|t\s+es|tu\s+es|je\s+parle\s+a|je\s+discute\s+avec|c\s+est)\s+"
    r"(?:un|une)?\s*(?:vrai|vraie|etre)?\s*(?:humain|personne|ia|robot)\b"
    r"|\b(?:humain|personne)\s+(?:ou|derriere)\b|\bun\s+humain\s+ou\b"
)
_WISH = re.compile(r"\b(?:veux|voudrais|souhaite|prefere|besoin|svp|passez|parler)\b")
# "je ne me rappelle plus le montant": se rappeler, to remember.
_RECALL = re.compile(r"\b(?:je|j)\s+(?:ne\s+|n\s+)?(?:me|m)\s+rapp?el+e?s?\b")
_CANCEL = re.compile(
    r"\blaiss(?:e|ez|er)\s+(?:tomber|beton)\b|\bannul|\bj\s+abandonne\b|\boubli(?:e|ez)\s+(?:ca|tout)"
    r"|^stop\b|\bon\s+arrete\b|\bje\s+(?:ne\s+)?veux\s+plus\s+(?:etre\s+rappele|de\s+rappel)"
)


def wants_to_cancel(text: str) -> bool:
    """ "laissez tomber", "annulez", "j'abandonne": stop the request, whatever the NLU says."""
    return bool(_CANCEL.search(fold(text)))


def wants_callback(text: str) -> bool:
    """The citizen explicitly asks for a person or a callback, whatever else the message says."""
    folded = fold(text)
    if not folded or _NEGATED_REQUEST.search(folded) or _REMIND.search(folded):
        return False
    if _ASKS_WHAT_I_AM.search(folded) and not _WISH.search(folded):
        return False
    if _RECALL.search(folded) and not re.search(r"\b(?:conseill|personne|humain|agent)", folded):
        return False
    if _WISH_RAPPELE.search(folded):
        return True
    return any(p.search(folded) for p in _REQUEST_PATTERNS)


# --- whose case it is ---------------------------------------------------------------------

_RELATIVES = {
    "mere": "votre mère",
    "maman": "votre mère",
    "pere": "votre père",
    "papa": "votre père",
    "grand mere": "votre grand-mère",
    "mamie": "votre grand-mère",
    "grand pere": "votre grand-père",
    "papi": "votre grand-père",
    "papy": "votre grand-père",
    "fille": "votre fille",
    "fils": "votre fils",
    "enfant": "votre enfant",
    "mari": "votre mari",
    "epoux": "votre mari",
    "femme": "votre femme",
    "epouse": "votre femme",
    "frere": "votre frère",
    "soeur": "votre sœur",
    "tante": "votre tante",
    "oncle": "votre oncle",
    "belle mere": "votre belle-mère",
    "beau pere": "votre beau-père",
    "parents": "vos parents",
    "voisin": "votre voisin",
    "voisine": "votre voisine",
}
_RELATIVE = re.compile(
    r"\b(?:ma|mon|mes|notre|nos)\s+("
    + "|".join(sorted((re.escape(k) for k in _RELATIVES), key=len, reverse=True))
    + r")\b"
)
_SELF = re.compile(
    r"^(?:c\s+est\s+)?(?:pour\s+)?(?:moi|moi\s+meme|mon\s+dossier|mon\s+propre\s+dossier|le\s+mien"
    r"|ma\s+demande|pour\s+moi|c\s+est\s+moi|moi\s+seul|personnel)\b"
)
_RELATIVE_ANSWER = re.compile(r"\b(?:un|une)\s+(?:proche|parent|membre)\b|\bproche\b")


def concerned_person(text: str) -> str | None:
    """ "l'APA de ma mère" -> "votre mère": the person whose case it is, when not the caller."""
    found = _RELATIVE.search(fold(text))
    return _RELATIVES[found.group(1)] if found else None


_OWN_CASE = re.compile(
    r"\bpour\s+moi(?:\s+meme)?\b|\bc\s+est\s+moi\s+qui\b|\bmon\s+(?:propre\s+)?(?:dossier|apa)\b"
    r"|\bma\s+(?:propre\s+)?(?:demande|apa)\b"
)


def own_case(text: str) -> bool:
    """The citizen says the case is their own ("c'est pour moi", "mon dossier APA")."""
    return concerned_person(text) is None and bool(_OWN_CASE.search(fold(text)))


def case_for_answer(text: str) -> str | None:
    """The answer to "your own case or a relative's?": "moi", a relative, or None if unclear."""
    relative = concerned_person(text)
    if relative:
        return relative
    folded = fold(text)
    if _RELATIVE_ANSWER.search(folded):
        return "un proche"
    if _SELF.search(folded) or folded in {"oui", "moi", "le mien", "mien"}:
        return "moi"
    return None


# --- names --------------------------------------------------------------------------------

# Word sequences (folded) that introduce a name; True when the name must be capitalised,
# because the lead also introduces other things ("je suis inquiet", "c'est pour ma mère").
_NAME_LEADS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("je", "m", "appelle"), False),
    (("je", "m", "appele"), False),
    (("j", "m", "appelle"), False),
    (("je", "me", "nomme"), False),
    (("mon", "nom", "c", "est"), False),
    (("mon", "nom", "est"), False),
    (("mon", "nom"), False),
    (("moi", "c", "est"), False),
    (("de", "la", "part", "de"), False),
    (("je", "suis"), True),
    (("c", "est"), True),
    (("ici",), True),
)
_CIVILITY_WORDS = frozenset({"madame", "monsieur", "mme", "mr", "mademoiselle", "mlle"})
# Where a name stops inside a sentence.
_NAME_STOPS = frozenset(
    [
        "et",
        "j",
        "je",
        "jai",
        "d",
        "de",
        "du",
        "des",
        "mon",
        "ma",
        "mes",
        "pour",
        "au",
        "a",
        "le",
        "la",
        "les",
        "l",
        "qui",
        "que",
        "mais",
        "donc",
        "alors",
        "svp",
        "merci",
        "tel",
        "telephone",
        "numero",
        "sur",
        "dans",
        "depuis",
        "voila",
        "est",
        "suis",
        "il",
        "elle",
        "on",
        "nous",
        "vous",
        "habite",
        "habitant",
        "domicilie",
        "mere",
        "pere",
        "fille",
        "fils",
        "mari",
        "femme",
        "rsa",
        "apa",
        "college",
        "imagine",
        "allocataire",
        "beneficiaire",
        "inquiet",
        "inquiete",
        "perdu",
        "perdue",
        "desole",
        "desolee",
        "malade",
        "seul",
        "seule",
        "handicape",
        "en",
        "avec",
    ]
)
_TOKEN = re.compile(r"[^\s'’,.;:!?()]+|[,.;:!?()]")
_NAME_WORDS_MAX = 4


def _tokens_of(text: str) -> list[tuple[str, str]]:
    return [(token, fold(token)) for token in _TOKEN.findall(text)]


def _name_after(tokens: list[tuple[str, str]], start: int, need_capital: bool) -> str | None:
    words = []
    for token, folded in tokens[start:]:
        if not folded or folded in _NAME_STOPS or any(c.isdigit() for c in token):
            break
        words.append(token)
        if len(words) == _NAME_WORDS_MAX:
            break
    if not words:
        return None
    if need_capital and not all(w[:1].isupper() for w in words):
        return None
    return clean_name(" ".join(words))


def find_name(text: str) -> str | None:
    """A name the citizen gives inside a sentence ("je suis Marie Dupont, j'habite…").

    "je suis", "c'est" and "ici" introduce too many other things ("je suis inquiet"): after them
    only capitalised words count. "je m'appelle", "mon nom est", a civility take any words.
    """
    tokens = _tokens_of(text or "")
    folded = [f for _, f in tokens]
    for index in range(len(tokens)):
        if folded[index] in _CIVILITY_WORDS:
            name = _name_after(tokens, index + 1, need_capital=False)
            if name:
                return clean_name(f"{tokens[index][0]} {name}")
        for lead, need_capital in _NAME_LEADS:
            if tuple(folded[index : index + len(lead)]) == lead:
                next_index = index + len(lead)
                if next_index < len(tokens) and folded[next_index] in _CIVILITY_WORDS:
                    name = _name_after(tokens, next_index + 1, need_capital=False)
                    if name:
                        return clean_name(f"{tokens[next_index][0]} {name}")
                name = _name_after(tokens, next_index, need_capital)
                if name:
                    return name
    return None


# --- other details ------------------------------------------------------------------------

_AGE = re.compile(r"\b(\d{1,3})\s*ans\b")
_DOSSIER = re.compile(
    r"\b(?:dossier|allocataire|numero\s+(?:de\s+)?dossier|n\s*o|num)\D{0,15}?"
    r"([a-z]{2,4}[\-/ ]?20\d{2}[\-/ ]?\d{3,6}|\d{6,8})\b"
)
_DATE = re.compile(
    r"\b(?:depuis|il\s+y\s+a|ca\s+fait|cela\s+fait)\s+(?:plus\s+de\s+|presque\s+|environ\s+)?"
    r"(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|quinze|plusieurs|quelques)\s+"
    r"(?:jours?|semaines?|mois|ans?|annees?)\b"
    r"|\b(?:le\s+)?\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?\b"
    r"|\b(?:le\s+)?\d{1,2}(?:er)?\s+(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout"
    r"|septembre|octobre|novembre|decembre)(?:\s+\d{4})?\b"
    r"|\bdepuis\s+(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre"
    r"|novembre|decembre|le\s+debut\s+de\s+l\s+annee|l\s+ete|la\s+rentree)\b"
)
_POSTCODE = re.compile(r"\b(\d{5})\b")
_OUTSIDE = re.compile(
    r"\bhors\s+(?:du\s+)?(?:departement|val\s+de\s+marne|94)\b|\bpas\s+dans\s+le\s+"
    r"(?:val\s+de\s+marne|departement|94)\b|\bautre\s+departement\b|\bailleurs\b"
    r"|^paris\b|\ba\s+paris\b|\bj\s+habite\s+(?:a|dans\s+l|en)\s+(?:paris|province|essonne|seine"
    r"|hauts|yvelines|val\s+d\s+oise)"
)
_COMMUNE_CUE = re.compile(
    r"\b(?:habite|habitons|habitent|habitez|vis|vit|vivons|domicilie|domiciliee|reside|commune"
    r"|ville|a|sur|de|je\s+suis\s+de|je\s+suis\s+a)\b"
)


def find_age(text: str) -> str | None:
    found = _AGE.search(fold(text))
    if found and 0 < int(found.group(1)) < 120:
        return found.group(1)
    return None


def find_dossier(text: str) -> str | None:
    found = _DOSSIER.search(fold(text))
    return found.group(1).upper() if found else None


def find_dates(text: str) -> list[str]:
    return [m.group(0) for m in _DATE.finditer(fold(text))]


def outside_departement(text: str, department_prefix: str = "94") -> bool:
    """The citizen says the person lives outside the département (or gives another postcode)."""
    folded = fold(text)
    if folded in {"hors departement", "ailleurs"} or _OUTSIDE.search(folded):
        return True
    codes = _POSTCODE.findall(folded)
    return bool(codes) and not any(code.startswith(department_prefix) for code in codes)


# "pas Créteil mais Choisy", "le 06… non pardon le 07…": the last value given is the one meant.
_CHANGE_OF_MIND = re.compile(
    r",|;|\bc\s+est\b|\bmais\b|\bnon\b|\bpardon\b|\bplutot\b|\bpas\b", re.I
)


def _last_segment_value(text: str, read: Callable[[str], str | None]) -> str | None:
    """The value `read` finds in the last part of the text that has one."""
    parts = _CHANGE_OF_MIND.split(fold(text)) if _CHANGE_OF_MIND.search(fold(text)) else []
    for part in reversed(parts):
        value = read(part)
        if value:
            return value
    return read(text)


def find_commune(text: str, expected: bool) -> str | None:
    """The département's commune named in the text.

    Outside the commune question, a sentence must say where ("j'habite à Vitry"), so that a
    word that happens to be a commune's short name is not taken for an address.
    """
    if not expected and not _COMMUNE_CUE.search(fold(text)):
        return None
    # A phone number's digits are no postcode; "Maisons" alone is no commune (see communes.py).
    return _last_segment_value(re.sub(r"\d[\d\s.\-]{7,}\d", " ", text), resolve_commune)


def find_phone(text: str) -> str | None:
    """The number to call; when two are given, the last one ("le 06…, non, le 07…")."""
    return normalise_phone(text) or _last_segment_value(text, normalise_phone)


# --- callback moments ---------------------------------------------------------------------

WEEKDAYS = WEEKDAYS_FR
_ANY_TIME = (
    "peu importe",
    "n importe",
    "nimporte",
    "le plus tot",
    "au plus tot",
    "des que possible",
    "au plus vite",
    "le plus vite",
    "quand vous voulez",
    "quand vous pouvez",
    "indifferent",
    "pas de preference",
    "comme vous voulez",
    "n importe quand",
    "premier creneau",
    "tout de suite",
)
_MORNING = re.compile(r"\bmatin(?:ee)?\b|\bavant\s+midi\b")
_AFTERNOON = re.compile(
    r"\bapres\s*midi\b|\baprem\b|\bapre?s\s+midi\b|\bfin\s+de\s+journee\b|\bsoir\b|\bl\s+aprem\b"
)
_HOUR = re.compile(r"\b(?:vers|a|apres|avant)?\s*(\d{1,2})\s*h(?:eures?)?\s*(\d{2})?\b")
_ORDINALS = {"premier": 1, "1er": 1, "deuxieme": 2, "second": 2, "troisieme": 3, "quatrieme": 4}


@dataclass(frozen=True)
class Moment:
    """A callback slot as the core sees it: id, local start and end."""

    id: str
    start: datetime
    end: datetime
    label: str


def mentions_moment(text: str) -> bool:
    folded = fold(text)
    return bool(
        any(day in folded.split() for day in WEEKDAYS)
        or _MORNING.search(folded)
        or _AFTERNOON.search(folded)
        or re.search(r"\b(?:demain|aujourd\s*hui|apres\s+demain|ce\s+soir)\b", folded)
        or any(words in folded for words in _ANY_TIME)
        or _HOUR.search(folded)
    )


def match_moment(
    text: str, moments: Sequence[Moment], today: datetime | None = None
) -> Moment | None:
    """The offered slot that the citizen's words designate ("mardi après-midi", "demain matin",
    "peu importe", "le 2", "vers 15 h"), or None when none fits."""
    folded = fold(text).strip()
    if not moments:
        return None
    for moment in moments:  # a button: its payload is the slot's id
        if text.strip() == moment.id or folded in (fold(moment.id), fold(moment.label)):
            return moment
    number = re.fullmatch(r"(?:le\s+)?(\d)", folded)
    if number and 1 <= int(number.group(1)) <= len(moments):  # a number on the phone keypad
        return moments[int(number.group(1)) - 1]
    words = folded.split()
    for word, rank in _ORDINALS.items():
        if word in words and "creneau" in folded and rank <= len(moments):
            return moments[rank - 1]
    candidates = list(moments)
    day = next((d for d in WEEKDAYS if d in words), None)
    if day is not None:
        index = WEEKDAYS.index(day)
        candidates = [m for m in candidates if m.start.weekday() == index]
    elif today is not None and ("demain" in words or "aujourd hui" in folded):
        offset = 2 if "apres demain" in folded else (1 if "demain" in words else 0)
        wanted = today.toordinal() + offset
        candidates = [m for m in candidates if m.start.date().toordinal() == wanted]
    if _MORNING.search(folded):
        candidates = [m for m in candidates if m.start.hour < 12]
    elif _AFTERNOON.search(folded):
        candidates = [m for m in candidates if m.start.hour >= 12]
    hour = _HOUR.search(folded)
    if hour and int(hour.group(1)) <= 23:
        wanted_hour = int(hour.group(1))
        candidates = [m for m in candidates if m.start.hour <= wanted_hour < m.end.hour]
    if candidates == list(moments) and not any(words_ in folded for words_ in _ANY_TIME):
        return None  # nothing in the text narrowed the choice
    return candidates[0] if candidates else None


# --- one message inside the form ----------------------------------------------------------

_CORRECTION = re.compile(
    r"^(?:non|nan|pardon|oups|attention|erreur)\b|\bje\s+me\s+suis\s+trompe|\bplutot\b"
    r"|\ben\s+fait\b|\bc\s+est\s+pas\b|\bce\s+n\s+est\s+pas\b|\bcorrig|\bmodifi|\bchang|\berreur\b"
    r"|\bpas\s+le\s+bon\b|\bpas\s+la\s+bonne\b|\bfaute\b|\bmauvais\b"
)
_FIELD_WORDS = {
    "citizen_name": re.compile(r"\bnom\b|\bprenom\b|\bm\s*appel+e\b"),
    "phone": re.compile(r"\bnumero\b|\btelephone\b|\btel\b|\bportable\b|\bfixe\b|\bmobile\b"),
    "commune": re.compile(r"\bcommune\b|\bville\b|\bhabite\b|\badresse\b"),
    "callback_slot": re.compile(r"\bcreneau\b|\bhoraire\b|\bmoment\b|\bheure\b|\bjour\b"),
}
_QUESTION_START = re.compile(
    r"^(?:au\s+fait|et\s+|mais\s+|d\s+ailleurs|sinon|autre\s+question|j\s+ai\s+une\s+question)?\s*"
    r"(?:c\s+est\s+quoi|qu\s+est\s+ce|quel|quelle|quels|quelles|combien|comment|pourquoi|est\s+ce"
    r"|est\s+il|ou\s+(?:est|sont|faut|dois|peut)|quand|a\s+quoi|a\s+qui|on\s+peut|je\s+peux|peut\s+on"
    r"|faut\s+il|il\s+faut|cb|ca\s+coute|dois\s+je|y\s+a\s+t\s+il)\b"
)


def is_question(text: str) -> bool:
    """A question rather than an answer: a question mark or a French interrogative opening."""
    folded = fold(text)
    return "?" in text or bool(_QUESTION_START.search(folded))


def is_correction(text: str) -> bool:
    return bool(_CORRECTION.search(fold(text)))


def named_field(text: str) -> str | None:
    """The field a citizen names ("le numéro…", "la commune…"), if exactly one."""
    folded = fold(text)
    named = [name for name, pattern in _FIELD_WORDS.items() if pattern.search(folded)]
    return named[0] if len(named) == 1 else None


@dataclass
class Details:
    """The form's fields found in one message (raw or canonical values)."""

    citizen_name: str | None = None
    phone: str | None = None
    commune: str | None = None
    outside: bool = False
    moment: str | None = None  # the words, matched to the offered slots by the caller
    concerned_person: str | None = None
    age: str | None = None
    dossier_number: str | None = None
    dates: list[str] = field(default_factory=list)
    own_case: bool = False

    def fields(self) -> dict[str, str]:
        found = {
            "citizen_name": self.citizen_name,
            "phone": self.phone,
            "commune": OUTSIDE_DEPARTEMENT if self.outside and not self.commune else self.commune,
            "callback_slot": self.moment,
        }
        return {name: value for name, value in found.items() if value}

    def entities(self) -> dict[str, list[str]]:
        found = {
            "age": [self.age] if self.age else [],
            "dossier_number": [self.dossier_number] if self.dossier_number else [],
            "date": list(self.dates),
        }
        return {name: values for name, values in found.items() if values}


def read_details(text: str, expected: str | None = None) -> Details:
    """Every field of the callback form the message holds.

    `expected` is the field the form asked for: a bare answer ("Vitry", "Marie Dupont") counts
    for it, while other fields need the sentence to say what they are.
    """
    text = text or ""
    details = Details(
        phone=find_phone(text),
        concerned_person=concerned_person(text),
        age=find_age(text),
        dossier_number=find_dossier(text),
        dates=find_dates(text),
    )
    details.commune = find_commune(text, expected == "commune")
    details.outside = details.commune is None and outside_departement(text)
    details.citizen_name = find_name(text)
    if (
        expected == "citizen_name"
        and details.citizen_name is None
        and named_field(text) in (None, "phone", "commune")
        and not (is_correction(text) or is_question(text))
    ):
        bare = re.split(r"[,;]| et (?:mon|le) ", text)[0]
        details.citizen_name = clean_name(bare)
    if (
        details.citizen_name
        and expected != "citizen_name"
        and resolve_commune(details.citizen_name)
    ):
        details.citizen_name = None  # "c'est Vitry" is a place
    if mentions_moment(text) or expected == "callback_slot":
        details.moment = text
    return details


@dataclass
class FormTurn:
    """What one message inside the form does: fill or correct fields, ask a question, or
    add to the case."""

    updates: dict[str, str] = field(default_factory=dict)
    question: bool = False
    correction: bool = False
    remark: bool = False  # nothing for the form, but something the agent should read


ATTEMPTED_FIELDS = frozenset({"citizen_name", "phone", "commune"})
ATTEMPT_WORDS = 2


def read_form_turn(
    text: str,
    expected: str | None,
    filled: dict[str, object],
    topic_question: bool,
) -> FormTurn:
    """Decide what a message answered while the form waits for `expected` does.

    `topic_question`: the NLU recognised a question of a topic with confidence. It wins only
    when the message gives no value for the field asked ("Vitry" is an answer even if the NLU
    hesitates; "c'est quoi le montant du RSA ?" is not a commune).
    """
    details = read_details(text, expected)
    found = details.fields()
    correction = is_correction(text)
    if expected == "ticket_confirmed" or correction:
        # At the recap or in a correction, a named field takes a bare value ("non, c'est Vitry").
        target = named_field(text)
        if target and target not in found:
            bare = read_details(text, target).fields()
            if target in bare:
                found[target] = bare[target]
        if "commune" not in found:
            commune = find_commune(text, expected=True)
            if commune:
                found["commune"] = commune
    # A word or two in answer to the name, phone or commune question is an attempt at it, even
    # one the NLU places in a topic ("Cretai." for Créteil, heard on the phone and read as the
    # RSA abroad): not a question to answer nor a remark, so that the form can say it did not
    # understand and offer the near communes.
    attempt = expected in ATTEMPTED_FIELDS and len(re.findall(r"\w+", text)) <= ATTEMPT_WORDS
    topic_question = topic_question and not attempt
    asks = expected not in found and (topic_question or is_question(text)) and not correction
    if asks and (expected in ("consent", "ticket_confirmed", "case_for") or not found):
        return FormTurn(question=True)
    updates = {
        name: value
        for name, value in found.items()
        if name == expected
        or filled.get(name) in (None, "")
        or correction
        or expected == "ticket_confirmed"
    }
    # A value equal to what is already there is no change.
    updates = {k: v for k, v in updates.items() if k == expected or filled.get(k) != v}
    remark = not updates and expected not in found and topic_question
    return FormTurn(updates=updates, correction=correction and bool(updates), remark=remark)


# --- the ticket's reason ------------------------------------------------------------------

LOW_CONFIDENCE = 0.6
_PHONE_IN_TEXT = re.compile(r"(?:\+33|0033|\b0)[\s.\-]?[1-9](?:[\s.\-]?\d{2}){4}\b")


def mask_phone_numbers(text: str) -> str:
    """The number has its own field on the ticket: not repeated in the reason."""
    return _PHONE_IN_TEXT.sub("[numéro]", text)


def case_reason(
    subject: str,
    messages: Sequence[str],
    concerned: str | None,
    confidence: float | None,
    max_chars: int = 600,
    to_check: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The reason an agent reads first: the subject, for whom, the citizen's words about this
    request, and a warning when the assistant was unsure what the request is about.

    `to_check`: fields the form gave up asking ("Commune" → what it heard, not understood): the
    agent checks them during the call, so they come first.
    """
    subject_line = subject
    if concerned and concerned not in ("moi",):
        subject_line += f" (pour {concerned.replace('votre ', 'sa ').replace('vos ', 'ses ')})"
    quoted = [mask_phone_numbers(m.strip()) for m in messages if m and m.strip()]
    summary = subject_line
    if quoted:
        summary += " — « " + " » / « ".join(quoted) + " »"
    if confidence is not None and confidence < LOW_CONFIDENCE:
        summary = f"[À vérifier : compréhension incertaine, {round(confidence * 100)} %] " + summary
    for label, heard in reversed(list((to_check or {}).items())):
        words = [mask_phone_numbers(h.strip()) for h in heard if h and h.strip()]
        said = " — entendu : « " + " » / « ".join(words) + " »" if words else ""
        summary = f"[{label} à vérifier{said}] " + summary
    if len(summary) > max_chars:
        summary = summary[: max_chars - 2].rstrip() + "…»"
    return summary


def to_moments(slots: Sequence[object], tz: tzinfo | None = None) -> list[Moment]:
    """Callback slots (bot.hours.CallbackSlot) as Moments, in local time."""
    result = []
    for slot in slots:
        start, end = slot.start, slot.end  # type: ignore[attr-defined]
        if tz is not None:
            start, end = start.astimezone(tz), end.astimezone(tz)
        result.append(Moment(slot.id, start, end, slot.label))  # type: ignore[attr-defined]
    return result


# --- this request's messages --------------------------------------------------------------

# Citizen messages that say nothing about a case: they neither belong to it nor end it.
_NEUTRAL_INTENTS = frozenset({"greet", "thank", "affirm", "bot_challenge"})
# Intents that may open or describe a case whatever its topic.
_GENERIC_INTENTS = frozenset(
    {"ask_human", "file_status", "payment_issue", "contest_decision", "nlu_fallback", "inform"}
)


def case_messages(turns: Sequence[Turn], topic: str | None) -> list[str]:
    """The citizen's messages about the request just made, oldest first.

    From the latest message back, messages of the same topic (or of no topic: "où en est mon
    dossier ?") belong to the case; the first message of another topic, a goodbye or a cancel
    ends it, so that an earlier unrelated question stays out of the ticket's reason. Buttons
    and greetings are skipped.
    """
    found: list[str] = []
    for turn in reversed(turns):
        if turn.speaker != CITIZEN or not turn.text.strip():
            continue
        text, intent = turn.text.strip(), turn.intent
        if text.startswith("[bouton]") or intent in _NEUTRAL_INTENTS:
            continue
        turn_topic = topic_of(intent)
        if found and (
            intent not in _GENERIC_INTENTS and (turn_topic is None or turn_topic != topic)
        ):
            break
        found.append(text)
    return list(reversed(found))


def conversation_details(texts: Sequence[str]) -> Details:
    """The form's fields given anywhere in these messages; later messages win."""
    merged = Details()
    for text in texts:
        details = read_details(text)
        merged.own_case = merged.own_case or own_case(text)
        for name in ("citizen_name", "phone", "commune", "concerned_person", "age", "moment"):
            value = getattr(details, name)
            if value:
                setattr(merged, name, value)
        if details.outside and not merged.commune:
            merged.outside = True
        if details.dossier_number:
            merged.dossier_number = details.dossier_number
        merged.dates.extend(d for d in details.dates if d not in merged.dates)
    return merged
