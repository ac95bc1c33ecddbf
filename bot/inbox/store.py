"""Answers and their rating, inbox items, qualification and retention, in the database.

Used by the action server (answers given, messages not understood), the Rasa server's chat
channel (ratings sent by the widget) and the console (the information team's inbox).
Texts are masked here, on the way in, whoever the caller is.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.db import session_factory
from bot.inbox.masking import group_key, mask
from bot.inbox.models import KINDS, REASONS, AnswerRecord, InboxItem, NluExport
from bot.tickets.models import utcnow

log = logging.getLogger(__name__)
MAX_COMMENT_CHARS = 300
CONTEXT_TURNS = 6
COMMENT_SPEAKER = "avis"


def masked_context(turns: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """The last turns (speaker, text) around a message, masked, slash commands left out."""
    kept = [(s, t) for s, t in turns if t and t.strip() and not t.startswith("/")]
    return [{"speaker": s, "text": mask(t)} for s, t in kept[-CONTEXT_TURNS:]]


@dataclass(frozen=True)
class Group:
    """Similar messages waiting in the inbox, as the console lists them."""

    key: str
    count: int
    newest: datetime
    text: str  # the newest message of the group
    reasons: tuple[str, ...]
    intent: str | None
    confidence: float | None
    context: list[dict[str, str]] = field(default_factory=list)


class InboxStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.Session = session_factory(engine)

    # --- answers and feedback ------------------------------------------------------------

    def record_answer(
        self,
        channel: str,
        fiche_id: str,
        question: str,
        topic: str | None = None,
        intent: str | None = None,
        confidence: float | None = None,
        context: Sequence[tuple[str, str]] = (),
    ) -> str | None:
        """Note a fiche answer; return the token the widget rates it by (None: DB down)."""
        token = secrets.token_urlsafe(24)
        row = AnswerRecord(
            token=token,
            channel=channel,
            fiche_id=fiche_id,
            topic=topic,
            intent=intent,
            confidence=confidence,
            question=mask(question),
            context=masked_context(context),
        )
        try:
            with self.Session.begin() as session:
                session.add(row)
        except SQLAlchemyError:
            log.exception("answer not recorded: no feedback offered")
            return None
        return token

    def rate(self, token: str, helpful: bool, comment: str | None = None) -> bool:
        """Store the citizen's rating of an answer; a "Non" goes to the inbox (once)."""
        comment = mask(comment[:MAX_COMMENT_CHARS]) if comment and comment.strip() else None
        with self.Session.begin() as session:
            answer = session.execute(
                select(AnswerRecord).where(AnswerRecord.token == token).with_for_update()
            ).scalar_one_or_none()
            if answer is None:
                return False
            first_no = not helpful and answer.helpful is not False
            answer.helpful, answer.rated_at = helpful, utcnow()
            if comment:
                answer.comment = comment
            if first_no:
                session.add(self._feedback_item(answer))
            elif comment and not helpful:
                self._add_comment(session, answer, comment)
        return True

    @staticmethod
    def _feedback_item(answer: AnswerRecord) -> InboxItem:
        context = list(answer.context or [])
        if answer.comment:
            context.append({"speaker": COMMENT_SPEAKER, "text": answer.comment})
        text = answer.question or ""
        return InboxItem(
            reason="feedback_no",
            channel=answer.channel,
            text=text,
            group_key=group_key(text),
            intent=answer.intent,
            confidence=answer.confidence,
            fiche_id=answer.fiche_id,
            context=context,
            created_at=utcnow(),
            status="new",
        )

    @staticmethod
    def _add_comment(session: Any, answer: AnswerRecord, comment: str) -> None:
        item = session.execute(
            select(InboxItem)
            .where(InboxItem.reason == "feedback_no", InboxItem.fiche_id == answer.fiche_id)
            .where(InboxItem.text == (answer.question or ""))
            .order_by(InboxItem.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if item is not None:
            item.context = [*item.context, {"speaker": COMMENT_SPEAKER, "text": comment}]

    # --- inbox ---------------------------------------------------------------------------

    def add_item(
        self,
        reason: str,
        channel: str,
        text: str,
        intent: str | None = None,
        confidence: float | None = None,
        fiche_id: str | None = None,
        context: Sequence[tuple[str, str]] = (),
        at: datetime | None = None,
    ) -> int | None:
        """Put a message in the inbox, masked. Best effort: a DB error is logged, not raised."""
        if reason not in REASONS:
            raise ValueError(f"unknown inbox reason {reason!r}")
        if not text or not text.strip() or text.startswith("/"):
            return None  # a button's payload is no sentence to learn from
        masked = mask(text)
        item = InboxItem(
            reason=reason,
            channel=channel,
            text=masked,
            group_key=group_key(masked),
            intent=intent,
            confidence=confidence,
            fiche_id=fiche_id,
            context=masked_context(context),
            created_at=at or utcnow(),
            status="new",
        )
        try:
            with self.Session.begin() as session:
                session.add(item)
                session.flush()
                return int(item.id)
        except SQLAlchemyError:
            log.exception("inbox item not recorded")
            return None

    def groups(
        self, status: str = "new", order: str = "frequent", limit: int = 50, offset: int = 0
    ) -> tuple[list[Group], int]:
        """Similar messages grouped (most frequent or newest first) and the number of groups."""
        count, newest, last_id = (
            func.count(InboxItem.id),
            func.max(InboxItem.created_at),
            func.max(InboxItem.id),
        )
        base = select(InboxItem.group_key, count, newest, last_id).where(InboxItem.status == status)
        base = base.group_by(InboxItem.group_key)
        ordering = (count.desc(), newest.desc()) if order == "frequent" else (newest.desc(),)
        with self.Session() as session:
            total = session.execute(select(func.count()).select_from(base.subquery())).scalar()
            rows = session.execute(
                base.order_by(*ordering, InboxItem.group_key).limit(limit).offset(offset)
            ).all()
            return self._describe(session, rows, status), int(total or 0)

    @staticmethod
    def _describe(session: Any, rows: Sequence[Any], status: str) -> list[Group]:
        keys = [row[0] for row in rows]
        latest = {
            item.id: item
            for item in session.execute(
                select(InboxItem).where(InboxItem.id.in_([row[3] for row in rows]))
            ).scalars()
        }
        details: dict[str, dict[str, Any]] = {k: {"reasons": set(), "intents": {}} for k in keys}
        for key, reason, intent, n, conf in session.execute(
            select(
                InboxItem.group_key,
                InboxItem.reason,
                InboxItem.intent,
                func.count(InboxItem.id),
                func.avg(InboxItem.confidence),
            )
            .where(InboxItem.status == status, InboxItem.group_key.in_(keys))
            .group_by(InboxItem.group_key, InboxItem.reason, InboxItem.intent)
        ):
            details[key]["reasons"].add(reason)
            if intent:
                seen = details[key]["intents"].get(intent, (0, None))
                details[key]["intents"][intent] = (seen[0] + n, conf)
        groups = []
        for key, n, _newest, last_id in rows:
            intents = details[key]["intents"]
            best = max(intents.items(), key=lambda kv: kv[1][0]) if intents else None
            item = latest[last_id]
            groups.append(
                Group(
                    key=key,
                    count=int(n),
                    newest=item.created_at,
                    text=item.text,
                    reasons=tuple(sorted(details[key]["reasons"])),
                    intent=best[0] if best else None,
                    confidence=float(best[1][1]) if best and best[1][1] is not None else None,
                    context=list(item.context or []),
                )
            )
        return groups

    def qualify(self, key: str, kind: str, target: str | None, by: str) -> int:
        """Qualify every waiting message of a group in one go; return how many."""
        if kind not in KINDS:
            raise ValueError(f"unknown qualification {kind!r}")
        if kind != "ignorer" and not (target or "").strip():
            raise ValueError("a qualification other than 'ignorer' needs a target")
        status = "ignored" if kind == "ignorer" else "qualified"
        with self.Session.begin() as session:
            done = session.execute(
                update(InboxItem)
                .where(InboxItem.group_key == key, InboxItem.status == "new")
                .values(
                    status=status,
                    kind=kind,
                    target=(target or "").strip() or None,
                    qualified_by=by,
                    qualified_at=utcnow(),
                )
            )
            return int(done.rowcount or 0)

    def waiting_count(self) -> int:
        with self.Session() as session:
            query = select(func.count(InboxItem.id)).where(InboxItem.status == "new")
            return int(session.execute(query).scalar() or 0)

    # --- exports -------------------------------------------------------------------------

    def to_export(self) -> list[InboxItem]:
        """Messages qualified (intent, fiche or hors sujet), not exported yet (oldest first)."""
        with self.Session() as session:
            query = (
                select(InboxItem)
                .where(InboxItem.status == "qualified")
                .where(InboxItem.export_id.is_(None))
                .order_by(InboxItem.id)
            )
            return list(session.execute(query).scalars())

    def mark_exported(self, ids: Sequence[int], path: str, by: str | None) -> NluExport:
        with self.Session.begin() as session:
            export = NluExport(path=path, examples=len(ids), exported_by=by, created_at=utcnow())
            session.add(export)
            session.flush()
            session.execute(
                update(InboxItem).where(InboxItem.id.in_(ids)).values(export_id=export.id)
            )
            return export

    def exports(self, limit: int = 20) -> list[NluExport]:
        with self.Session() as session:
            query = select(NluExport).order_by(NluExport.id.desc()).limit(limit)
            return list(session.execute(query).scalars())

    # --- retention -----------------------------------------------------------------------

    def purge(self, retention_days: int, now: datetime | None = None) -> tuple[int, int]:
        """Delete inbox items older than the retention (except qualified ones not exported yet:
        they are the reviewed examples still to come) and empty old answers' texts.

        Returns (items deleted, answers emptied); the ratings stay for the statistics."""
        cutoff = (now or utcnow()) - timedelta(days=retention_days)
        pending = (InboxItem.status == "qualified") & InboxItem.export_id.is_(None)
        with self.Session.begin() as session:
            items = session.execute(
                delete(InboxItem).where(InboxItem.created_at < cutoff, ~pending)
            ).rowcount
            answers = session.execute(
                update(AnswerRecord)
                .where(AnswerRecord.created_at < cutoff, AnswerRecord.question.is_not(None))
                .values(question=None, comment=None, context=[])
            ).rowcount
        return int(items or 0), int(answers or 0)
