"""The knowledge base: the shipped fiches, their coverage of the intent catalogue, their figures,
and the loader's refusal of every kind of broken fiche (on real copies of the files)."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalogue import get_catalogue
from bot.knowledge import (
    DEFAULT_IMAGINE_R_REFUND,
    TOPIC_LABELS,
    TOPICS,
    KnowledgeBase,
    KnowledgeBaseError,
    topic_of,
)
from bot.settings import PROJECT_ROOT, Settings, load_settings

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
OPENFISCA = PROJECT_ROOT.parent / "shared" / "reference" / "openfisca" / "parameters"


@pytest.fixture(scope="module")
def kb_settings() -> Settings:
    return load_settings(env={})


@pytest.fixture(scope="module")
def kb(kb_settings: Settings) -> KnowledgeBase:
    return KnowledgeBase.load(KNOWLEDGE_DIR, kb_settings)


def catalogue_intents() -> dict[str, str]:
    """Intent -> kind for every intent of the catalogue (bot/catalogue.yml)."""
    return {intent.name: intent.kind for intent in get_catalogue().intents}


def topic_catalogue() -> dict[str, str]:
    return get_catalogue().fiche_intents()


# --- the shipped knowledge base ---------------------------------------------------------------


def test_shipped_knowledge_base_loads(kb: KnowledgeBase) -> None:
    assert len(kb.fiches) == 92
    assert kb.topics() == list(TOPICS)
    assert {f.topic for f in kb.fiches} == set(TOPIC_LABELS)


def test_catalogue_has_the_expected_shape() -> None:
    catalogue = catalogue_intents()
    topic = topic_catalogue()
    # The catalogue also holds general intents, which need no fiche.
    assert catalogue["greet"] == "chitchat" and "greet" not in topic
    assert catalogue["file_status"] == "handoff" and "file_status" not in topic
    assert len(topic) == 92


def test_every_topic_intent_has_exactly_one_fiche(kb: KnowledgeBase) -> None:
    expected = topic_catalogue()
    answered: dict[str, list[str]] = {}
    for fiche in kb.fiches:
        for intent in fiche.intents:
            answered.setdefault(intent, []).append(fiche.id)
    assert sorted(answered) == sorted(expected), "fiches and bot/catalogue.yml disagree"
    assert all(len(ids) == 1 for ids in answered.values())
    assert kb.coverage(expected) == []
    for intent, kind in expected.items():
        fiche = kb.for_intent(intent)
        assert fiche is not None and fiche.id == intent
        assert fiche.kind == kind, f"{intent}: catalogue says {kind}"


def test_fiche_texts_follow_the_rules(kb: KnowledgeBase) -> None:
    for fiche in kb.fiches:
        assert fiche.path.name == f"{fiche.id}.yml"
        assert len(fiche.spoken) <= 300, fiche.id
        assert len(re.findall(r"[.!?]+(?:\s|$)", fiche.spoken)) <= 2, fiche.id
        assert "http" not in fiche.spoken and "www." not in fiche.spoken, fiche.id
        assert "€" not in fiche.spoken, f"{fiche.id}: write 'euros' for the speech engine"
        assert 3 <= len(fiche.questions) <= 6, fiche.id
        assert fiche.source and fiche.valid_from <= fiche.last_review, fiche.id
        assert all(link.url.startswith(("https://", "http://")) for link in fiche.links)
        for text in (fiche.title, fiche.spoken, fiche.answer, *fiche.questions):
            assert "{" not in text and "}" not in text, f"{fiche.id}: placeholder left"


def test_handoff_fiches_end_with_the_callback(kb: KnowledgeBase) -> None:
    handoffs = [f for f in kb.fiches if f.handoff]
    assert len(handoffs) == 15
    for fiche in handoffs:
        last_paragraph = fiche.answer.split("\n\n")[-1]
        assert "rappeler" in last_paragraph, fiche.id


def test_every_fiche_says_who_does_what(kb: KnowledgeBase) -> None:
    for fiche in kb.fiches:
        assert fiche.who, fiche.id
        assert all(label and text for label, text in fiche.who_labelled())


# --- figures ------------------------------------------------------------------------------------


def test_rsa_amount_is_the_april_2026_figure(kb: KnowledgeBase) -> None:
    fiche = kb.for_intent("rsa_amount")
    assert fiche is not None
    assert "651,69" in fiche.answer and "651,69 euros" in fiche.spoken
    assert fiche.valid_from == date(2026, 4, 1)
    # Couple without children: + 50 %; forfait logement for one person: 12 %.
    assert "977,54" in fiche.answer and "78,20" in fiche.answer


def test_imagine_r_price_is_current(kb: KnowledgeBase) -> None:
    fiche = kb.for_intent("imagine_r_price")
    assert fiche is not None
    assert "392,30" in fiche.answer and "392,30 euros" in fiche.spoken
    assert "9" in fiche.answer


def test_no_2020_amount_survives(kb: KnowledgeBase) -> None:
    """Amounts of the 2020 service-public texts must not leak into the fiches."""
    stale = ["564,78", "1 742,34", "1 399,03", "1 010,85", "674,27", "813,39", "35 €", "153 €"]
    for fiche in kb.fiches:
        for amount in stale:
            assert amount not in fiche.answer, f"{fiche.id} still says {amount}"


def _latest(path: Path) -> tuple[date, Decimal]:
    values = yaml.safe_load(path.read_text(encoding="utf-8"))["values"]
    day = max(values)
    return day, Decimal(str(values[day]["value"]))


def _euros(amount: Decimal) -> str:
    text = f"{amount.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"
    return text.replace(",", " ").replace(".", ",")


@pytest.mark.skipif(not OPENFISCA.is_dir(), reason="../shared/reference/openfisca is absent")
def test_figures_match_the_latest_openfisca_values(kb: KnowledgeBase) -> None:
    rsa_dir = OPENFISCA / "prestations_sociales/solidarite_insertion/minima_sociaux/rsa"
    rsa_day, rsa_base = _latest(rsa_dir / "rsa_m/montant_de_base_du_rsa.yaml")
    rsa = kb.for_intent("rsa_amount")
    assert rsa is not None and rsa.valid_from == rsa_day
    assert _euros(rsa_base) in rsa.answer

    apa_dir = (
        OPENFISCA / "prestations_sociales/prestations_etat_de_sante/perte_autonomie_personnes_agees"
    )
    mtp_day, mtp = _latest(apa_dir / "mtp.yaml")
    amount = kb.for_intent("apa_amount")
    assert amount is not None and amount.valid_from == mtp_day
    for gir in (1, 2, 3, 4):
        _, share = _latest(
            apa_dir / f"apa_domicile/plafond_apa_domicile_en_part_mtp/gir_{gir}.yaml"
        )
        assert _euros(mtp * share) in amount.answer, f"GIR {gir} ceiling"

    participation = kb.for_intent("apa_participation")
    assert participation is not None
    for name in ("seuil_inferieur", "seuil_superieur"):
        _, share = _latest(apa_dir / f"apa_domicile/seuil_revenu_en_part_mtp/{name}.yaml")
        assert _euros(mtp * share) in participation.answer, name


# --- placeholders -------------------------------------------------------------------------------


def test_placeholders_come_from_the_settings(kb: KnowledgeBase, kb_settings: Settings) -> None:
    refund = kb.for_intent("imagine_r_refund")
    assert refund is not None
    assert kb_settings.imagine_r_refund and kb_settings.imagine_r_refund in refund.answer
    assert refund.spoken == kb_settings.imagine_r_refund
    apply = kb.for_intent("apa_apply")
    assert apply is not None and kb_settings.contact_phone in apply.spoken
    assert kb_settings.website in [link.url for link in apply.links]


def test_another_departement_gets_its_own_texts(kb_settings: Settings) -> None:
    other = dataclasses.replace(
        kb_settings,
        short_name="Essonne",
        contact_phone="01 23 45 67 89",
        website="https://www.essonne.fr",
        imagine_r_refund="",
    )
    kb = KnowledgeBase.load(KNOWLEDGE_DIR, other)
    refund = kb.for_intent("imagine_r_refund")
    assert refund is not None
    assert DEFAULT_IMAGINE_R_REFUND in refund.answer
    assert kb_settings.imagine_r_refund not in refund.answer
    apply = kb.for_intent("apa_apply")
    assert apply is not None
    assert "01 23 45 67 89" in apply.answer and "https://www.essonne.fr" in apply.answer
    assert kb_settings.contact_phone not in apply.spoken


# --- lookup and search --------------------------------------------------------------------------


def test_lookups(kb: KnowledgeBase) -> None:
    assert kb.get("apa_amount") is kb.for_intent("apa_amount")
    assert kb.get("nope") is None and kb.for_intent("greet") is None
    assert len(kb.by_topic("apa")) == 25 and len(kb.by_topic("imagine_r")) == 14
    assert kb.coverage(["apa_amount", "greet", "greet", "rsa_unknown"]) == ["greet", "rsa_unknown"]


@pytest.mark.parametrize(
    ("intent", "topic"),
    [
        ("apa_amount", "apa"),
        ("rsa_urgent", "rsa"),
        ("imagine_r_price", "imagine_r"),
        ("college_bourse", "college"),
        ("greet", None),
        ("file_status", None),
        ("out_of_scope", None),
        ("rsa", None),
    ],
)
def test_topic_of(intent: str, topic: str | None) -> None:
    assert topic_of(intent) == topic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("combien coûte la carte imagine R", "imagine_r_price"),
        ("COMBIEN COUTE LA CARTE IMAGINE R", "imagine_r_price"),
        ("montant du RSA pour un couple", "rsa_amount"),
        ("déclaration trimestrielle de ressources", "rsa_declaration"),
        ("dérogation pour un autre collège", "college_sectorisation"),
        ("carte imagine r perdue", "imagine_r_lost_card"),
        ("visite d'évaluation GIR", "apa_evaluation"),
        # Several Imagine R titles mention refunds: the answer beats the callback cases.
        ("je veux un remboursement imagine r", "imagine_r_refund"),
    ],
)
def test_search_finds_the_fiche(kb: KnowledgeBase, text: str, expected: str) -> None:
    assert kb.search(text)[0].id == expected


def test_search_limits_and_misses(kb: KnowledgeBase) -> None:
    assert len(kb.search("APA", limit=2)) == 2
    assert kb.search("APA", limit=0) == []
    assert kb.search("xylophone zébré") == []
    assert kb.search("le la les de") == []


# --- broken fiches -------------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR / "fiches", target / "fiches")
    return target


def _edit(directory: Path, fiche_id: str, change: Callable[[dict[str, Any]], None]) -> Path:
    path = directory / "fiches" / f"{fiche_id}.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda raw: raw.__setitem__(key, value)


BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("missing_key", lambda raw: raw.pop("spoken"), "'spoken'"),
    ("unknown_key", _set("link", []), "'link'"),
    ("bad_topic", _set("topic", "logement"), "'topic'"),
    ("id_without_topic", _set("id", "montant"), "'id'"),
    ("id_not_file_name", _set("id", "apa_amount_2026"), "'id'"),
    ("empty_intents", _set("intents", []), "'intents'"),
    ("intent_of_other_topic", _set("intents", ["apa_amount", "rsa_amount"]), "'intents'"),
    ("handoff_not_bool", _set("handoff", "oui"), "'handoff'"),
    ("too_few_questions", _set("questions", ["Combien ?"]), "'questions'"),
    ("three_sentences", _set("spoken", "Un. Deux. Trois."), "'spoken'"),
    ("spoken_too_long", _set("spoken", "Le montant est de 2080,33 euros " * 12 + "."), "'spoken'"),
    ("spoken_url", _set("spoken", "Consultez https://www.caf.fr pour le détail."), "'spoken'"),
    ("spoken_domain", _set("spoken", "Consultez le site caf.fr pour le détail."), "'spoken'"),
    ("spoken_list", _set("spoken", "- GIR 1\n- GIR 2"), "'spoken'"),
    ("valid_from_text", _set("valid_from", "avril 2025"), "'valid_from'"),
    ("last_review_impossible", _set("last_review", "2026-13-01"), "'last_review'"),
    ("empty_source", _set("source", []), "'source'"),
    ("source_mapping", _set("source", [{"current-facts.md": "x"}]), "'source[0]'"),
    ("bad_link", _set("links", [{"label": "CAF", "url": "www.caf.fr"}]), "'links[0].url'"),
    ("link_without_label", _set("links", [{"url": "https://www.caf.fr"}]), "'links[0]'"),
    ("unknown_placeholder", _set("answer", "Appelez le {telephone}."), "'answer'"),
    ("stray_brace", _set("answer", "Appelez le {contact_phone."), "'answer'"),
    ("unknown_actor", _set("who", {"prefecture": "rien"}), "'who.prefecture'"),
    ("empty_answer", _set("answer", "   "), "'answer'"),
]


@pytest.mark.parametrize(("case", "change", "field"), BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_fiche_names_file_and_field(
    tmp_path: Path,
    kb_settings: Settings,
    case: str,
    change: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    directory = _copy(tmp_path)
    path = _edit(directory, "apa_amount", change)
    with pytest.raises(KnowledgeBaseError) as error:
        KnowledgeBase.load(directory, kb_settings)
    message = str(error.value)
    assert str(path) in message, message
    assert field in message, message


def test_intent_answered_twice_names_both_files(tmp_path: Path, kb_settings: Settings) -> None:
    directory = _copy(tmp_path)
    path = _edit(directory, "apa_apply", _set("intents", ["apa_apply", "apa_amount"]))
    with pytest.raises(KnowledgeBaseError) as error:
        KnowledgeBase.load(directory, kb_settings)
    message = str(error.value)
    assert str(path) in message and "'intents'" in message and "apa_amount.yml" in message


def test_invalid_yaml_names_the_file(tmp_path: Path, kb_settings: Settings) -> None:
    directory = _copy(tmp_path)
    path = directory / "fiches" / "rsa_amount.yml"
    path.write_text("id: rsa_amount\ntopic: [rsa\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"rsa_amount\.yml: not valid YAML"):
        KnowledgeBase.load(directory, kb_settings)


def test_spoken_too_long_after_substitution(tmp_path: Path, kb_settings: Settings) -> None:
    """A long refund policy in the configuration must not be read aloud in full."""
    directory = _copy(tmp_path)
    long_policy = dataclasses.replace(kb_settings, imagine_r_refund="Le Département aide " * 20)
    with pytest.raises(KnowledgeBaseError, match=r"imagine_r_refund\.yml: field 'spoken'"):
        KnowledgeBase.load(directory, long_policy)


def test_missing_or_empty_folder(tmp_path: Path, kb_settings: Settings) -> None:
    with pytest.raises(KnowledgeBaseError, match="folder not found"):
        KnowledgeBase.load(tmp_path / "nowhere", kb_settings)
    (tmp_path / "empty" / "fiches").mkdir(parents=True)
    with pytest.raises(KnowledgeBaseError, match="no fiche"):
        KnowledgeBase.load(tmp_path / "empty", kb_settings)


# --- the check command ---------------------------------------------------------------------


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.knowledge", "check", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_command_counts_per_topic() -> None:
    result = _check()
    assert result.returncode == 0, result.stderr
    assert re.search(r"^apa\s+25 fiches \(20 answer, 5 handoff\)$", result.stdout, re.M)
    assert re.search(r"^college\s+23 fiches", result.stdout, re.M)
    assert "all 92 topic intents" in result.stdout


def test_check_command_names_the_broken_file(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = _edit(directory, "college_bourse", _set("topic", "ecole"))
    result = _check("--dir", str(directory))
    assert result.returncode == 1
    assert str(path) in result.stderr and "'topic'" in result.stderr


def test_check_command_reports_missing_coverage(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "fiches" / "rsa_urgent.yml").unlink()
    result = _check("--dir", str(directory))
    assert result.returncode == 1
    assert "rsa_urgent" in result.stderr
