"""What the phone says: chat texts rewritten for the ear, choices with their keys."""

from __future__ import annotations

from voice.call import spoken_number, spoken_reply
from voice.choices import (
    ASK_HUMAN,
    choices_from_buttons,
    match_choice,
    message_for_keys,
    message_for_speech,
    vocabulary,
    yes_or_no,
)
from voice.rasa_client import BotMessage
from voice.speech_text import choices_prompt, digits_in_pairs, speakable, split_sentences

TOPICS = choices_from_buttons(
    [
        {"title": "APA", "payload": '/inform{"topic":"apa"}'},
        {"title": "RSA", "payload": '/inform{"topic":"rsa"}'},
        {"title": "transport", "payload": '/inform{"topic":"imagine_r"}'},
        {"title": "collège", "payload": '/inform{"topic":"college"}'},
    ]
)


def test_numbers_are_read_in_pairs_of_digits():
    assert digits_in_pairs("0612345678") == "zéro six, 12, 34, 56, 78"
    assert speakable("Rappel au 06 12 34 56 78.") == "Rappel au zéro six, 12, 34, 56, 78."
    assert speakable("Au +33 1 45 17 60 00") == "Au zéro un, 45, 17, 60, zéro zéro"
    assert speakable("Référence 261122-483920.") == "Référence 26, 11, 22, 48, 39, 20."
    # The pairs the assistant already writes for the phone keep their leading zero.
    assert speakable("au 06, 12, 34, 56, 78 ?") == "au zéro six, 12, 34, 56, 78 ?"


def test_amounts_dates_and_hours_are_said_as_numbers():
    assert speakable("Elle coûte 392,30 € par an.") == "Elle coûte 392,30 euros par an."
    assert speakable("Jusqu'à 10 000 euros") == "Jusqu'à 10 000 euros"
    assert speakable("de 8 h à 12 h et de 14 h 30 à 20 h") == (
        "de 8 heures à midi et de 14 heures 30 à 20 heures"
    )
    assert speakable("au plus tard le 26/11/2026 à 20:00") == (
        "au plus tard le 26 novembre 2026 à 20 heures"
    )
    assert speakable("le 1/12/2026 à 8:30") == "le 1er décembre 2026 à 8 heures 30"


def test_links_markup_and_lists_are_not_read():
    text = "**Important** : voir [le site](https://www.valdemarne.fr) (https://x.fr).\n- un\n- deux"
    assert speakable(text) == "Important : voir le site. un. deux"
    assert "http" not in speakable("Simulateur : https://www.mes-aides.gouv.fr")


def test_buttons_become_a_spoken_choice_with_keys():
    assert choices_prompt([c.title for c in TOPICS]) == (
        "Dites APA, RSA, transport ou collège, ou tapez 1, 2, 3 ou 4."
    )
    assert choices_prompt(["Oui", "Non (annuler)"]) == "Dites Oui ou Non, ou tapez 1 ou 2."


def test_reply_with_buttons_ends_with_the_choice_and_a_transfer_cuts_the_rest():
    reply = spoken_reply(
        [BotMessage("Voici la réponse. Quel sujet ?", buttons=[{"title": "APA", "payload": "/a"}])]
    )
    assert reply.spoken == ["Voici la réponse. Quel sujet ?", "Dites APA, ou tapez 1."]
    assert reply.question == ["Quel sujet ?", "Dites APA, ou tapez 1."]  # said again on silence
    assert [c.payload for c in reply.choices] == ["/a"]
    transfer = spoken_reply(
        [
            BotMessage("Je vous mets en relation."),
            BotMessage(custom={"action": "transfer"}),
            BotMessage("Sinon, le formulaire.", buttons=[{"title": "Oui", "payload": "/affirm"}]),
        ]
    )
    assert transfer.spoken == ["Je vous mets en relation."]
    assert transfer.action == "transfer" and transfer.choices == []


def test_sentences_are_split_for_streaming():
    assert split_sentences("Bonjour. Votre question ? Merci !") == [
        "Bonjour.",
        "Votre question ?",
        "Merci !",
    ]


def test_a_short_answer_names_a_choice_by_title_or_number():
    assert match_choice("l'APA", TOPICS).payload == '/inform{"topic":"apa"}'
    assert match_choice("euh le transport", TOPICS).payload == '/inform{"topic":"imagine_r"}'
    assert match_choice("le deux", TOPICS).payload == '/inform{"topic":"rsa"}'
    assert match_choice("College", TOPICS).payload == '/inform{"topic":"college"}'
    assert match_choice("bonjour madame", TOPICS) is None


def test_a_full_question_goes_to_the_nlu_even_when_it_names_a_topic():
    question = "je veux contester la décision pour l'APA de ma mère"
    assert message_for_speech(question, TOPICS) == question


def test_conseiller_or_zero_asks_for_a_person_at_any_moment():
    assert message_for_speech("un conseiller s'il vous plaît", []) == ASK_HUMAN
    assert message_for_speech("je veux parler à un conseiller", TOPICS) == ASK_HUMAN
    assert message_for_keys("0", TOPICS) == ASK_HUMAN
    assert message_for_keys("0", []) == ASK_HUMAN
    long = "mon conseiller RSA ne m'a jamais rappelé depuis le mois de mars dernier"
    assert message_for_speech(long, []) == long


def test_keys_choose_or_type_a_number():
    assert message_for_keys("3", TOPICS) == '/inform{"topic":"imagine_r"}'
    assert message_for_keys("7", TOPICS) is None
    assert message_for_keys("0612345678#", []) == "0612345678"


def test_yes_and_no():
    assert yes_or_no("oui c'est ça") is True
    assert yes_or_no("non pas du tout") is False
    assert yes_or_no("peut-être") is None


def test_numbers_said_in_words_are_found_for_the_read_back():
    assert spoken_number("zéro six douze trente-quatre cinquante-six soixante-dix-huit") == (
        "0612345678"
    )
    assert spoken_number("mon dossier c'est le 1234567") == "1234567"
    assert spoken_number("j'ai 82 ans") is None


def test_restricted_vocabulary_keeps_the_model_spelling():
    words = vocabulary(TOPICS)
    assert {"apa", "rsa", "transport", "collège", "oui", "non", "conseiller"} <= set(words)
    assert {"un", "deux", "trois", "quatre", "deuxième"} <= set(words)
    assert "cinq" not in words
