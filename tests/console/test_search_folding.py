"""Search folding: `search_fold` in Python and `folded()` in SQL agree, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select
from sqlalchemy.engine import Engine

from bot.search_fold import FOLD_TABLE, folded, search_fold

SAMPLES = [
    "Lefèvre",
    "HÉLÈNE",
    "L'Haÿ-les-Roses",
    "Créteil",
    "Cœur d'Œuvre",
    "Æsa",
    "Çà et là, Noël",
    "Żaneta Wąs",
    "İlker Şahin",
    "plain ascii 42",
]


def test_python_fold() -> None:
    assert search_fold("Lefèvre") == "lefevre"
    assert search_fold("L'HAŸ-LES-ROSES") == "l'hay-les-roses"
    assert search_fold("Cœur") == "coeur"
    assert search_fold(None) is None
    assert {"é", "È", "ç", "Ÿ", "ñ"} <= set(FOLD_TABLE)


@pytest.mark.parametrize("text", SAMPLES)
def test_sql_fold_matches_python(engine: Engine, text: str) -> None:
    with engine.connect() as connection:
        in_sql = connection.execute(select(folded(literal(text)))).scalar_one()
    assert in_sql == search_fold(text)


def test_every_accented_letter_folds_the_same_in_sql(engine: Engine) -> None:
    letters = "".join(FOLD_TABLE)
    with engine.connect() as connection:
        in_sql = connection.execute(select(folded(literal(letters)))).scalar_one()
    assert in_sql == search_fold(letters)
    assert in_sql.isascii()
