"""The held-out NLU set is well formed, large enough, follows the intent catalogue and is
disjoint from the training data (nlu_data/ is read only here, through Rasa's loader)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.catalogue import get_catalogue
from bot.text import fold

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
HELDOUT = HERE / "heldout.yml"
# Held-out messages of the intents added with the fiches of issue 13 (reported apart by make eval).
HELDOUT_FICHES = HERE / "heldout_fiches.yml"
MIN_FICHE_EXAMPLES = 3
SMOKE = HERE / "smoke.yml"
NLU_DATA = ROOT / "nlu_data"
TOPIC_PREFIXES = tuple(f"{topic}_" for topic in get_catalogue().topic_ids)


def examples(path: Path) -> list[tuple[str, str]]:
    data = load_data(str(path), language="fr")
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def raw_example_count(path: Path) -> int:
    # Rasa silently merges exact duplicates: count the YAML lines to detect them.
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return sum(
        sum(1 for line in block["examples"].splitlines() if line.strip().startswith("- "))
        for block in doc["nlu"]
    )


def catalogue() -> set[str]:
    """Intent names of the catalogue (bot/catalogue.yml)."""
    return {intent.name for intent in get_catalogue().intents}


def topic_intents() -> set[str]:
    return {i for i in catalogue() if i.startswith(TOPIC_PREFIXES)}


@pytest.fixture(scope="module")
def heldout() -> list[tuple[str, str]]:
    return examples(HELDOUT)


@pytest.fixture(scope="module")
def smoke() -> list[tuple[str, str]]:
    return examples(SMOKE)


@pytest.fixture(scope="module")
def heldout_fiches() -> list[tuple[str, str]]:
    return examples(HELDOUT_FICHES)


def test_catalogue_is_read() -> None:
    # Guards the parser below: the catalogue has 92 topic intents and the general ones.
    assert len(topic_intents()) == 92
    assert {"out_of_scope", "greet", "file_status", "ask_human"} <= catalogue()


def test_heldout_size(heldout: list[tuple[str, str]]) -> None:
    counts = Counter(intent for _, intent in heldout)
    on_topic = sum(n for intent, n in counts.items() if intent.startswith(TOPIC_PREFIXES))
    assert len(heldout) >= 450
    assert on_topic >= 300
    assert counts["out_of_scope"] >= 150
    assert sum(counts.values()) - on_topic - counts["out_of_scope"] >= 25


def test_heldout_intents_follow_catalogue(heldout: list[tuple[str, str]]) -> None:
    unknown = {intent for _, intent in heldout} - catalogue()
    assert not unknown, f"intents not in bot/catalogue.yml: {sorted(unknown)}"


def test_every_topic_intent_has_five_examples(
    heldout: list[tuple[str, str]], heldout_fiches: list[tuple[str, str]]
) -> None:
    counts = Counter(intent for _, intent in heldout)
    added = Counter(intent for _, intent in heldout_fiches)
    thin = {i: counts[i] for i in sorted(topic_intents()) if counts[i] < 5 and not added[i]}
    assert not thin, f"topic intents with fewer than 5 held-out examples: {thin}"
    thin_added = {i: n for i, n in added.items() if n < MIN_FICHE_EXAMPLES}
    assert not thin_added, f"intents of {HELDOUT_FICHES.name} with too few messages: {thin_added}"
    assert set(added) <= catalogue(), f"unknown intents: {set(added) - catalogue()}"


@pytest.mark.parametrize("path", [HELDOUT, SMOKE, HELDOUT_FICHES], ids=lambda p: p.name)
def test_no_duplicates(path: Path) -> None:
    texts = [text for text, _ in examples(path)]
    assert len(texts) == raw_example_count(path), f"exact duplicates in {path.name}"
    repeated = [t for t, n in Counter(fold(t) for t in texts).items() if n > 1]
    assert not repeated, f"messages repeated in {path.name}: {repeated}"


def test_smoke_covers_each_topic_intent_once(smoke: list[tuple[str, str]]) -> None:
    counts = Counter(intent for _, intent in smoke)
    assert set(counts) <= catalogue()
    # The intents added with issue 13's fiches are smoke-tested through heldout_fiches.yml.
    added = {intent for _, intent in examples(HELDOUT_FICHES)}
    assert {i: counts[i] for i in topic_intents() - added if counts[i] != 1} == {}
    assert counts["out_of_scope"] >= 3


def test_smoke_and_heldout_are_disjoint(
    heldout: list[tuple[str, str]], smoke: list[tuple[str, str]]
) -> None:
    shared = {fold(t) for t, _ in heldout} & {fold(t) for t, _ in smoke}
    assert not shared, f"messages in both smoke.yml and heldout.yml: {sorted(shared)}"


def training_texts() -> set[str]:
    """Folded texts of every intent example in nlu_data/ (never printed)."""
    files = sorted([*NLU_DATA.rglob("*.yml"), *NLU_DATA.rglob("*.yaml")])
    texts: set[str] = set()
    for path in files:
        try:
            data = load_data(str(path), language="fr")
        except ValueError:  # not an NLU file (Rasa cannot guess its format)
            continue
        texts |= {fold(m.get("text")) for m in data.intent_examples}
    return texts


def test_heldout_never_in_training_data(
    heldout: list[tuple[str, str]],
    smoke: list[tuple[str, str]],
    heldout_fiches: list[tuple[str, str]],
) -> None:
    trained = training_texts()
    if not trained:
        pytest.skip("no NLU training examples in nlu_data/ yet")
    leaked = sorted({t for t, _ in [*heldout, *smoke, *heldout_fiches] if fold(t) in trained})
    assert not leaked, f"{len(leaked)} held-out messages also in nlu_data/: {leaked}"


def test_heldout_fiches_is_disjoint_from_the_other_sets(
    heldout: list[tuple[str, str]],
    smoke: list[tuple[str, str]],
    heldout_fiches: list[tuple[str, str]],
) -> None:
    others = {fold(t) for t, _ in [*heldout, *smoke]}
    shared = sorted(t for t, _ in heldout_fiches if fold(t) in others)
    assert not shared, f"{HELDOUT_FICHES.name} shares messages with heldout or smoke: {shared}"
