"""The ticket store on a real SQLite file and a real PostgreSQL database (see conftest.py)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.engine import Engine

from bot.db import alembic_config, make_engine, session_factory, upgrade
from bot.hours import OpeningHours, due_date
from bot.settings import Settings
from bot.tickets import (
    Interaction,
    Ticket,
    TicketDraft,
    TicketReceipt,
    TicketStore,
    conversation_key,
    new_reference,
)
from bot.urgency import Priority

UNREACHABLE_URL = "postgresql://postgres@127.0.0.1:1/x"
REFERENCE = re.compile(r"^\d{6}-\d{6}$")


def draft(key: str = "conv-1/callback-1", **changes) -> TicketDraft:
    settings_tz = timezone(timedelta(hours=1))
    created = datetime(2026, 11, 20, 19, 30, tzinfo=settings_tz)  # a Friday evening in Paris
    values = {
        "idempotency_key": key,
        "channel": "web",
        "topic": "rsa",
        "intent": "rsa_payment_issue",
        "confidence": 0.93,
        "fiche_id": "rsa-paiement",
        "entities": {"date": "depuis janvier", "dossier_number": "1234567"},
        "citizen_name": "Mme Martin",
        "phone": "+33612345678",
        "commune": "Créteil",
        "callback_slot": None,
        "consent_at": created,
        "reason": "RSA non versé depuis janvier",
        "transcript": [
            {"speaker": "citoyen", "text": "mon RSA n'est pas versé", "at": created},
            {"speaker": "assistant", "text": "Je vais demander un rappel.", "at": created},
        ],
        "priority": Priority.NORMAL,
        "created_at": created,
    }
    values.update(changes)
    return TicketDraft(**values)


def count(engine: Engine, model: type = Ticket) -> int:
    with session_factory(engine)() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def outbox_files(store: TicketStore) -> list[Path]:
    return sorted(store.outbox_dir.glob("*.json"))


@pytest.fixture
def upgraded(engine: Engine) -> Engine:
    upgrade(engine)
    return engine


@pytest.fixture
def store(upgraded: Engine, store_settings: Settings, tmp_path: Path) -> TicketStore:
    return TicketStore(upgraded, store_settings, tmp_path / "outbox")


# --- schema ------------------------------------------------------------------------------


def test_upgrade_from_empty_then_again_is_a_no_op(database, engine: Engine) -> None:
    assert inspect(engine).get_table_names() == []
    upgrade(engine)
    upgrade(engine)
    upgrade(database.url)  # by URL too, as the start-up scripts do
    inspector = inspect(engine)
    assert {"tickets", "interactions", "alembic_version"} <= set(inspector.get_table_names())
    assert {i["name"] for i in inspector.get_indexes("tickets")} >= {
        "ix_tickets_queue",
        "ix_tickets_phone",
    }
    unique = {tuple(c["column_names"]) for c in inspector.get_unique_constraints("tickets")}
    assert {("reference",), ("idempotency_key",)} <= unique
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_revision("0001_tickets_interactions").down_revision is None
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert versions == [(scripts.get_current_head(),)]


def test_concurrent_upgrades_create_the_schema_once(database, engine: Engine) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        try:
            upgrade(database.url)
        except BaseException as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "triage.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        engine.dispose()


# --- creating tickets --------------------------------------------------------------------


def test_create_stores_every_field(store: TicketStore, store_settings: Settings) -> None:
    slot = OpeningHours(store_settings).callback_slots(
        datetime(2026, 11, 20, 18, 30, tzinfo=timezone.utc)
    )[0]
    receipt = store.create(draft(callback_slot=slot, priority=Priority.URGENT))
    assert receipt.stored and not receipt.duplicate
    assert REFERENCE.match(receipt.reference) and receipt.reference.startswith("261120-")
    created = draft().created_at
    assert receipt.due_at == due_date(created, Priority.URGENT, store_settings)
    assert receipt.due_at.tzinfo is not None

    ticket = store.get(receipt.reference)
    assert ticket is not None
    assert ticket.status == "open" and ticket.priority == "urgent"
    assert ticket.phone == "+33612345678" and ticket.citizen_name == "Mme Martin"
    assert ticket.created_at == created and ticket.created_at.tzinfo == timezone.utc
    assert ticket.due_at == receipt.due_at
    assert ticket.callback_slot_start == slot.start and ticket.callback_slot_end == slot.end
    assert ticket.callback_slot_label == "samedi 21 novembre entre 8 h et 12 h"
    assert ticket.entities == {"date": "depuis janvier", "dossier_number": "1234567"}
    assert ticket.transcript[0] == {
        "speaker": "citoyen",
        "text": "mon RSA n'est pas versé",
        "at": "2026-11-20T19:30:00+01:00",
    }
    assert [t.reference for t in store.find_by_phone("+33612345678")] == [receipt.reference]
    assert store.find_by_phone("+33700000000") == []
    assert store.get("000000-000000") is None


def test_a_retry_returns_the_same_reference(store: TicketStore) -> None:
    first = store.create(draft())
    again = store.create(draft(reason="changed on the second attempt"))
    assert again == TicketReceipt(first.reference, first.due_at, stored=True, duplicate=True)
    assert count(store.engine) == 1
    assert store.get(first.reference).reason == "RSA non versé depuis janvier"
    other = store.create(draft("conv-1/callback-2"))
    assert other.reference != first.reference and not other.duplicate
    assert count(store.engine) == 2


def test_concurrent_creates_of_one_request_store_one_ticket(
    store: TicketStore, store_settings: Settings, tmp_path: Path
) -> None:
    # Two workers with their own store (as two action-server processes would have).
    second = TicketStore(make_engine(store.engine.url), store_settings, tmp_path / "outbox")
    barrier = threading.Barrier(2)
    receipts: list[TicketReceipt] = []

    def run(target: TicketStore) -> None:
        barrier.wait()
        receipts.append(target.create(draft("same-key")))

    threads = [threading.Thread(target=run, args=(s,)) for s in (store, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    second.engine.dispose()
    assert len(receipts) == 2
    assert receipts[0].reference == receipts[1].reference
    assert sorted(r.duplicate for r in receipts) == [False, True]
    assert all(r.stored for r in receipts)
    assert count(store.engine) == 1
    assert outbox_files(store) == []


def test_database_down_goes_to_the_outbox_then_flushes_once(store: TicketStore, database) -> None:
    database.go_down(store.engine)
    try:
        receipt = store.create(draft())
        assert not receipt.stored and not receipt.duplicate
        assert REFERENCE.match(receipt.reference)
        (path,) = outbox_files(store)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["reference"] == receipt.reference
        assert datetime.fromisoformat(record["due_at"]) == receipt.due_at
        assert record["phone"] == "+33612345678"
        # The citizen's retry while the database is still down: same reference, one file.
        retry = store.create(draft())
        assert (retry.reference, retry.stored, retry.duplicate) == (receipt.reference, False, True)
        assert len(outbox_files(store)) == 1
        assert store.flush_outbox() == 0  # still down: the file stays
        assert len(outbox_files(store)) == 1
    finally:
        database.come_back()

    assert store.flush_outbox() == 1
    assert store.flush_outbox() == 0
    assert outbox_files(store) == []
    assert count(store.engine) == 1
    ticket = store.get(receipt.reference)
    assert ticket.due_at == receipt.due_at and ticket.phone == "+33612345678"
    assert ticket.transcript[1]["speaker"] == "assistant"
    later = store.create(draft())
    assert (later.reference, later.stored, later.duplicate) == (receipt.reference, True, True)


def test_unreachable_server_then_another_process_flushes(
    store: TicketStore, store_settings: Settings, tmp_path: Path
) -> None:
    down = TicketStore(make_engine(UNREACHABLE_URL), store_settings, store.outbox_dir)
    try:
        receipts = [down.create(draft(f"key-{i}")) for i in range(3)]
    finally:
        down.engine.dispose()
    assert [r.stored for r in receipts] == [False, False, False]
    assert len(outbox_files(store)) == 3
    assert list(store.outbox_dir.glob(".*")) == []  # no temporary file left behind
    # The next ticket created with the database up flushes the outbox first.
    fresh = store.create(draft("key-new"))
    assert fresh.stored and not fresh.duplicate
    assert outbox_files(store) == []
    assert count(store.engine) == 4
    assert {store.get(r.reference).idempotency_key for r in receipts} == {
        "key-0",
        "key-1",
        "key-2",
    }


def test_concurrent_retries_while_down_share_one_outbox_file(
    settings: Settings, tmp_path: Path
) -> None:
    down = TicketStore(make_engine(UNREACHABLE_URL), settings, tmp_path / "outbox")
    barrier = threading.Barrier(4)
    receipts: list[TicketReceipt] = []

    def run() -> None:
        barrier.wait()
        receipts.append(down.create(draft("same-key")))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    down.engine.dispose()
    assert len({r.reference for r in receipts}) == 1
    assert sorted(r.duplicate for r in receipts) == [False, True, True, True]
    assert len(outbox_files(down)) == 1
    assert list(down.outbox_dir.glob(".*")) == []


def test_an_unreadable_outbox_file_is_set_aside(store: TicketStore) -> None:
    store.outbox_dir.mkdir(parents=True)
    (store.outbox_dir / "broken.json").write_text("{half a tick", encoding="utf-8")
    assert store.flush_outbox() == 0
    assert outbox_files(store) == []
    assert (store.outbox_dir / "broken.unreadable").exists()
    assert store.create(draft()).stored


def test_a_reference_collision_on_flush_gets_a_suffix(
    store: TicketStore, store_settings: Settings
) -> None:
    taken = store.create(draft("already-stored"))
    down = TicketStore(make_engine(UNREACHABLE_URL), store_settings, store.outbox_dir)
    pending = down.create(draft("from-the-outbox"))
    down.engine.dispose()
    (path,) = outbox_files(store)
    record = json.loads(path.read_text(encoding="utf-8"))
    record["reference"] = taken.reference  # the same random digits were drawn twice
    path.write_text(json.dumps(record), encoding="utf-8")
    assert pending.reference != taken.reference

    assert store.flush_outbox() == 1
    moved = store.get(f"{taken.reference}-1")
    assert moved is not None and moved.idempotency_key == "from-the-outbox"
    assert store.get(taken.reference).idempotency_key == "already-stored"


def test_invalid_drafts_are_refused(store: TicketStore) -> None:
    for bad in (draft(""), draft(channel=""), draft(phone="06 12 34 56 78")):
        with pytest.raises(ValueError):
            store.create(bad)
    assert count(store.engine) == 0


def test_naive_datetimes_are_refused(store: TicketStore) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.create(draft(created_at=datetime(2026, 11, 20, 19, 30)))


def test_references_are_dated_digits() -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    references = {new_reference(now) for _ in range(200)}
    assert all(REFERENCE.match(r) and r.startswith("261122-") for r in references)
    assert len(references) > 190  # random, not a counter


# --- statistics --------------------------------------------------------------------------


def interaction(store: TicketStore, conversation_id: str) -> Interaction:
    with store.Session() as session:
        return session.execute(
            select(Interaction).where(
                Interaction.conversation_key == conversation_key(conversation_id)
            )
        ).scalar_one()


def test_interactions_are_upserted_and_anonymous(store: TicketStore) -> None:
    sender = "+33612345678"  # the phone channel's sender id is the caller's number
    start = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    record = store.record_interaction
    record(sender, "phone", at=start)
    record(
        sender,
        "phone",
        topic="rsa",
        intent="rsa_amount",
        outcome="answered",
        at=start + timedelta(minutes=1),
    )
    record(
        sender,
        "phone",
        intent="rsa_payment_issue",
        outcome="in_progress",
        at=start + timedelta(minutes=2),
    )
    record(
        sender,
        "phone",
        outcome="callback",
        commune="Créteil",
        ticket_reference="261123-1",
        at=start + timedelta(minutes=3),
    )
    record(sender, "phone", outcome="abandoned", at=start + timedelta(minutes=4))

    row = interaction(store, sender)
    assert row.conversation_key == hashlib.sha256(sender.encode()).hexdigest()
    assert row.turns == 5
    assert row.outcome == "callback"  # never moves back
    assert (row.topic, row.intent, row.commune) == ("rsa", "rsa_payment_issue", "Créteil")
    assert row.ticket_reference == "261123-1"
    assert row.started_at == start and row.updated_at == start + timedelta(minutes=4)
    with store.engine.connect() as connection:
        dump = " ".join(str(v) for r in connection.execute(select(Interaction)) for v in r)
    assert sender not in dump
    assert count(store.engine, Interaction) == 1

    store.record_interaction("web-abc", "web", outcome="answered")
    store.record_interaction("web-abc", "web", outcome="oriented")
    assert interaction(store, "web-abc").outcome == "oriented"  # same step: the latest wins
    assert count(store.engine, Interaction) == 2
    with pytest.raises(ValueError):
        store.record_interaction("web-abc", "web", outcome="solved")


def test_concurrent_first_turns_make_one_row(store: TicketStore) -> None:
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        store.record_interaction("same-conversation", "web")

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert interaction(store, "same-conversation").turns == 4


def test_statistics_never_break_the_conversation(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    down = TicketStore(make_engine(UNREACHABLE_URL), settings, tmp_path / "outbox")
    try:
        down.record_interaction("x", "web", outcome="answered")  # logged, not raised
    finally:
        down.engine.dispose()
    assert "interaction statistics not recorded" in caplog.text


# --- retention ---------------------------------------------------------------------------


def test_purge_empties_personal_data_and_keeps_statistics(store: TicketStore) -> None:
    now = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
    old = store.create(draft("old")).reference
    recent = store.create(draft("recent")).reference
    still_open = store.create(draft("open")).reference
    with store.Session.begin() as session:
        for reference, closed_at in (
            (old, now - timedelta(days=91)),
            (recent, now - timedelta(days=10)),
        ):
            session.execute(
                update(Ticket)
                .where(Ticket.reference == reference)
                .values(status="closed", closed_at=closed_at, outcome="rappelé, dossier transmis")
            )

    assert store.purge_personal_data(90, now=now) == 1
    assert store.purge_personal_data(90, now=now) == 0

    purged = store.get(old)
    assert purged.personal_data_purged_at == now
    assert (purged.citizen_name, purged.phone, purged.reason) == (None, None, None)
    assert (purged.entities, purged.transcript) == ({}, [])
    assert purged.callback_slot_label is None and purged.callback_slot_start is None
    assert (purged.topic, purged.intent, purged.commune, purged.priority) == (
        "rsa",
        "rsa_payment_issue",
        "Créteil",
        "normal",
    )
    assert purged.outcome == "rappelé, dossier transmis" and purged.due_at is not None
    for kept in (recent, still_open):
        ticket = store.get(kept)
        assert ticket.phone == "+33612345678" and ticket.personal_data_purged_at is None
    assert [t.reference for t in store.find_by_phone("+33612345678")] != []
    assert old not in [t.reference for t in store.find_by_phone("+33612345678")]


def test_outbox_files_are_private(settings: Settings, tmp_path: Path) -> None:
    outbox = tmp_path / "private-outbox"
    down = TicketStore(make_engine(UNREACHABLE_URL), settings, outbox)
    try:
        down.create(draft())
    finally:
        down.engine.dispose()
    assert stat.S_IMODE(os.stat(outbox).st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in outbox.iterdir())
