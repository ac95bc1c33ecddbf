import pytest

from bot.communes import resolve_commune, suggest_communes
from bot.settings import Settings


def test_every_canonical_name_resolves_to_itself(settings: Settings) -> None:
    assert len(settings.communes) == 47
    for name in settings.communes:
        assert resolve_commune(name) == name
        assert resolve_commune(name.upper()) == name
        assert resolve_commune(f"j'habite à {name} depuis 10 ans") == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("creteil", "Créteil"),
        ("CRETEIL", "Créteil"),
        ("vitry", "Vitry-sur-Seine"),
        ("vitry sur seine", "Vitry-sur-Seine"),
        ("st maur", "Saint-Maur-des-Fossés"),
        ("saint maur", "Saint-Maur-des-Fossés"),
        ("St-Maur-des-Fosses", "Saint-Maur-des-Fossés"),
        ("st maurice", "Saint-Maurice"),
        ("saint mande", "Saint-Mandé"),
        ("kremlin bicetre", "Le Kremlin-Bicêtre"),
        ("le kremlin bicêtre", "Le Kremlin-Bicêtre"),
        ("au kremlin", "Le Kremlin-Bicêtre"),
        ("l'hay", "L'Haÿ-les-Roses"),
        ("l'hay les roses", "L'Haÿ-les-Roses"),
        ("lhay les roses", "L'Haÿ-les-Roses"),
        ("l’haÿ-les-roses", "L'Haÿ-les-Roses"),
        ("champigny", "Champigny-sur-Marne"),
        ("maisons alfort", "Maisons-Alfort"),
        ("maison alfort", "Maisons-Alfort"),
        ("villeneuve st georges", "Villeneuve-Saint-Georges"),
        ("villeneuve le roi", "Villeneuve-le-Roi"),
        ("boissy st leger", "Boissy-Saint-Léger"),
        ("la queue en brie", "La Queue-en-Brie"),
        ("queue en brie", "La Queue-en-Brie"),
        ("le perreux", "Le Perreux-sur-Marne"),
        ("plessis trevise", "Le Plessis-Trévise"),
        ("ivry", "Ivry-sur-Seine"),
        ("fontenay", "Fontenay-sous-Bois"),
        ("chevilly la rue", "Chevilly-Larue"),
        ("perigny", "Périgny"),
        ("j'habite à creteil depuis 10 ans", "Créteil"),
        ("je vis à st maur avec ma mère", "Saint-Maur-des-Fossés"),
        ("ma mère habite Vitry", "Vitry-sur-Seine"),
        ("94000 Créteil", "Créteil"),
        # small typos
        ("creteuil", "Créteil"),
        ("vincenne", "Vincennes"),
        ("champigni", "Champigny-sur-Marne"),
        ("arceuil", "Arcueil"),
        ("alforville", "Alfortville"),
        ("chenevieres sur marne", "Chennevières-sur-Marne"),
        ("villejuive", "Villejuif"),
        ("j'habite à creteuil depuis longtemps", "Créteil"),
    ],
)
def test_variants_resolve(text: str, expected: str) -> None:
    assert resolve_commune(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Paris",
        "Lyon",
        "",
        "oui",
        "villeneuve",  # two communes: ask which one
        "saint",
        "je ne sais pas",
        "c'est gentil merci",
        "je m'appelle Valentin Dupont et j'ai une question",
        "j'ai fait la queue pendant une heure",
        "nous avons deux maisons",
        "x" * 400,
    ],
)
def test_unknown_or_ambiguous_text_resolves_to_none(text: str) -> None:
    assert resolve_commune(text) is None


def test_suggestions_rank_the_closest_first() -> None:
    suggestions = suggest_communes("creteuil")
    assert suggestions[0] == "Créteil"
    assert 1 <= len(suggestions) <= 3
    assert set(suggest_communes("villeneuve", limit=5)) >= {
        "Villeneuve-le-Roi",
        "Villeneuve-Saint-Georges",
    }
    assert suggest_communes("xyzzy") == []
    assert suggest_communes("creteil", limit=0) == []


def test_an_explicit_list_replaces_the_settings() -> None:
    communes = ["Saint-Denis", "Saint-Ouen-sur-Seine", "Aubervilliers"]
    assert resolve_commune("st ouen", communes) == "Saint-Ouen-sur-Seine"
    assert resolve_commune("aubervilier", communes) == "Aubervilliers"
    assert resolve_commune("creteil", communes) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("94000", "Créteil"),
        ("c'est le 94 400", "Vitry-sur-Seine"),
        ("quatre-vingt-quatorze mille", "Créteil"),  # as the phone line writes it
        ("quatre vingt quatorze quatre cents", "Vitry-sur-Seine"),
        ("94210", "Saint-Maur-des-Fossés"),  # a commune with two codes
        ("12 rue de la Paix 94300", "Vincennes"),
        ("94440", None),  # Marolles-en-Brie, Santeny and Villecresnes share it
        ("94340", None),  # Joinville-le-Pont and a part of Saint-Maur-des-Fossés share it
        ("75012", None),
        ("94999", None),
        ("06 12 34 56 78", None),  # a phone number is no postcode
        ("94000 ou 94400", None),  # two codes: not a guess
    ],
)
def test_a_postcode_names_its_commune(text: str, expected: str | None) -> None:
    assert resolve_commune(text) == expected


def test_the_name_wins_over_the_postcode_and_a_shared_code_is_suggested() -> None:
    assert resolve_commune("Vitry 94000") == "Vitry-sur-Seine"
    assert suggest_communes("94440") == ["Marolles-en-Brie", "Santeny", "Villecresnes"]
    assert suggest_communes("94340") == ["Joinville-le-Pont", "Saint-Maur-des-Fossés"]
    assert resolve_commune("94000", ["Créteil", "Vitry-sur-Seine"]) is None  # no codes given


def test_every_commune_has_a_postcode_of_the_departement(settings: Settings) -> None:
    assert {name for _, name in settings.postcodes} == set(settings.communes)
    assert all(code.startswith(settings.code) and len(code) == 5 for code, _ in settings.postcodes)
