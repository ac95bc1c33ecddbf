"""The fiche editor's form: fields <-> the raw fiche the loader validates, errors in French.

Validation is the loader's (bot.knowledge via bot.fiche_versions.check); this module only lays
the fields out for a form (one item per line) and says the loader's errors in French, naming the
field as the form labels it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.knowledge import KnowledgeBaseError

FIELD_LABELS = {
    "id": "Identifiant",
    "topic": "Thème",
    "title": "Titre",
    "intents": "Intentions reconnues",
    "handoff": "Rappel par un conseiller",
    "questions": "Exemples de questions",
    "spoken": "Réponse au téléphone",
    "answer": "Réponse écrite (chat)",
    "who": "Qui fait quoi",
    "links": "Liens",
    "source": "Sources",
    "valid_from": "En vigueur depuis",
    "last_review": "Dernière relecture",
}
LIST_FIELDS = ("intents", "questions", "source")
LINK_SEPARATOR = " | "

# The loader's problems (bot.knowledge, in English for developers) said in French.
_FRENCH: tuple[tuple[str, str], ...] = (
    (r"is required", "est obligatoire"),
    (r"must be a text, got a mapping.*", "doit être un texte (pas de « : » suivi d'une espace)"),
    (r"must be a non-empty text, got .*", "doit être un texte non vide"),
    (r"must be a non-empty list of intent names", "doit contenir au moins une intention"),
    (r"must be a non-empty list", "doit contenir au moins une ligne"),
    (r"must be a date YYYY-MM-DD, got .*", "doit être une date (jj/mm/aaaa)"),
    (r"must be one of (.*), got .*", r"doit être l'un des thèmes : \1"),
    (r"must be lower case letters, digits and _, got .*",
     "ne doit contenir que des minuscules sans accent, des chiffres et _"),
    (r"'(.*)' must start with its topic '(.*)'", r"« \1 » doit commencer par « \2 »"),
    (r"'(.*)' must equal the file name '(.*)'", r"« \1 » doit être le nom du fichier « \2 »"),
    (r"must be one line of at most (\d+) characters",
     r"doit tenir sur une ligne de \1 caractères au plus"),
    (r"(.*) is not an intent name", r"\1 n'est pas un nom d'intention"),
    (r"'(.*)' does not start with '(.*)'", r"« \1 » ne commence pas par « \2 »"),
    (r"lists an intent twice", "cite deux fois la même intention"),
    (r"'(.*)' is already answered by (.*)", r"« \1 » a déjà une réponse dans la fiche \2"),
    (r"must be true or false, got .*", "doit être oui ou non"),
    (r"needs (\d+) to (\d+), got (\d+)", r"il en faut de \1 à \2 (il y en a \3)"),
    (r"(?:\(after substituting placeholders\) )?has (\d+) characters, at most (\d+)",
     r"compte \1 caractères (variables remplacées), \2 au plus"),
    (r"(?:\(after substituting placeholders\) )?must not contain a web address.*",
     "ne doit pas contenir d'adresse web (elle est lue au téléphone)"),
    (r"must not contain a list.*", "ne doit pas contenir de liste (elle est lue au téléphone)"),
    (r"(?:\(after substituting placeholders\) )?has (\d+) sentences, at most (\d+)",
     r"compte \1 phrases, \2 au plus"),
    (r"must map actors to what they do", "doit associer chaque acteur à ce qu'il fait"),
    (r"unknown actor \(allowed: (.*)\)", r"acteur inconnu (possibles : \1)"),
    (r"must be a list of \{label, url\}", "doit contenir des lignes « libellé | adresse »"),
    (r"must have exactly a label and a url", "doit avoir un libellé et une adresse"),
    (r"'(.*)' is not an http\(s\) address", r"« \1 » n'est pas une adresse http(s)"),
    (r"unknown placeholder (\{.*?\}) \(allowed: (.*)\)",
     r"variable \1 inconnue (possibles : \2)"),
    (r"stray brace.*", "accolade isolée (les variables s'écrivent {website})"),
    (r"is not a fiche field.*", "n'est pas un champ de fiche"),
    (r"is used twice", "est déjà utilisé par une autre fiche"),
)  # fmt: skip
_ITEM = re.compile(r"^([a-z_]+)(?:\[(\d+)\])?(?:\.(.+))?$")


def field_of(error: KnowledgeBaseError) -> str:
    """The form field an error is about ('questions[2]' -> 'questions'), or ''."""
    match = _ITEM.match(error.field or "")
    return match.group(1) if match else ""


def french_error(error: KnowledgeBaseError) -> str:
    """« Exemples de questions », ligne 3 : doit être un texte non vide."""
    match = _ITEM.match(error.field or "")
    if not match:
        return f"La fiche ne peut pas être lue : {error}"
    name, index, detail = match.groups()
    where = f"« {FIELD_LABELS.get(name, name)} »"
    if index is not None:
        where += f", ligne {int(index) + 1}"
    if detail:
        where += f" ({detail})"
    for pattern, french in _FRENCH:
        found = re.fullmatch(pattern, error.problem)
        if found:
            return f"{where} : {found.expand(french)}"
    return f"{where} : valeur refusée ({error.problem})"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _block(text: str) -> str:
    """A multi-line text as typed, with the browser's CRLF and trailing spaces removed."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def _day(text: str) -> date | str:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return text.strip()  # the loader names the field and the expected format


