"""Create callback tickets exactly once, even when the database is down.

A citizen who asked for a callback must leave with a reference. `TicketStore.create` decides
the reference and the due date first, then writes the ticket; if the database refuses (server
down, disk full, locked), the ticket is written to an outbox file instead and stored later by
`flush_outbox`. The idempotency key (one per callback request, chosen by the caller) makes a
retry of the same request return the same reference, from the database or from the outbox.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.db import session_factory
from bot.hours import CallbackSlot, due_date
from bot.settings import Settings
from bot.tickets.models import Interaction, InteractionOutcome, Ticket, TicketStatus, utcnow
from bot.tickets.reference import new_reference
from bot.urgency import Priority

log = logging.getLogger(__name__)

# Outcomes only move forward; answered and oriented are the same step.
_OUTCOME_RANK = {
    InteractionOutcome.IN_PROGRESS: 0,
    InteractionOutcome.ABANDONED: 1,
    InteractionOutcome.ANSWERED: 2,
    InteractionOutcome.ORIENTED: 2,
    InteractionOutcome.CALLBACK: 3,
}
assert set(_OUTCOME_RANK) == set(InteractionOutcome)
_REFERENCE_ATTEMPTS = 10
_OUTBOX_SUFFIX = ".json"


@dataclass
class TicketDraft:
    """Everything the dialogue collected for a callback request."""

    idempotency_key: str
    channel: str
    topic: str | None
    intent: str | None
    confidence: float | None
    fiche_id: str | None
    entities: dict[str, Any]
    citizen_name: str | None
    phone: str | None
    commune: str | None
    callback_slot: CallbackSlot | None
    consent_at: datetime | None
    reason: str | None
    transcript: list[dict[str, Any]] = field(default_factory=list)
    priority: Priority = Priority.NORMAL
    created_at: datetime | None = None


@dataclass
class TicketReceipt:
    """What the citizen is told: the reference and the promised callback deadline (local)."""

    reference: str
    due_at: datetime
    stored: bool  # False: kept in the outbox until the database is back
    duplicate: bool  # True: this request had already been received


def _jsonable(value: Any) -> Any:
    """JSON-safe copy: datetimes and dates become ISO strings, enums their value."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Priority):
        return value.value
    return value


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def conversation_key(conversation_id: str) -> str:
    """The statistics key of a conversation: never the sender id itself."""
    return hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()


