"""A request whose name and commune the assistant left to the agent (a misheard answer, asked
twice): no name or commune on the ticket, what was heard first in its reason. The console shows
it, filters and counts it without taking it for a commune."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from tests.console.conftest import Browser

REASON = (
    "[Nom à vérifier — entendu : « oui oui » / « je sais pas »] "
    "[Commune à vérifier — entendu : « saint glinglin » / « cré tain »] "
    "RSA suspendu, non versé ou réduit — « mon rsa est suspendu »"
)


def test_a_ticket_without_name_or_commune_is_shown_filtered_and_counted(
    browser_for: Callable[[str | None], Browser], make_ticket: Callable[..., str]
) -> None:
    unsure = make_ticket(citizen_name=None, commune=None, reason=REASON, topic="rsa")
    known = make_ticket(commune="Créteil", topic="rsa")
    agent = browser_for("agent")

    page = html.unescape(agent.get(f"/demandes/{unsure}").text)
    assert "Nom non communiqué" in page
    assert "Commune à vérifier — entendu : « saint glinglin » / « cré tain »" in page

    queue = agent.get("/file")
    assert queue.status_code == 200
    row = re.search(rf'<tr data-reference="{unsure}".*?</tr>', queue.text, re.S)
    assert row is not None and "non précisé" not in row.group(0)
    assert f'data-reference="{known}"' in agent.get("/file?commune=Créteil").text
    assert f'data-reference="{unsure}"' not in agent.get("/file?commune=Créteil").text
    assert agent.get("/file?commune=non précisé").status_code == 400  # no such commune

    stats = html.unescape(browser_for("supervisor").get("/statistiques").text)
    assert "Commune inconnue" in stats and "non précisé" not in stats
