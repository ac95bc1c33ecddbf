"""`triage`: the assistant's command line.

Each concern adds its own sub-commands through a `register(subparsers)` function: the database
and knowledge base here, agents' accounts and the purge in console/cli.py, the phone tools in
voice/cli.py.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES = ("console.cli", "voice.cli", "bot.inbox.cli")


def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.db import upgrade
    from bot.settings import get_settings

    upgrade(get_settings().database_url)
    print("Base de données à jour.")
    return 0


def _kb_check(args: argparse.Namespace) -> int:
    from bot.knowledge import main as knowledge_main

    return knowledge_main(["check"])


def _register_core(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="create or upgrade the schema").set_defaults(
        func=_db_upgrade
    )
    kb = subparsers.add_parser("kb", help="knowledge base")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    kb_commands.add_parser("check", help="validate every fiche").set_defaults(func=_kb_check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triage", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    _register_core(subparsers)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
