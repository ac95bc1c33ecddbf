"""Accent- and case-insensitive search in SQL, identical on SQLite and PostgreSQL.

Named apart from `bot.text.fold`, which folds what citizens type for matching words (punctuation
becomes spaces); this one keeps punctuation so that both sides of a SQL `LIKE` agree.

Agents type "lefevre" for "Lefèvre" and "creteil" for "Créteil". Both sides of the comparison
are folded at query time: the searched text here in Python (`search_fold`), the column in SQL
(`folded(column)`), which compiles to
- SQLite: `search_fold(column)`, this module's function registered on every connection (bot.db);
- PostgreSQL: `lower(translate(column, …))` with the same character table, built in (no
  extension such as unaccent to install, no superuser needed).

Why at query time rather than a folded column filled on write: the search is a "contains"
(`LIKE '%…%'`), which no B-tree index serves anyway, so a stored column would buy no speed; it
would duplicate names (personal data) that the purge must then remember to erase, and need a
migration and a backfill. Both folds use `FOLD_TABLE`, so they agree by construction (tested).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}


def _plain_letter(char: str) -> str | None:
    """The ASCII letter under an accented Latin letter ("é" → "e"), else None."""
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if len(base) == 1 and base.isascii() and base.isalpha() else None


# Every accented letter of Latin-1 and Latin Extended-A (French and neighbours' names).
FOLD_TABLE = {
    char: plain
    for char in map(chr, range(0xC0, 0x180))
    if (plain := _plain_letter(char)) is not None and plain != char
}
_TRANSLATE = str.maketrans({**FOLD_TABLE, **LIGATURES})


def search_fold(text: str | None) -> str | None:
    """Lower case without accents or ligatures: "Lefèvre" → "lefevre", "Œuvre" → "oeuvre"."""
    if text is None:
        return None
    return text.translate(_TRANSLATE).lower()


class folded(FunctionElement):
    """`folded(Ticket.citizen_name)`: the column as `search_fold` would return it, in SQL."""

    type = String()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _folded_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    return f"search_fold({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    for ligature, plain in LIGATURES.items():
        column = f"replace({column}, '{ligature}', '{plain}')"
    accented, plain = "".join(FOLD_TABLE), "".join(FOLD_TABLE.values())
    # lower() after translate(): with a C collation PostgreSQL lowers only ASCII letters.
    return f"lower(translate({column}, '{accented}', '{plain}'))"


def register_sqlite_fold(dbapi_connection: Any) -> None:
    """Make `search_fold()` callable in SQLite's SQL on this connection."""
    dbapi_connection.create_function("search_fold", 1, search_fold, deterministic=True)
