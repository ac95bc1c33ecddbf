"""Agents shown by their names, not their logins (in the queue, history and filters)."""

from __future__ import annotations

from flask import g

from console.services import services

API_PREFIX = "api:"


def agent_names() -> dict[str, str]:
    """Username → display name of every account, read once per request."""
    if "agent_names" not in g:
        g.agent_names = {a.username: a.display_name for a in services().accounts.accounts()}
    return g.agent_names


def agent_name(username: str | None) -> str:
    """ "Agnès Agent"; "CRM (nom du jeton)" for the API; a deleted account's login as it is."""
    if not username:
        return "personne"
    if username.startswith(API_PREFIX):
        return f"CRM ({username[len(API_PREFIX) :]})"
    return agent_names().get(username, username)
