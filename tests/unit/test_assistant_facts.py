"""The assistant's own facts come from departement.yml and fill their responses' variables."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import yaml

from bot.assistant_facts import FACT_RESPONSES, fact_values, response_for
from bot.settings import Settings

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain" / "facts.yml"


def test_values_follow_the_configuration(settings: Settings) -> None:
    values = fact_values(settings)
    assert values["deadline_hours"] == str(settings.deadline_working_hours)
    assert values["contact_phone"] == settings.contact_phone
    assert "lundi" in values["hours"]
    other = dataclasses.replace(settings, deadline_working_hours=24, retention_days=30)
    assert fact_values(other)["deadline_hours"] == "24"
    assert fact_values(other)["retention_days"] == "30"


def test_every_response_variable_has_a_value(settings: Settings) -> None:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    values = fact_values(settings)
    for name in FACT_RESPONSES.values():
        for variant in responses[name]:
            missing = set(re.findall(r"{(\w+)}", variant["text"])) - set(values)
            assert not missing, f"{name}: no value for {missing}"


def test_intents_map_to_responses() -> None:
    assert response_for("callback_info") == "utter_fact_callback_info"
    assert response_for("greet") is None and response_for(None) is None