def _who(text: str) -> dict[str, str] | None:
    pairs = [line.partition(":") for line in _lines(text)]
    return {key.strip(): value.strip() for key, _, value in pairs} or None


def _links(text: str) -> list[Any] | None:
    links: list[Any] = []
    for line in _lines(text):
        label, separator, url = line.rpartition("|")
        links.append({"label": label.strip(), "url": url.strip()} if separator else line)
    return links or None


def raw_from_form(fiche_id: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The fiche as the YAML file will hold it, from the editor's fields."""
    raw: dict[str, Any] = {
        "id": fiche_id,
        "topic": form.get("topic", ""),
        "title": _block(form.get("title", "")),
        "intents": _lines(form.get("intents", "")),
        "handoff": form.get("handoff") == "oui",
        "questions": _lines(form.get("questions", "")),
        "spoken": " ".join(form.get("spoken", "").split()),
        "answer": _block(form.get("answer", "")),
        "who": _who(form.get("who", "")),
        "links": _links(form.get("links", "")),
        "source": _lines(form.get("source", "")),
        "valid_from": _day(form.get("valid_from", "")),
        "last_review": _day(form.get("last_review", "")),
    }
    return {key: value for key, value in raw.items() if value is not None}


def form_from_raw(raw: Mapping[str, Any]) -> dict[str, str]:
    """The editor's fields from a fiche file (placeholders such as {website} kept)."""
    who = raw.get("who") or {}
    links = raw.get("links") or []
    return {
        "topic": str(raw.get("topic", "")),
        "title": str(raw.get("title", "")),
        "intents": "\n".join(map(str, raw.get("intents") or [])),
        "handoff": "oui" if raw.get("handoff") else "non",
        "questions": "\n".join(map(str, raw.get("questions") or [])),
        "spoken": " ".join(str(raw.get("spoken", "")).split()),
        "answer": str(raw.get("answer", "")),
        "who": "\n".join(f"{key}: {text}" for key, text in who.items()),
        "links": "\n".join(
            f"{link.get('label', '')}{LINK_SEPARATOR}{link.get('url', '')}"
            for link in links
            if isinstance(link, dict)
        ),
        "source": "\n".join(map(str, raw.get("source") or [])),
        "valid_from": str(raw.get("valid_from", "")),
        "last_review": str(raw.get("last_review", "")),
    }

