"""Accounts of the agents' console and the API tokens of the département's CRM.

Passwords are hashed with argon2id (argon2-cffi defaults); a token is 32 random bytes, so its
SHA-256 is enough to store it (nothing to brute-force). Repeated failed logins
are slowed down by the console (console/throttle.py); `failed_logins` counts them for admins.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Column, Integer, String, select
from sqlalchemy.orm import Session

from bot.tickets.models import Base, UTCDateTime, utcnow

# Agents' ladder: each role can do everything the previous one can.
LADDER = ("agent", "supervisor", "admin")
# The information team (inbox, fiches) stands beside the ladder: admins may do its work, it
# does not see the callback queue (citizens' names and numbers) it has no need of.
INFORMATION = "information"
ROLES = (*LADDER, INFORMATION)
MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "trg_"
TOKEN_SCOPES = ("read", "write", "inbox")  # inbox: the information team's inbox, read only
TOKEN_DAYS = 365
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so that both cases take the same time.

    Computed on first use, not at import: starting a process that merely imports this module
    (the command line, the phone gateway) must not pay for an argon2 hash.
    """
    return _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A request the account rules refuse; the message is French (shown to the user)."""


class Account(Base):
    __tablename__ = "accounts"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(120), nullable=False)
    role = Column(String(16), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = Column(UTCDateTime)
    # Console sessions opened before this moment are refused (logout, disabling, new password).
    sessions_valid_after = Column(UTCDateTime)

    def has_role(self, role: str) -> bool:
        if self.role in (role, "admin"):
            return True
        if INFORMATION in (role, self.role):
            return False
        return LADDER.index(self.role) >= LADDER.index(role)

    def __repr__(self) -> str:
        return f"<Account {self.username} {self.role}>"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id = Column(Integer, primary_key=True)
    name = Column(String(64), nullable=False, unique=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = Column(UTCDateTime)
    revoked_at = Column(UTCDateTime)
    # Space-separated: "read" (tickets), "write" (outcomes). A token does only what it needs.
    scopes = Column(String(32), nullable=False, default="read")
    expires_at = Column(UTCDateTime)

    def allows(self, scope: str) -> bool:
        return scope in (self.scopes or "").split()

    def __repr__(self) -> str:
        return f"<ApiToken {self.name}>"


@dataclass(frozen=True)
class LoginResult:
    account: Account | None
    # "ok", "invalid" (unknown user or wrong password), "disabled" (right password)
    status: str
    locked_until: datetime | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."
        )


class AccountStore:
    """Accounts and API tokens; every method is one unit of work (its own session)."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions

    # --- accounts ------------------------------------------------------------------------

    def create(self, username: str, display_name: str, role: str, password: str) -> Account:
        username = username.strip().lower()
        if not _USERNAME.match(username):
            raise AccountError(
                "Identifiant invalide : 2 à 64 caractères parmi minuscules, chiffres, "
                "« . », « _ » et « - »."
            )
        if role not in ROLES:
            raise AccountError(f"Rôle inconnu « {role} » (attendu : {', '.join(ROLES)}).")
        if not display_name.strip():
            raise AccountError("Le nom affiché est obligatoire.")
        check_password_rules(password)
        with self._sessions() as session:
            if session.execute(select(Account.id).filter_by(username=username)).first():
                raise AccountError(f"Le compte « {username} » existe déjà.")
            account = Account(
                username=username,
                display_name=display_name.strip(),
                role=role,
                password_hash=_hasher.hash(password),
            )
            session.add(account)
            session.commit()
            return account

    def get(self, account_id: int) -> Account | None:
        with self._sessions() as session:
            return session.get(Account, account_id)

    def by_username(self, username: str) -> Account | None:
        with self._sessions() as session:
            return session.execute(
                select(Account).filter_by(username=username.strip().lower())
            ).scalar_one_or_none()

    def accounts(self) -> list[Account]:
        with self._sessions() as session:
            return list(session.execute(select(Account).order_by(Account.username)).scalars())

    def _update(self, username: str, **values: object) -> Account:
        with self._sessions() as session:
            account = session.execute(
                select(Account).filter_by(username=username.strip().lower())
            ).scalar_one_or_none()
            if account is None:
                raise AccountError(f"Aucun compte « {username} ».")
            for key, value in values.items():
                setattr(account, key, value)
            session.commit()
            return account

    def set_active(self, username: str, active: bool, now: datetime) -> Account:
        if active:
            return self._update(username, active=True)
        return self._update(username, active=False, sessions_valid_after=now)

    def end_sessions(self, username: str, now: datetime) -> Account:
        return self._update(username, sessions_valid_after=now)

    def unlock(self, username: str) -> Account:
        return self._update(username, failed_logins=0, locked_until=None)

    def set_password(self, username: str, password: str, now: datetime) -> Account:
        check_password_rules(password)
        return self._update(
            username,
            password_hash=_hasher.hash(password),
            failed_logins=0,
            locked_until=None,
            sessions_valid_after=now,
        )

    def authenticate(self, username: str, password: str, now: datetime) -> LoginResult:
        """Check a login. Every outcome costs one argon2 verification, so that the time taken
        does not tell an unknown account from a disabled one or a wrong password. Repeated
        failures are slowed down by the console (console/throttle.py), never locked here:
        a lock anyone could trigger kept agents out."""
        with self._sessions() as session:
            account = session.execute(
                select(Account).filter_by(username=username.strip().lower()).with_for_update()
            ).scalar_one_or_none()
            if account is None:
                _verify(_dummy_hash(), password)
                return LoginResult(None, "invalid")
            if not _verify(account.password_hash, password):
                account.failed_logins += 1
                session.commit()
                return LoginResult(account, "invalid")
            if not account.active:
                return LoginResult(account, "disabled")
            if _hasher.check_needs_rehash(account.password_hash):
                account.password_hash = _hasher.hash(password)
            account.failed_logins, account.locked_until, account.last_login_at = 0, None, now
            session.commit()
            return LoginResult(account, "ok")

    # --- API tokens ------------------------------------------------------------------------

    def create_token(
        self,
        name: str,
        scopes: tuple[str, ...] = ("read",),
        days: int = TOKEN_DAYS,
        now: datetime | None = None,
    ) -> str:
        """A new token for the CRM; only its hash is stored, so it is shown once."""
        name = name.strip()
        if not name or len(name) > 64:
            raise AccountError("Le nom du jeton est obligatoire (64 caractères au plus).")
        if not scopes or any(s not in TOKEN_SCOPES for s in scopes):
            raise AccountError(f"Portées possibles : {', '.join(TOKEN_SCOPES)}.")
        if not 1 <= days <= 3 * 365:
            raise AccountError("La durée de validité va de 1 à 1095 jours.")
        expires_at = (now or utcnow()) + timedelta(days=days)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._sessions() as session:
            if session.execute(select(ApiToken.id).filter_by(name=name)).first():
                raise AccountError(f"Le jeton « {name} » existe déjà.")
            session.add(
                ApiToken(
                    name=name,
                    token_hash=hash_token(token),
                    scopes=" ".join(s for s in TOKEN_SCOPES if s in scopes),
                    expires_at=expires_at,
                )
            )
            session.commit()
        return token

    def verify_token(self, token: str, now: datetime) -> ApiToken | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self._sessions() as session:
            row = session.execute(
                select(ApiToken).filter_by(token_hash=hash_token(token), revoked_at=None)
            ).scalar_one_or_none()
            if row is not None and row.expires_at is not None and row.expires_at <= now:
                return None
            if row is not None:
                row.last_used_at = now
                session.commit()
            return row

    def tokens(self) -> list[ApiToken]:
        with self._sessions() as session:
            return list(session.execute(select(ApiToken).order_by(ApiToken.name)).scalars())

    def revoke_token(self, name: str, now: datetime) -> None:
        with self._sessions() as session:
            row = session.execute(select(ApiToken).filter_by(name=name)).scalar_one_or_none()
            if row is None:
                raise AccountError(f"Aucun jeton « {name} ».")
            row.revoked_at = now
            session.commit()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
