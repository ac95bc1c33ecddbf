"""The catalogue of topics and intents (bot/catalogue.yml) and the files generated from it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalogue import CATALOGUE_FILE, CatalogueError, asr_prompt, parse_catalogue
from triage.generators.catalogue import (
    DOMAIN_DIR,
    INTENTS_DOC,
    WIDGET,
    domain_mismatch,
    generated_files,
    main,
    stale_files,
    widget_sentence,
)


@pytest.fixture()
def document() -> dict[str, Any]:
    return yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))


def fifth_topic(document: dict[str, Any]) -> dict[str, Any]:
    """The catalogue with a made-up fifth topic, as a contributor would add it."""
    document = copy.deepcopy(document)
    document["topics"].append(
        {
            "id": "pmi",
            "label": "PMI",
            "heading": "PMI (protection maternelle et infantile)",
            "written": "la PMI",
            "spoken": "la PMI",
            "hint": "PMI",
            "digit": "5",
            "keywords": ["pmi", "protection maternelle"],
            "cases": {
                "file_status": "pmi_file_status",
                "payment_issue": "pmi_file_status",
                "contest_decision": "pmi_file_status",
            },
            "intents": [
                {"name": "pmi_consultation", "kind": "answer", "asks": "where to see a nurse"},
                {"name": "pmi_file_status", "kind": "handoff", "asks": "no news of my file"},
            ],
        }
    )
    return document


def test_generated_files_are_up_to_date() -> None:
    assert stale_files() == [], "run: python -m triage.generators.catalogue"
    assert main(["--check"]) == 0


def test_domain_intents_are_the_catalogue_intents() -> None:
    assert domain_mismatch() == []


def test_a_fifth_topic_changes_every_generated_file(document: dict[str, Any]) -> None:
    catalogue = parse_catalogue(fifth_topic(document))
    files = generated_files(catalogue)
    assert "  - pmi_consultation\n" in files[DOMAIN_DIR / "pmi.yml"]
    assert "| pmi_file_status | handoff | no news of my file |" in files[INTENTS_DOC]
    assert (
        "la PMI" in files[WIDGET] and "la carte Imagine R, les collèges et la PMI" in files[WIDGET]
    )
    rules = files[DOMAIN_DIR.parent / "data" / "rules_topics.yml"]
    assert "      - intent: pmi_file_status\n      - action: action_start_handoff" in rules
    assert catalogue.generic_cases()["file_status"]["pmi"] == "pmi_file_status"
    # The shipped files do not have it: the check would name them stale.
    on_disk = {path: path.read_text(encoding="utf-8") for path in (INTENTS_DOC, WIDGET)}
    assert all(files[path] != text for path, text in on_disk.items())


def test_widget_and_phone_phrases() -> None:
    from bot.catalogue import get_catalogue, topics_sentence

    assert widget_sentence(get_catalogue()) == "l’APA, le RSA, la carte Imagine R et les collèges"
    assert topics_sentence("ou") == "l'APA, le RSA, la carte Imagine R ou les collèges"
    assert asr_prompt("Val-de-Marne") == (
        "APA, RSA, carte Imagine R, collège, conseiller, Val-de-Marne."
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["topics"][0]["intents"].append(dict(d["topics"][1]["intents"][0])),
            "start with",
        ),
        (lambda d: d["topics"][1]["intents"].append(dict(d["topics"][1]["intents"][0])), "twice"),
        (lambda d: d["topics"][0].update(digit="3"), "digits"),
        (lambda d: d["topics"][0]["intents"][0].update(kind="faq"), "unknown kind"),
        (lambda d: d["topics"][0]["cases"].update(file_status="rsa_amount"), "not an intent"),
        (lambda d: d["topics"][0]["cases"].pop("file_status"), "'cases' must map"),
        (lambda d: d["topics"][0].pop("label"), "'label'"),
    ],
)
def test_a_wrong_catalogue_is_refused(document: dict[str, Any], change: Any, message: str) -> None:
    change(document)
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(document)


def test_check_names_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "intents.md"
    stale.write_text("# edited by hand\n", encoding="utf-8")
    import triage.generators.catalogue as files

    monkeypatch.setattr(files, "INTENTS_DOC", stale)
    assert files.stale_files() == [stale]
