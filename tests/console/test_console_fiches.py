"""Fiche editing in the console: the loader's validation said in French, publish (file, version
row, diff), the pages and their access. Every test works on a copy of knowledge/ in tmp."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from bot.fiche_text import spoken_answer, written_answer
from bot.fiche_versions import FicheVersions, check, fiche_path, read_raw
from bot.knowledge import KnowledgeBase, KnowledgeBaseError
from bot.settings import PROJECT_ROOT, Settings, load_settings
from console.fiche_form import form_from_raw, french_error, raw_from_form
from tests.console.conftest import Browser

FICHE = "apa_amount"


@pytest.fixture
def settings(tmp_path: Path, migrated_url: str) -> Settings:
    """The console's settings, with a copy of the shipped fiches to edit."""
    shutil.copytree(PROJECT_ROOT / "knowledge", tmp_path / "knowledge")
    return load_settings(
        env={
            "TRIAGE_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": migrated_url,
            "TRIAGE_KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
        }
    )


def _form(settings: Settings, **changes: str) -> dict[str, str]:
    form = form_from_raw(read_raw(fiche_path(settings.knowledge_dir, FICHE)))
    return {**form, **changes}


def _error(settings: Settings, **changes: str) -> str:
    raw = raw_from_form(FICHE, _form(settings, **changes))
    with pytest.raises(KnowledgeBaseError) as caught:
        check(settings.knowledge_dir, raw, settings)
    return french_error(caught.value)


def test_the_form_round_trips_a_fiche_unchanged(settings: Settings) -> None:
    raw = read_raw(fiche_path(settings.knowledge_dir, FICHE))
    again = raw_from_form(FICHE, form_from_raw(raw))
    assert again == {**raw, "spoken": " ".join(raw["spoken"].split())}
    assert check(settings.knowledge_dir, again, settings).id == FICHE


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": ""}, "« Titre » : doit être un texte non vide"),
        ({"title": "x" * 81}, "« Titre » : doit tenir sur une ligne de 80 caractères au plus"),
        ({"questions": "Une ?\nDeux ?"}, "« Exemples de questions » : il en faut de 3 à 6"),
        ({"spoken": "Voyez www.exemple.fr pour tout."}, "« Réponse au téléphone » : ne doit pas"),
        ({"spoken": "Un. Deux. Trois."}, "« Réponse au téléphone » : compte 3 phrases, 2 au plus"),
        ({"answer": "Au {telephone}."}, "« Réponse écrite (chat) » : variable {telephone}"),
        ({"intents": "rsa_amount"}, "« Intentions reconnues » : « rsa_amount » ne commence"),
        ({"intents": "apa_apply"}, "« Intentions reconnues » : « apa_apply » a déjà une réponse"),
        ({"links": "APA | ftp://a.fr"}, "« Liens », ligne 1 (url) : « ftp://a.fr » n'est pas"),
        ({"who": "mairie_annexe: oriente"}, "« Qui fait quoi » (mairie_annexe) : acteur inconnu"),
        ({"last_review": "demain"}, "« Dernière relecture » : doit être une date (jj/mm/aaaa)"),
        ({"source": ""}, "« Sources » : doit contenir au moins une ligne"),
    ],
)  # fmt: skip
def test_validation_errors_are_french_and_name_the_field(
    settings: Settings, changes: dict[str, str], expected: str
) -> None:
    assert _error(settings, **changes).startswith(expected)


