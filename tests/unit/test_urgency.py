import pytest

from bot.urgency import Priority, assess_priority, urgency_reasons


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("je n'ai plus rien à manger", "plus rien à manger"),
        ("on a plus rien a manger depuis hier", "plus rien à manger"),
        ("je n'ai plus d'argent du tout", "plus aucune ressource"),
        ("je vais être expulsée la semaine prochaine", "expulsion du logement"),
        ("j'ai reçu un avis d'expulsion", "expulsion du logement"),
        ("on va se retrouver à la rue", "à la rue, sans logement"),
        ("je dors dans ma voiture avec mon fils", "à la rue, sans logement"),
        ("mon mari me frappe", "violences"),
        ("je subis des violences conjugales", "violences"),
        ("ma mère est en danger chez elle", "personne en danger"),
        ("c'est urgent", "urgence signalée"),
        ("C'EST TRÈS URGENT", "urgence signalée"),
        ("c'est une urgence", "urgence signalée"),
        ("urgant svp", "urgence signalée"),
        ("c'est de plus en plus urgent", "urgence signalée"),
        ("je pense au suicide", "risque suicidaire"),
        ("j'ai envie de me tuer", "risque suicidaire"),
        ("mon père est tombé, il vit seul", "personne seule après une chute"),
        ("ma mère vit seule et elle est tombée hier", "personne seule après une chute"),
        ("elle sort de l'hôpital vendredi", "sortie d'hôpital ou hospitalisation"),
        ("il est hospitalisé depuis lundi", "sortie d'hôpital ou hospitalisation"),
        ("sortie d'hopital prévue demain", "sortie d'hôpital ou hospitalisation"),
        ("on n'a plus d'électricité", "plus d'électricité, d'eau ou de chauffage"),
        ("l'électricité a été coupée", "plus d'électricité, d'eau ou de chauffage"),
        ("mes enfants sont sans rien à manger", "enfants privés de l'essentiel"),
        ("mes enfants n'ont plus de lait", "enfants privés de l'essentiel"),
    ],
)
def test_distress_is_urgent_with_its_reason(text: str, label: str) -> None:
    assert label in urgency_reasons([text])
    assert assess_priority([text]) is Priority.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "ce n'est pas urgent",
        "c'est pas très urgent mais je voudrais savoir",
        "rien d'urgent, une simple question",
        "sans urgence",
        "pas d'urgence",
        "il n'est plus en danger",
        "il est hors de danger",
        "combien coûte la carte imagine r",
        "je voudrais contester le GIR de ma mère",
        "mon RSA n'a pas été versé ce mois-ci",
        "ma mère a des troubles cognitifs",
        "j'ai frappé à la porte du CCAS",
        "pour en finir avec ce dossier, que faut-il envoyer",
        "mon fils n'a pas de carte de cantine",
        "j'habite à la rue de la paix",
        "j'ai perdu ma carte dans la voiture",
        "",
    ],
)
def test_ordinary_requests_are_normal(text: str) -> None:
    assert urgency_reasons([text]) == []
    assert assess_priority([text]) is Priority.NORMAL


def test_an_urgent_intent_is_urgent_whatever_the_text() -> None:
    assert assess_priority(["bonjour"], intent="rsa_urgent") is Priority.URGENT
    assert assess_priority([], intent="apa_urgent") is Priority.URGENT
    assert assess_priority(["bonjour"], intent="rsa_contest") is Priority.NORMAL
    assert assess_priority(["bonjour"], intent=None) is Priority.NORMAL


def test_reasons_gather_every_text_once() -> None:
    texts = ["bonjour", "je vais être expulsé", "et c'est urgent", "vraiment urgent"]
    assert urgency_reasons(texts) == ["expulsion du logement", "urgence signalée"]
    assert assess_priority(iter(texts)) is Priority.URGENT


def test_priority_is_a_string_enum() -> None:
    assert Priority("urgent") is Priority.URGENT
    assert Priority.NORMAL == "normal"
