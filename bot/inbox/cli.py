"""`triage nlu export` and `triage inbox purge`: the information team's command line.

triage nlu export [--by NAME]     writes nlu_data/reviewed/inbox_<date>.yml (a new file)
triage inbox purge [--days N]     default: inbox_retention_days of departement.yml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.db import make_engine, upgrade
from bot.inbox.export import export_qualified
from bot.inbox.store import InboxStore
from bot.settings import get_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CLI_ACCOUNT = "cli"


def _store() -> InboxStore:
    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    return InboxStore(engine)


def fiche_intent(fiche_id: str) -> str | None:
    """The intent a fiche answers (its first), for messages qualified with a fiche."""
    from bot.knowledge import get_knowledge_base

    fiche = get_knowledge_base().get(fiche_id)
    return fiche.intents[0] if fiche and fiche.intents else None


def nlu_export(args: argparse.Namespace) -> int:
    store = _store()
    try:
        result = export_qualified(store, Path(args.nlu_dir), fiche_intent, args.by)
    finally:
        store.engine.dispose()
    if not result.handled:
        print("Aucun message qualifié depuis le dernier export.")
    elif result.path is None:
        print(f"{result.handled} message(s) qualifié(s), aucun nouvel exemple (déjà connus).")
    else:
        print(
            f"{result.examples} exemple(s) écrit(s) dans {result.path} "
            f"({result.handled} message(s) qualifié(s)). Relisez-le, commitez-le, puis make train."
        )
    return 0


def inbox_purge(args: argparse.Namespace) -> int:
    days = get_settings().inbox_retention_days if args.days is None else args.days
    if days <= 0:
        print("Erreur : --days doit être positif.", file=sys.stderr)
        return 1
    store = _store()
    try:
        items, answers = store.purge(days)
    finally:
        store.engine.dispose()
    print(
        f"Purge de la boîte à questions : {items} message(s) de plus de {days} jours supprimé(s), "
        f"{answers} réponse(s) notée(s) vidée(s) de leur texte."
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    nlu = subparsers.add_parser("nlu", help="données d'entraînement de la compréhension")
    nlu_commands = nlu.add_subparsers(dest="nlu_command", required=True)
    export = nlu_commands.add_parser(
        "export", help="écrire les messages qualifiés dans un nouveau fichier de nlu_data/"
    )
    export.add_argument("--nlu-dir", default=str(PROJECT_ROOT / "nlu_data"))
    export.add_argument("--by", default=CLI_ACCOUNT, help="qui exporte (journal des exports)")
    export.set_defaults(func=nlu_export)
    inbox = subparsers.add_parser("inbox", help="boîte à questions de l'équipe information")
    inbox_commands = inbox.add_subparsers(dest="inbox_command", required=True)
    purge = inbox_commands.add_parser("purge", help="supprimer les messages trop anciens")
    purge.add_argument("--days", type=int, default=None)
    purge.set_defaults(func=inbox_purge)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.inbox.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
