"""`make bench`: figures for the text assistant (printed, never asserted).

- NLU: model load time, parse latency (p50/p95) and throughput on the held-out messages, memory.
- Tickets: creation throughput on SQLite and on PostgreSQL (when reachable), outbox flush.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from triage import ROOT

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
TICKETS = 300


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def held_out_messages() -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [
        example.get("text")
        for example in load_data(str(ROOT / "tests/nlu/heldout.yml")).training_examples
    ]


def bench_nlu() -> None:
    from rasa.core.agent import Agent

    from triage.train import model_path

    model = model_path()
    if not model.exists():
        print("nlu: no trained model (make model)")
        return
    started = time.perf_counter()
    agent = Agent.load(str(model))
    load_s = time.perf_counter() - started
    messages = held_out_messages()

    async def parse_all() -> list[float]:
        timings = []
        for text in messages:
            t0 = time.perf_counter()
            await agent.parse_message(text)
            timings.append((time.perf_counter() - t0) * 1000)
        return timings

    timings = asyncio.run(parse_all())
    total_s = sum(timings) / 1000
    quantiles = statistics.quantiles(timings, n=20)
    print(
        f"nlu: model loaded in {load_s:.1f} s; {len(messages)} messages parsed in {total_s:.1f} s "
        f"({len(messages) / total_s:.0f} msg/s); latency p50 {statistics.median(timings):.1f} ms, "
        f"p95 {quantiles[18]:.1f} ms; peak memory {rss_mb():.0f} MB"
    )


def bench_tickets(url: str, label: str, outbox: Path) -> None:
    from sqlalchemy.exc import OperationalError

    from bot.db import make_engine, upgrade
    from bot.settings import get_settings
    from bot.tickets import TicketDraft, TicketStore
    from bot.urgency import Priority

    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        print(f"tickets on {label}: skipped ({exc.orig})")
        return
    store = TicketStore(engine, get_settings(), outbox)
    drafts = [
        TicketDraft(
            idempotency_key=uuid.uuid4().hex,
            channel="web",
            topic="apa",
            intent="apa_file_status",
            confidence=0.9,
            fiche_id="apa_file_status",
            entities={},
            citizen_name="Bench Test",
            phone="+33612345678",
            commune="Créteil",
            callback_slot=None,
            consent_at=datetime.now(timezone.utc),
            reason="bench",
            transcript=[],
            priority=Priority.NORMAL,
        )
        for _ in range(TICKETS)
    ]
    started = time.perf_counter()
    for draft in drafts:
        store.create(draft)
    elapsed = time.perf_counter() - started
    retry_started = time.perf_counter()
    for draft in drafts[:100]:
        store.create(draft)
    retry = time.perf_counter() - retry_started
    print(
        f"tickets on {label}: {TICKETS} created in {elapsed:.2f} s "
        f"({TICKETS / elapsed:.0f}/s, {elapsed / TICKETS * 1000:.1f} ms each); "
        f"idempotent retry {retry / 100 * 1000:.1f} ms each"
    )
    engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_tickets(f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp) / "outbox")
        schema_db = f"bench_{uuid.uuid4().hex[:8]}"
        from sqlalchemy import create_engine, text

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f"CREATE DATABASE {schema_db}"))
            bench_tickets(
                POSTGRES_URL.rsplit("/", 1)[0] + f"/{schema_db}",
                "PostgreSQL",
                Path(tmp) / "outbox-pg",
            )
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE {schema_db}"))
        except Exception as exc:
            print(f"tickets on PostgreSQL: skipped ({type(exc).__name__}: {exc})".splitlines()[0])
        finally:
            admin.dispose()
    bench_nlu()


if __name__ == "__main__":
    main()