def test_publish_writes_the_file_and_a_version_with_its_diff(
    settings: Settings, engine: Engine
) -> None:
    path = fiche_path(settings.knowledge_dir, FICHE)
    raw = raw_from_form(FICHE, _form(settings, title="Montant de l'APA (à domicile)"))
    version = FicheVersions(engine).publish(settings.knowledge_dir, raw, settings, author="ines")
    assert version is not None
    assert "-title: Montant de l'APA à domicile\n" in version.diff
    assert "+title: Montant de l'APA (à domicile)\n" in version.diff
    text = path.read_text(encoding="utf-8")
    assert "title: Montant de l'APA (à domicile)\n" in text
    assert "GIR 2 : 1 682,30 € par mois" in text  # allow_unicode: no \u escapes
    assert text.index("id:") < text.index("title:") < text.index("last_review:")
    stored = yaml.safe_load(text)
    assert stored["valid_from"] == raw["valid_from"] and isinstance(stored["valid_from"], date)
    assert not list(path.parent.glob(".*.tmp"))  # the temporary file was renamed
    reloaded = KnowledgeBase.load(settings.knowledge_dir, settings).get(FICHE)
    assert reloaded is not None and reloaded.title == "Montant de l'APA (à domicile)"
    [stored_version] = FicheVersions(engine).history(FICHE)
    assert (stored_version.author, stored_version.diff) == ("ines", version.diff)
    again = FicheVersions(engine).publish(settings.knowledge_dir, raw, settings, author="ines")
    assert again is None and len(FicheVersions(engine).history(FICHE)) == 1


def test_a_refused_publish_leaves_the_file_and_the_history(
    settings: Settings, engine: Engine
) -> None:
    path = fiche_path(settings.knowledge_dir, FICHE)
    before = path.read_text(encoding="utf-8")
    raw = raw_from_form(FICHE, _form(settings, spoken=""))
    with pytest.raises(KnowledgeBaseError):
        FicheVersions(engine).publish(settings.knowledge_dir, raw, settings, author="ines")
    assert path.read_text(encoding="utf-8") == before
    assert FicheVersions(engine).history(FICHE) == []


def test_the_preview_is_what_the_assistant_says(
    settings: Settings, browser_for: Callable[[str | None], Browser]
) -> None:
    browser = browser_for("information")
    form = _form(settings, spoken="L'APA peut aller jusqu'à 811,52 euros par mois en GIR 4.")
    page = browser.post(f"/fiches/{FICHE}", {**form, "action": "apercu"})
    assert page.status_code == 200, page.text
    fiche = check(settings.knowledge_dir, raw_from_form(FICHE, form), settings)
    assert "huit cent onze euros cinquante-deux" in spoken_answer(fiche)
    assert spoken_answer(fiche).replace("'", "&#39;") in page.text
    assert "Pour en savoir plus" in written_answer(fiche)
    assert 'value="publier"' in page.text
    assert (
        FicheVersions(browser.client.application.extensions["triage"].engine).history(FICHE) == []
    )


def test_an_invalid_form_is_shown_again_with_the_french_error(
    settings: Settings, browser_for: Callable[[str | None], Browser]
) -> None:
    browser = browser_for("information")
    page = browser.post(f"/fiches/{FICHE}", {**_form(settings, title=""), "action": "publier"})
    assert page.status_code == 422
    assert "« Titre » : doit être un texte non vide" in page.text.replace("&#34;", '"')
    assert 'id="champ-title" name="title" value="" aria-invalid="true"' in page.text


def test_an_admin_publishes_and_sees_the_history(
    settings: Settings, browser_for: Callable[[str | None], Browser]
) -> None:
    browser = browser_for("admin")
    form = _form(settings, title="APA : combien ?")
    published = browser.post(f"/fiches/{FICHE}", {**form, "action": "publier"})
    assert published.status_code == 302
    assert published.headers["Location"].endswith(f"/fiches/{FICHE}/historique")
    history = browser.get(f"/fiches/{FICHE}/historique").text
    assert "Adèle Admin" in history and "+title: &#39;APA : combien ?&#39;" in history
    assert ">APA : combien ?</a>" in browser.get("/fiches").text  # the console reloaded it


def test_an_unknown_fiche_is_not_found(browser_for: Callable[[str | None], Browser]) -> None:
    browser = browser_for("information")
    assert browser.get("/fiches/../secret").status_code == 404
    assert browser.post("/fiches/apa_inconnue", {"action": "publier"}).status_code == 404
