"""Command line of the console: accounts, API tokens, retention purge.

`register(subparsers)` adds `agents` and `purge` to the project's `triage` command; each
sub-command sets `func(args) -> int`. Standalone: `python -m console.cli agents add …`.

    triage agents add jdupont --name "Jeanne Dupont" --role agent   (asks the password twice)
    triage agents add … --password-stdin                            (reads it from stdin)
    triage agents list | disable NAME | enable NAME | unlock NAME | password NAME
    triage agents token NAME [--revoke]                             (prints a new token once)
    triage purge [--days N]                                         (default: retention_days)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from sqlalchemy.engine import Engine

from bot.db import make_engine, session_factory, upgrade
from bot.settings import Settings, get_settings
from bot.tickets import TicketStore
from bot.tickets.history import purge_event_texts
from bot.tickets.models import utcnow
from console.accounts import ROLES, TOKEN_DAYS, TOKEN_SCOPES, AccountError, AccountStore
from console.audit import AuditLog

CLI_ACCOUNT = "cli"  # who the audit log says acted


def _engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine


def _stores(settings: Settings) -> tuple[Engine, AccountStore, AuditLog]:
    engine = _engine(settings)
    sessions = session_factory(engine)
    return engine, AccountStore(sessions), AuditLog(sessions)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Confirmez le mot de passe : ") != first:
        raise AccountError("Les deux saisies diffèrent.")
    return first


def _add(args: argparse.Namespace, accounts: AccountStore, audit: AuditLog) -> str:
    account = accounts.create(args.username, args.name, args.role, _read_password(args))
    audit.record(CLI_ACCOUNT, "account_add", username=account.username, role=account.role)
    return f"Compte « {account.username} » créé ({account.role})."


def _list(args: argparse.Namespace, accounts: AccountStore, audit: AuditLog) -> str:
    now = utcnow()
    lines = [f"{'identifiant':<24} {'rôle':<11} {'état':<11} nom"]
    for a in accounts.accounts():
        state = (
            "désactivé"
            if not a.active
            else "verrouillé"
            if (a.locked_until and a.locked_until > now)
            else "actif"
        )
        lines.append(f"{a.username:<24} {a.role:<11} {state:<11} {a.display_name}")
    tokens = accounts.tokens()
    if tokens:
        lines.append("")
        lines.append("jetons d'API :")
        for t in tokens:
            expired = t.expires_at is not None and t.expires_at <= now
            state = "révoqué" if t.revoked_at else "expiré" if expired else "actif"
            until = t.expires_at.strftime("%d/%m/%Y") if t.expires_at else "—"
            lines.append(f"  {t.name:<22} {state:<8} {t.scopes:<11} jusqu'au {until}")
    return "\n".join(lines)


def _simple(
    action: str, change: Callable[[AccountStore, str], object], done: str
) -> Callable[[argparse.Namespace, AccountStore, AuditLog], str]:
    """disable / enable / unlock: one call on the store, one audit line."""

    def run(args: argparse.Namespace, accounts: AccountStore, audit: AuditLog) -> str:
        change(accounts, args.username)
        audit.record(CLI_ACCOUNT, f"account_{action}", username=args.username)
        return f"Compte « {args.username} » {done}."

    return run


def _password(args: argparse.Namespace, accounts: AccountStore, audit: AuditLog) -> str:
    accounts.set_password(args.username, _read_password(args), utcnow())
    audit.record(CLI_ACCOUNT, "account_password", username=args.username)
    return f"Mot de passe de « {args.username} » remplacé."


def _token(args: argparse.Namespace, accounts: AccountStore, audit: AuditLog) -> str:
    if args.revoke:
        accounts.revoke_token(args.name, utcnow())
        audit.record(CLI_ACCOUNT, "token_revoke", name=args.name)
        return f"Jeton « {args.name} » révoqué."
    scopes = tuple(args.scope or ["read"])
    token = accounts.create_token(args.name, scopes, args.days)
    audit.record(CLI_ACCOUNT, "token_create", name=args.name, scopes=list(scopes), days=args.days)
    # Only the token on stdout, so that a script can capture it; the advice goes to stderr.
    print("Conservez ce jeton : il ne sera plus affiché.", file=sys.stderr)
    return token


def _with_accounts(
    handler: Callable[[argparse.Namespace, AccountStore, AuditLog], str],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        engine, accounts, audit = _stores(get_settings())
        try:
            print(handler(args, accounts, audit))
        except AccountError as exc:
            print(f"Erreur : {exc}", file=sys.stderr)
            return 1
        finally:
            engine.dispose()
        return 0

    return run


def purge(args: argparse.Namespace) -> int:
    """Empty the personal data of tickets closed more than N days ago; statistics stay."""
    settings = get_settings()
    days = settings.retention_days if args.days is None else args.days
    if days <= 0:
        print("Erreur : --days doit être positif.", file=sys.stderr)
        return 1
    engine = _engine(settings)
    try:
        store = TicketStore(engine, settings, settings.outbox_dir)
        tickets = store.purge_personal_data(days)
        with session_factory(engine).begin() as session:
            texts = purge_event_texts(session)
        AuditLog(session_factory(engine)).record(
            CLI_ACCOUNT, "purge", days=days, tickets=tickets, texts=texts
        )
    finally:
        engine.dispose()
    print(
        f"Purge : {tickets} demande(s) close(s) depuis plus de {days} jours anonymisée(s), "
        f"{texts} note(s) ou commentaire(s) effacé(s)."
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    agents = subparsers.add_parser("agents", help="comptes de la console et jetons d'API")
    commands = agents.add_subparsers(dest="agents_command", required=True)

    add = commands.add_parser("add", help="créer un compte")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="nom affiché (Prénom Nom)")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--password-stdin", action="store_true", help="lire le mot de passe")
    add.set_defaults(func=_with_accounts(_add))

    commands.add_parser("list", help="lister comptes et jetons").set_defaults(
        func=_with_accounts(_list)
    )
    simple: list[tuple[str, Callable[[AccountStore, str], object], str, str]] = [
        (
            "disable",
            lambda a, u: a.set_active(u, False, utcnow()),
            "désactivé",
            "désactiver un compte (ferme ses sessions)",
        ),
        ("enable", lambda a, u: a.set_active(u, True, utcnow()), "réactivé", "réactiver un compte"),
        (
            "unlock",
            lambda a, u: a.unlock(u),
            "déverrouillé",
            "lever un verrouillage après des échecs de connexion",
        ),
    ]
    for action, change, done, text in simple:
        command = commands.add_parser(action, help=text)
        command.add_argument("username")
        command.set_defaults(func=_with_accounts(_simple(action, change, done)))

    password = commands.add_parser("password", help="remplacer un mot de passe")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    password.set_defaults(func=_with_accounts(_password))

    token = commands.add_parser("token", help="créer (ou révoquer) un jeton d'API pour le CRM")
    token.add_argument("name")
    token.add_argument("--revoke", action="store_true")
    token.add_argument(
        "--scope",
        action="append",
        choices=TOKEN_SCOPES,
        help="read (lire les demandes, par défaut), write (transmettre les suites) ; répétable",
    )
    token.add_argument("--days", type=int, default=TOKEN_DAYS, help="durée de validité (jours)")
    token.set_defaults(func=_with_accounts(_token))

    purge_parser = subparsers.add_parser(
        "purge", help="effacer les données personnelles des demandes closes depuis N jours"
    )
    purge_parser.add_argument("--days", type=int, help="par défaut : retention_days")
    purge_parser.set_defaults(func=purge)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
