"""Sentences rendered ahead: every fiche's spoken answer, kept by the hash of its text, reused by
calls and after a restart, rendered again when the fiche changes."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.settings import get_settings
from bot.speech_text import speakable, split_sentences
from voice import prompts
from voice.call import first_part_apart
from voice.prerender import Prerenderer, dialogue_texts, sentences
from voice.tts import EspeakEngine, Synthesizer

FICHES = ("imagine_r_price.yml", "apa_amount.yml")


@pytest.fixture()
def knowledge(tmp_path: Path):
    """A knowledge base of two real fiches, in a folder the test may edit."""
    fiches = tmp_path / "knowledge" / "fiches"
    fiches.mkdir(parents=True)
    for name in FICHES:
        shutil.copy(get_settings().knowledge_dir / "fiches" / name, fiches / name)
    return dataclasses.replace(get_settings(), knowledge_dir=tmp_path / "knowledge")


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine(("roa/fr",))


def _prerenderer(synth: Synthesizer, settings) -> Prerenderer:
    return Prerenderer(synth, settings, with_dialogue=False)


def test_fiches_are_rendered_ahead_reused_and_rendered_again_when_changed(
    espeak, knowledge, tmp_path
):
    cache = tmp_path / "tts-cache"
    synth = Synthesizer(engine=espeak, cache_dir=cache)
    ahead = _prerenderer(synth, knowledge)
    texts = ahead.texts()
    price = knowledge.knowledge_dir / "fiches" / "imagine_r_price.yml"
    answer = split_sentences(speakable(_spoken(price)))
    assert set(answer) <= set(texts)
    assert set(split_sentences(prompts.NOT_HEARD)) <= set(texts)
    assert ahead.run_once() == len(texts) == synth.rendered
    assert len(list(cache.rglob("*.wav"))) == len(texts)

    # A call saying the answer takes the audio rendered ahead: nothing is synthesised.
    first = synth.synthesize(answer[0])
    assert synth.synthesize(answer[0]) is first and synth.rendered == len(texts)
    assert ahead.run_once() == 0  # nothing changed

    # After a restart, the disk copy is used, even before rendering ahead has run again.
    fresh = Synthesizer(engine=espeak, cache_dir=cache)
    assert fresh.synthesize(answer[0]).duration == first.duration and fresh.rendered == 0
    restarted = Synthesizer(engine=espeak, cache_dir=cache)
    assert _prerenderer(restarted, knowledge).run_once() == 0
    assert restarted.rendered == 0 and restarted.is_prerendered(answer[0])

    # The fiche changes: its new sentence is rendered, the old one forgotten (memory, disk).
    old = answer[0]
    price.write_text(
        price.read_text(encoding="utf-8").replace("392,30 euros", "401,50 euros"),
        encoding="utf-8",
    )
    changed = split_sentences(speakable(_spoken(price)))[0]
    assert "quatre cent un euros cinquante" in changed
    assert ahead.run_once() == 1
    assert synth.is_prerendered(changed) and not synth.is_prerendered(old)
    assert len(list(cache.rglob("*.wav"))) == len(texts)


def _spoken(path: Path) -> str:
    import yaml

    return " ".join(yaml.safe_load(path.read_text(encoding="utf-8"))["spoken"].split())


def test_the_dialogue_sentences_without_variables_are_found():
    found = sentences(dialogue_texts())
    assert "Quel est le nom de la personne à rappeler ?" in found
    assert "Dans quelle commune habitez-vous ?" in found
    # A sentence holding a variable (a name, a number of days) is never rendered ahead.
    assert not any("\ue000" in s or "{" in s for s in found)
    # Comments and docstrings of the code are English: none of them is said.
    assert not any(" the " in f" {s} " for s in found)


def test_a_long_sentence_to_synthesise_is_cut_at_its_first_clause():
    sentence = "Pour vous rappeler, j'ai besoin de votre nom, de votre numéro et de votre commune."
    assert first_part_apart([sentence, "Merci."], lambda _: False) == [
        "Pour vous rappeler,",
        "j'ai besoin de votre nom, de votre numéro et de votre commune.",
        "Merci.",
    ]
    assert first_part_apart([sentence], lambda _: True) == [sentence]  # rendered ahead
    assert first_part_apart(["Bonjour, madame."], lambda _: False) == ["Bonjour, madame."]
