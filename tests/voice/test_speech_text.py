"""What the phone says: chat texts rewritten for the ear, choices with their keys."""

from __future__ import annotations

import pytest

from bot.speech_text import choices_prompt, speakable, split_sentences
from bot.text import digits_in_pairs, number_words, ordinal_words
from voice.call import spoken_number, spoken_reply
from voice.choices import (
    ASK_HUMAN,
    choices_from_buttons,
    match_choice,
    message_for_keys,
    message_for_speech,
    vocabulary,
)
from voice.rasa_client import BotMessage

TOPICS = choices_from_buttons(
    [
        {"title": "APA", "payload": '/inform{"topic":"apa"}'},
        {"title": "RSA", "payload": '/inform{"topic":"rsa"}'},
        {"title": "transport", "payload": '/inform{"topic":"imagine_r"}'},
        {"title": "collège", "payload": '/inform{"topic":"college"}'},
    ]
)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zéro"),
        (1, "un"),
        (16, "seize"),
        (17, "dix-sept"),
        (21, "vingt et un"),
        (22, "vingt-deux"),
        (60, "soixante"),
        (70, "soixante-dix"),
        (71, "soixante et onze"),
        (77, "soixante-dix-sept"),
        (80, "quatre-vingts"),
        (81, "quatre-vingt-un"),
        (90, "quatre-vingt-dix"),
        (99, "quatre-vingt-dix-neuf"),
        (100, "cent"),
        (101, "cent un"),
        (200, "deux cents"),
        (392, "trois cent quatre-vingt-douze"),
        (651, "six cent cinquante et un"),
        (1000, "mille"),
        (1682, "mille six cent quatre-vingt-deux"),
        (2026, "deux mille vingt-six"),
        (10000, "dix mille"),
        (200000, "deux cent mille"),
        (1000000, "un million"),
        (2500000, "deux millions cinq cent mille"),
    ],
)
def test_numbers_in_words(number, words):
    assert number_words(number) == words


def test_ordinals_and_feminine():
    assert [ordinal_words(n) for n in (1, 2, 5, 9, 21)] == [
        "premier",
        "deuxième",
        "cinquième",
        "neuvième",
        "vingt et unième",
    ]
    assert ordinal_words(1, feminine=True) == "première"
    assert number_words(21, feminine=True) == "vingt et une"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        # amounts
        ("651,69 €", "six cent cinquante et un euros soixante-neuf"),
        (
            "Elle coûte 392,30 € par an.",
            "Elle coûte trois cent quatre-vingt-douze euros trente par an.",
        ),
        (
            "1682,30 euros en 2026",
            "mille six cent quatre-vingt-deux euros trente en deux mille vingt-six",
        ),
        ("Jusqu'à 10 000 euros", "Jusqu'à dix mille euros"),
        ("1 €, 0,50 € et 2,5 €", "un euro, cinquante centimes et deux euros cinquante"),
        ("1 000 000 €", "un million d'euros"),
        # percentages, ordinals, decimals, plain numbers
        ("90 % ou 90 pour cent", "quatre-vingt-dix pour cent ou quatre-vingt-dix pour cent"),
        (
            "le 1er septembre, la 1re fois, le 2e mois",
            "le premier septembre, la première fois, le deuxième mois",
        ),
        ("2,5 kilomètres", "deux virgule cinq kilomètres"),
        ("à partir de 60 ans", "à partir de soixante ans"),
        ("Composez le 112 ou le 15.", "Composez le cent douze ou le quinze."),
        # dates and times
        (
            "au plus tard le 26/11/2026 à 20:00",
            "au plus tard le vingt-six novembre deux mille vingt-six à vingt heures",
        ),
        ("le 1/12/2026 à 8:30", "le premier décembre deux mille vingt-six à huit heures trente"),
        (
            "de 8 h à 12 h et de 14 h 30 à 20 h",
            "de huit heures à midi et de quatorze heures trente à vingt heures",
        ),
        ("à 1 h, à 21 h et à 0 h 15", "à une heure, à vingt et une heures et à minuit quinze"),
        # phone numbers and references, in pairs
        (
            "Rappel au 06 12 34 56 78.",
            "Rappel au zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit.",
        ),
        ("Au +33 1 45 17 60 00", "Au zéro un, quarante-cinq, dix-sept, soixante, zéro zéro"),
        (
            "au 06, 12, 34, 56, 78 ?",
            "au zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit ?",
        ),
        (
            "Référence 261122-483920.",
            "Référence vingt-six, onze, vingt-deux, quarante-huit, trente-neuf, vingt.",
        ),
        ("le dossier n°123456", "le dossier numéro douze, trente-quatre, cinquante-six"),
        # acronyms as letters (hyphens: no liaison into them), a few as words
        ("Dites APA, RSA, CAF ou GIR.", "Dites a-pé-a, èr-èss-a, cé-a-èf ou gé-i-èr."),
        ("le GIR 1 à 4, en CM2", "le gé-i-èr un à quatre, en cé-èm deux"),
        ("en EHPAD, le SAMU", "en épade, le samu"),
        ("la carte Imagine R", "la carte Imagine R"),
    ],
)
def test_said_for_the_ear(written, said):
    assert speakable(written) == said


def test_numbers_are_read_in_pairs_of_digits():
    assert digits_in_pairs("0612345678") == (
        "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit"
    )
    assert digits_in_pairs("3994") == "trente-neuf, quatre-vingt-quatorze"


def test_links_markup_and_lists_are_not_read():
    text = "**Important** : voir [le site](https://www.valdemarne.fr) (https://x.fr).\n- un\n- deux"
    assert speakable(text) == "Important : voir le site. un. deux"
    assert "http" not in speakable("Simulateur : https://www.mes-aides.gouv.fr")


def test_buttons_become_a_spoken_choice_with_keys():
    assert choices_prompt([c.title for c in TOPICS]) == (
        "Dites APA, RSA, transport ou collège, ou tapez 1, 2, 3 ou 4."
    )
    assert speakable(choices_prompt([c.title for c in TOPICS])) == (
        "Dites a-pé-a, èr-èss-a, transport ou collège, ou tapez un, deux, trois ou quatre."
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


@pytest.mark.parametrize(
    ("heard", "sent"),
    [
        ("ma mère a quatre-vingt-deux ans", "ma mère a 82 ans"),
        ("elle touche six cent cinquante euros par mois", "elle touche 650 euros par mois"),
        ("mon fils entre en sixième", "mon fils entre en sixième"),
        ("j'ai un problème avec mon dossier", "j'ai un problème avec mon dossier"),
    ],
)
def test_numbers_said_in_words_reach_the_assistant_as_digits(heard, sent):
    assert message_for_speech(heard, []) == sent
