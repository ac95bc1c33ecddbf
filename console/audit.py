"""The console's security log: logins, lock-outs, accounts, tokens, purges, exports.

What concerns one ticket is in its history (`bot.tickets.history`), not here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Index, Integer, String, select
from sqlalchemy.orm import Session

from bot.tickets.models import Base, JSONType, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    account = Column(String(80))  # None when the username given at login is unknown
    action = Column(String(32), nullable=False)
    detail = Column(JSONType, nullable=False, default=dict)

    __table_args__ = (Index("ix_audit_log_at", "at"),)


class AuditLog:
    """Security events (one unit of work each)."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions

    def record(self, account: str | None, action: str, **detail: Any) -> None:
        with self._sessions() as session:
            session.add(AuditEntry(account=account, action=action, detail=detail))
            session.commit()

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        with self._sessions() as session:
            query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            return list(session.execute(query.limit(limit)).scalars())