class TicketStore:
    """Tickets and interaction statistics in the database, with a file outbox as fallback."""

    def __init__(self, engine: Engine, settings: Settings, outbox_dir: Path) -> None:
        self.engine = engine
        self.settings = settings
        self.outbox_dir = Path(outbox_dir)
        self.Session = session_factory(engine)

    # --- creating tickets ----------------------------------------------------------------

    def create(self, draft: TicketDraft) -> TicketReceipt:
        """Store a callback request once; always return a reference for the citizen."""
        _check(draft)
        _, database_up = self._flush()
        if database_up:  # the outbox is empty now, this request's earlier attempt included
            try:
                return self._create_in_database(draft)
            except SQLAlchemyError:
                log.exception("ticket not stored in the database: writing it to the outbox")
        pending = self._outbox_read(draft.idempotency_key)
        if pending is not None:  # a retry while the database is still down
            return TicketReceipt(pending["reference"], self._local(pending["due_at"]), False, True)
        return self._create_in_outbox(draft)

    def _decide(self, draft: TicketDraft) -> tuple[datetime, datetime]:
        created_at = (draft.created_at or utcnow()).astimezone(timezone.utc)
        return created_at, due_date(created_at, draft.priority, self.settings)

    def _new_reference(self, created_at: datetime) -> str:
        return new_reference(created_at.astimezone(self.settings.timezone))

    def _create_in_database(self, draft: TicketDraft) -> TicketReceipt:
        existing = self._by_key(draft.idempotency_key)
        if existing is not None:
            return self._receipt(existing, duplicate=True)
        created_at, due_at = self._decide(draft)
        for _ in range(_REFERENCE_ATTEMPTS):
            ticket = _ticket_from(draft, self._new_reference(created_at), created_at, due_at)
            try:
                with self.Session.begin() as session:
                    session.add(ticket)
            except IntegrityError:
                # Same key stored meanwhile by a concurrent request, or a reference collision.
                existing = self._by_key(draft.idempotency_key)
                if existing is not None:
                    return self._receipt(existing, duplicate=True)
                continue
            log.info("ticket %s stored (%s)", ticket.reference, ticket.priority)
            return self._receipt(ticket, duplicate=False)
        raise RuntimeError(f"no free reference after {_REFERENCE_ATTEMPTS} attempts")

    def _by_key(self, idempotency_key: str) -> Ticket | None:
        with self.Session() as session:
            return session.execute(
                select(Ticket).where(Ticket.idempotency_key == idempotency_key)
            ).scalar_one_or_none()

    def _receipt(self, ticket: Ticket, duplicate: bool) -> TicketReceipt:
        return TicketReceipt(ticket.reference, self._local(ticket.due_at), True, duplicate)

    def _local(self, at: datetime | str) -> datetime:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else at
        return moment.astimezone(self.settings.timezone)

    # --- the outbox ----------------------------------------------------------------------

    def _outbox_path(self, idempotency_key: str) -> Path:
        digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
        return self.outbox_dir / f"{digest}{_OUTBOX_SUFFIX}"

    def _outbox_read(self, idempotency_key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._outbox_path(idempotency_key).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def _create_in_outbox(self, draft: TicketDraft) -> TicketReceipt:
        """Keep the ticket in a file; raises OSError only if the disk fails as well."""
        created_at, due_at = self._decide(draft)
        record = _record_from(draft, self._new_reference(created_at), created_at, due_at)
        if not _write_new_file(self._outbox_path(draft.idempotency_key), record):
            # A concurrent attempt of the same request was first: its reference stands.
            pending = self._outbox_read(draft.idempotency_key) or record
            return TicketReceipt(pending["reference"], self._local(pending["due_at"]), False, True)
        log.warning("ticket %s kept in the outbox: database unavailable", record["reference"])
        return TicketReceipt(record["reference"], self._local(due_at), False, False)

    def flush_outbox(self) -> int:
        """Store the outbox's tickets in the database; return how many were stored now."""
        return self._flush()[0]

    def _flush(self) -> tuple[int, bool]:
        """(tickets stored now, False if the database refused: files kept for next time)."""
        stored = 0
        for path in sorted(self.outbox_dir.glob(f"*{_OUTBOX_SUFFIX}")):
            outcome = self._flush_one(path)
            if outcome is None:
                return stored, False
            stored += outcome
        return stored, True

    def _flush_one(self, path: Path) -> int | None:
        """1 if stored now, 0 if already there (or gone), None if the database refused."""
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return 0  # flushed by a concurrent request
        except (OSError, ValueError):
            # Set aside, not retried at every request; an operator can read it.
            log.exception("unreadable outbox file %s renamed *.unreadable", path.name)
            path.replace(path.with_suffix(".unreadable"))
            return 0
        try:
            stored = self._flush_record(record)
        except SQLAlchemyError as exc:
            log.warning("outbox not flushed, database unavailable: %s", exc.__class__.__name__)
            return None
        path.unlink(missing_ok=True)
        return stored

    def _flush_record(self, record: dict[str, Any]) -> int:
        if self._by_key(record["idempotency_key"]) is not None:
            return 0
        reference = record["reference"]
        for attempt in range(_REFERENCE_ATTEMPTS):
            try:
                with self.Session.begin() as session:
                    session.add(_ticket_from_record(record, reference))
            except IntegrityError:
                if self._by_key(record["idempotency_key"]) is not None:
                    return 0
                # The citizen already has this reference: keep it recognisable.
                reference = f"{record['reference']}-{attempt + 1}"
                continue
            log.info("outbox ticket %s stored", reference)
            return 1
        raise RuntimeError(f"outbox ticket {record['reference']}: no free reference")

    def add_to_reason(self, reference: str, text: str, at: datetime | None = None) -> bool:
        """A citizen adds to their request in the same conversation: the reason and the
        transcript get it. False when the ticket is not (yet) in the database."""
        at = at or utcnow()
        with self.Session.begin() as session:
            ticket = session.execute(
                select(Ticket).where(Ticket.reference == reference)
            ).scalar_one_or_none()
            if ticket is None:
                return False
            ticket.reason = f"{ticket.reason or ''} + ajout : « {text.strip()} »".strip(" +")
            ticket.transcript = [
                *(ticket.transcript or []),
                {"speaker": "citoyen", "text": text.strip(), "at": at.isoformat()},
            ]
        return True

    # --- reading -------------------------------------------------------------------------

    def get(self, reference: str) -> Ticket | None:
        with self.Session() as session:
            return session.execute(
                select(Ticket).where(Ticket.reference == reference)
            ).scalar_one_or_none()

    def find_by_phone(self, e164: str) -> list[Ticket]:
        """Tickets for one phone number, newest first (a citizen calling again)."""
        with self.Session() as session:
            rows = session.execute(
                select(Ticket).where(Ticket.phone == e164).order_by(Ticket.created_at.desc())
            )
            return list(rows.scalars())

    # --- statistics ----------------------------------------------------------------------

    def record_interaction(
        self,
        conversation_id: str,
        channel: str,
        topic: str | None = None,
        intent: str | None = None,
        fiche_id: str | None = None,
        outcome: InteractionOutcome | None = None,
        commune: str | None = None,
        ticket_reference: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Count one turn of a conversation (anonymous). Best effort: never raises on DB errors.

        Given fields overwrite the stored ones; the outcome only moves forward
        (in_progress < abandoned < answered = oriented < callback).
        """
        if outcome is not None and outcome not in _OUTCOME_RANK:
            raise ValueError(f"unknown outcome {outcome!r}")
        values = {
            "topic": topic,
            "intent": intent,
            "fiche_id": fiche_id,
            "commune": commune,
            "ticket_reference": ticket_reference,
        }
        key, at = conversation_key(conversation_id), at or utcnow()
        for attempt in range(2):  # a concurrent first turn may insert the row before us
            try:
                self._upsert_interaction(key, channel, values, outcome, at)
                return
            except IntegrityError:
                if attempt:
                    log.exception("interaction statistics not recorded")
            except SQLAlchemyError:
                log.exception("interaction statistics not recorded")
                return

    def _upsert_interaction(
        self,
        key: str,
        channel: str,
        values: dict[str, Any],
        outcome: InteractionOutcome | None,
        at: datetime,
    ) -> None:
        given = {name: value for name, value in values.items() if value is not None}
        with self.Session.begin() as session:
            row = session.execute(
                select(Interaction).where(Interaction.conversation_key == key).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                session.add(
                    Interaction(
                        conversation_key=key,
                        channel=channel,
                        outcome=outcome or InteractionOutcome.IN_PROGRESS,
                        started_at=at,
                        updated_at=at,
                        turns=1,
                        **given,
                    )
                )
                return
            if outcome and _OUTCOME_RANK[outcome] >= _OUTCOME_RANK[row.outcome]:
                given["outcome"] = outcome
            session.execute(
                update(Interaction)
                .where(Interaction.id == row.id)
                .values(turns=Interaction.turns + 1, updated_at=max(at, row.updated_at), **given)
            )

    # --- retention -----------------------------------------------------------------------

    def purge_personal_data(self, older_than_days: int, now: datetime | None = None) -> int:
        """Empty the personal data of tickets closed more than `older_than_days` days ago.

        Keeps what statistics need (topic, intent, commune, priority, dates, outcome).
        Returns the number of tickets purged now.
        """
        now = now or utcnow()
        cutoff = now - timedelta(days=older_than_days)
        with self.Session.begin() as session:
            result = session.execute(
                update(Ticket)
                .where(
                    Ticket.status == TicketStatus.CLOSED,
                    Ticket.closed_at < cutoff,
                    Ticket.personal_data_purged_at.is_(None),
                )
                .values(
                    citizen_name=None,
                    phone=None,
                    reason=None,
                    entities={},
                    transcript=[],
                    callback_slot_start=None,
                    callback_slot_end=None,
                    callback_slot_label=None,
                    personal_data_purged_at=now,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            return result.rowcount


# --- conversions ---------------------------------------------------------------------------


def _check(draft: TicketDraft) -> None:
    if not draft.idempotency_key or len(draft.idempotency_key) > 128:
        raise ValueError("a ticket needs an idempotency key of at most 128 characters")
    if not draft.channel:
        raise ValueError("a ticket needs a channel")
    if draft.phone and not (draft.phone.startswith("+") and draft.phone[1:].isdigit()):
        raise ValueError("the phone number must be in E.164 form (bot.validators)")
    slot = draft.callback_slot
    moments = (draft.created_at, draft.consent_at, *((slot.start, slot.end) if slot else ()))
    if any(m is not None and (m.tzinfo is None or m.utcoffset() is None) for m in moments):
        raise ValueError("naive datetime in a ticket draft: pass timezone-aware datetimes")


def _record_from(
    draft: TicketDraft, reference: str, created_at: datetime, due_at: datetime
) -> dict[str, Any]:
    """The outbox form of a ticket: plain JSON, every decision already taken."""
    slot = draft.callback_slot
    return {
        "reference": reference,
        "idempotency_key": draft.idempotency_key,
        "created_at": _iso(created_at),
        "due_at": _iso(due_at),
        "channel": draft.channel,
        "topic": draft.topic,
        "intent": draft.intent,
        "confidence": draft.confidence,
        "fiche_id": draft.fiche_id,
        "entities": _jsonable(draft.entities or {}),
        "citizen_name": draft.citizen_name,
        "phone": draft.phone,
        "commune": draft.commune,
        "callback_slot_start": _iso(slot.start) if slot else None,
        "callback_slot_end": _iso(slot.end) if slot else None,
        "callback_slot_label": slot.label if slot else None,
        "consent_at": _iso(draft.consent_at),
        "reason": draft.reason,
        "transcript": _jsonable(draft.transcript or []),
        "priority": Priority(draft.priority).value,
    }


_DATETIME_FIELDS = (
    "created_at",
    "due_at",
    "callback_slot_start",
    "callback_slot_end",
    "consent_at",
)


def _ticket_from_record(record: dict[str, Any], reference: str) -> Ticket:
    values = {**record, "reference": reference}
    for name in _DATETIME_FIELDS:
        values[name] = _parse(values[name])
    return Ticket(**values, updated_at=values["created_at"], status=TicketStatus.OPEN)


def _ticket_from(
    draft: TicketDraft, reference: str, created_at: datetime, due_at: datetime
) -> Ticket:
    return _ticket_from_record(_record_from(draft, reference, created_at, due_at), reference)


def _write_new_file(path: Path, record: dict[str, Any]) -> bool:
    """Create a 0600 file that is either absent or complete, even after a power cut.

    Returns False, writing nothing, when the file already exists.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temp, path)  # atomic, and unlike a rename it never replaces a file
    except FileExistsError:
        return False
    finally:
        Path(temp).unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the new name itself must survive a crash
    finally:
        os.close(directory)
    return True
