"""`make bench-load`: simulated citizens against the running assistant, 1 replica then 2.

Each citizen is a new address on loopback (127.0.x.y: the proxy and the channel limit per
address, as they would for real people) and talks through the public entry (nginx) on the REST
channel: a four-turn conversation, then a new citizen. Two ways to load the assistant:

- open loop: N citizens in conversation at once, 3 to 8 s of thought between turns;
- closed loop (saturation): N citizens sending their next message as soon as the answer comes.

For each: p50/p95/max latency of a turn, errors, turns per second and the CPU time of the
assistant's processes per turn. The last line compares the best closed-loop throughput of two
replicas with one's. Figures are printed, never asserted: on a shared machine they are noisy (the
load average is printed with them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import aiohttp
import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.settings import get_settings, load_settings
from triage import ROOT
from triage.stack import Stack
from triage.train import model_path

# The machine's own servers (--redis-url, --postgres-url for others); a database is created on
# the PostgreSQL server for each run and dropped after it.
REDIS_URL = "redis://127.0.0.1:6379/5"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONVERSATION = (
    "bonjour",
    "quel est le montant de l'APA pour une personne en GIR 3 ?",
    "combien touche-t-on au RSA quand on est seul ?",
    "merci, au revoir",
)
UNAVAILABLE = "incident technique"
LONG_TURNS = 80
PY_SPY = Path(sys.executable).parent / "py-spy"


@dataclass
class Plan:
    levels: tuple[int, ...]
    open_s: float
    closed_s: float
    think_s: tuple[float, float]
    replicas: tuple[int, ...]


FULL = Plan((1, 10, 25, 50, 100), open_s=30, closed_s=12, think_s=(3, 8), replicas=(1, 2))
QUICK = Plan((1, 10), open_s=6, closed_s=5, think_s=(1, 2), replicas=(1, 2))


@dataclass(frozen=True)
class Engines:
    redis_url: str
    conversations_url: str


@dataclass
class Run:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed_s: float = 0.0
    cpu_s: float = 0.0

    @property
    def turns(self) -> int:
        return len(self.latencies_ms)

    def row(self, label: str) -> str:
        if not self.latencies_ms:
            return f"{label:<22} no turn answered, {self.errors} errors"
        ordered = sorted(self.latencies_ms)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        rate = self.turns / self.elapsed_s
        cpu_ms = self.cpu_s / self.turns * 1000
        return (
            f"{label:<22} {self.turns:>6} {statistics.median(ordered):>8.0f} {p95:>8.0f} "
            f"{ordered[-1]:>8.0f} {self.errors:>6} {rate:>8.1f} {cpu_ms:>9.0f}"
        )


HEADER = (
    f"{'run':<22} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>6} "
    f"{'turns/s':>8} {'CPU ms/t':>9}"
)


def addresses() -> Iterator[str]:
    """A fresh loopback address for each simulated citizen."""
    for n in count(1):
        yield f"127.{10 + n // 65025 % 200}.{n // 255 % 255}.{n % 255 + 1}"


class Load:
    def __init__(self, stack: Stack, plan: Plan) -> None:
        self.url = f"{stack.local_proxy_url}/webhooks/rest/webhook"
        self.stack = stack
        self.plan = plan
        self.addresses = addresses()

    def cpu_seconds(self) -> float:
        total = 0.0
        for service in self.stack.services.values():
            if service.process is None:
                continue
            try:
                parent = psutil.Process(service.process.pid)
                for process in (parent, *parent.children(recursive=True)):
                    times = process.cpu_times()
                    total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total

    async def turn(self, session: aiohttp.ClientSession, sender: str, text: str, run: Run) -> str:
        started = time.perf_counter()
        try:
            async with session.post(self.url, json={"sender": sender, "message": text}) as answer:
                body = await answer.text()
                ok = answer.status == 200 and UNAVAILABLE not in body
                sender = answer.headers.get("X-Triage-Session", sender)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            ok = False
        if ok:
            run.latencies_ms.append((time.perf_counter() - started) * 1000)
        else:
            run.errors += 1
        return sender

    async def citizen(self, deadline: float, think: tuple[float, float] | None, run: Run) -> None:
        if think:  # open loop: citizens do not all arrive at the same second
            await asyncio.sleep(random.uniform(0, think[1]))
        while time.monotonic() < deadline:
            connector = aiohttp.TCPConnector(local_addr=(next(self.addresses), 0))
            timeout = aiohttp.ClientTimeout(total=60)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                sender = ""
                for text in CONVERSATION:
                    if time.monotonic() >= deadline:
                        return
                    sender = await self.turn(session, sender, text, run)
                    if think:
                        await asyncio.sleep(random.uniform(*think))

    async def run(self, citizens: int, seconds: float, think: tuple[float, float] | None) -> Run:
        run = Run()
        cpu = self.cpu_seconds()
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(self.citizen(deadline, think, run) for _ in range(citizens)))
        run.elapsed_s = time.monotonic() - started
        run.cpu_s = self.cpu_seconds() - cpu
        return run


@contextmanager
def bench_database(server: str) -> Iterator[str]:
    """A PostgreSQL database for this run's conversations, dropped at the end."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def start_stack(
    replicas: int, var_dir: Path, engines: Engines | None, limits: dict[str, str] | None = None
) -> Stack:
    """The scaled layout on `engines` (Redis, PostgreSQL), or `make run`'s defaults without."""
    env = {**get_settings().environment, **(limits or {})}
    if engines is None:
        for name in ("REDIS_URL", "TRIAGE_CONVERSATIONS_URL", "RASA_REPLICAS"):
            env.pop(name, None)
    stack = Stack.isolated(
        model_path(),
        var_dir,
        with_console=False,
        more_rasa_ports=Stack.replica_ports(replicas),
        redis_url=engines.redis_url if engines else None,
        conversations_url=engines.conversations_url if engines else None,
        settings=load_settings(env=env),
    )
    stack.start()
    return stack


def bench(replicas: int, plan: Plan, engines: Engines) -> float:
    """Print one table; return the best closed-loop throughput (turns/s)."""
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(replicas, Path(tmp), engines)
        try:
            load = Load(stack, plan)
            asyncio.run(load.run(2, 3, None))  # warm-up: first parses load lazy parts
            print(f"\n{replicas} replica(s), load average {os.getloadavg()[0]:.2f}")
            print(HEADER)
            best = 0.0
            for citizens in plan.levels:
                opened = asyncio.run(load.run(citizens, plan.open_s, plan.think_s))
                print(opened.row(f"open   {citizens:>3} citizens"), flush=True)
                closed = asyncio.run(load.run(citizens, plan.closed_s, None))
                print(closed.row(f"closed {citizens:>3} citizens"), flush=True)
                if closed.turns:
                    best = max(best, closed.turns / closed.elapsed_s)
            return best
        finally:
            stack.stop()


async def long_conversation(url: str) -> list[float]:
    """One citizen, LONG_TURNS questions in a row, straight to a replica; latency of each."""
    timings = []
    sender = ""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for n in range(LONG_TURNS):
            started = time.perf_counter()
            body = {"sender": sender, "message": CONVERSATION[1 + n % 2]}
            async with session.post(f"{url}/webhooks/rest/webhook", json=body) as answer:
                await answer.read()
                sender = answer.headers.get("X-Triage-Session", sender)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def summarise_profile(collapsed: Path, top: int = 25) -> None:
    """The functions that hold the most samples (inclusive), from py-spy's collapsed stacks."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        n = int(samples)
        total += n
        for frame in set(stack.split(";")):
            inclusive[frame] += n
    # The server's own frames (sanic, the message handler) hold every turn: left out.
    handler = max(n for frame, n in inclusive.items() if "handle_message (rasa/core/agent" in frame)
    costs = [(frame, n) for frame, n in inclusive.most_common() if n < handler]
    print(
        f"profile: {total} samples of the Rasa process, {handler / total * 100:.0f}% handling "
        f"messages; inclusive share of the functions below, top {top}"
    )
    for frame, n in costs[:top]:
        print(f"  {n / total * 100:5.1f}%  {frame[:150]}")


def profile(engines: Engines | None, seconds: float, out: Path) -> None:
    """A closed loop of one citizen with py-spy on the Rasa server; then a long conversation."""
    limits = {"TRIAGE_CHAT_RATE_SESSION": "100000"}  # the long conversation is one session
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(1, Path(tmp), engines, limits)
        try:
            load = Load(stack, QUICK)
            asyncio.run(load.run(2, 3, None))
            rasa = stack.services["rasa"].process
            assert rasa is not None
            spy_args = ["-f", "raw", "-o", str(out), "-d", str(int(seconds)), "-r", "200"]
            spy = subprocess.Popen(
                [str(PY_SPY), "record", "-p", str(rasa.pid), *spy_args, "--nonblocking"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
            run = asyncio.run(load.run(1, seconds - 2, None))
            spy.wait(timeout=60)
            print(HEADER)
            print(run.row("closed   1 citizen"))
            summarise_profile(out)
            timings = asyncio.run(long_conversation(stack.rasa_url))
            early, late = timings[:20], timings[59:80]
            print(
                f"long conversation: turns 1-20 median {statistics.median(early):.0f} ms, "
                f"turns 60-80 median {statistics.median(late):.0f} ms"
            )
        finally:
            stack.stop()


def bench_stores(
    url: str, redis_url: str, turns: tuple[int, ...] = (10, 80), repeat: int = 20
) -> None:
    """Save and read one conversation: Redis (with the SQL copy behind) against PostgreSQL's
    event rows alone, as a replica would each turn."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from channels.tracker_store import DurableTrackerStore

    domain = Domain.load(str(ROOT / "bot" / "domain"))
    ranking = [{"name": name, "confidence": 0.001} for name in domain.intents]
    stores = {
        "Redis + SQL copy": DurableTrackerStore(domain, url=url, redis_url=redis_url),
        "PostgreSQL alone": SQLTrackerStore(domain, host=url),
    }
    for n in turns:
        for label, store in stores.items():
            events = [ActionExecuted("action_session_start"), SessionStarted()]
            tracker = DialogueStateTracker.from_events(f"b-{uuid.uuid4().hex}", events)
            for i in range(n):
                parse = {"intent": {"name": "apa_amount"}, "intent_ranking": ranking}
                tracker.update(UserUttered(f"question {i}", parse["intent"], parse_data=parse))
                tracker.update(ActionExecuted("action_answer_question"))
                tracker.update(BotUttered("Le montant de l'APA dépend du GIR. " * 4))
                tracker.update(ActionExecuted("action_listen"))
            asyncio.run(store.save(tracker))
            saves, reads = [], []
            for _ in range(repeat):
                tracker.update(UserUttered("encore", {"name": "apa_amount"}))
                started = time.perf_counter()
                asyncio.run(store.save(tracker))
                saves.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                asyncio.run(store.retrieve(tracker.sender_id))
                reads.append((time.perf_counter() - started) * 1000)
            print(
                f"stores: {label:<17} {n:>3} turns: save {statistics.median(saves):5.1f} ms, "
                f"read {statistics.median(reads):5.1f} ms"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two short levels (tests, checks)")
    parser.add_argument("--replicas", type=int, nargs="*", help="replica counts (default 1 2)")
    parser.add_argument(
        "--embedded", action="store_true", help="make run's defaults: SQLite, no Redis, 1 replica"
    )
    parser.add_argument("--profile", type=Path, help="py-spy one citizen's turns into this file")
    parser.add_argument("--stores", action="store_true", help="Redis against PostgreSQL alone")
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="a server's database")
    args = parser.parse_args(argv)
    if args.stores:
        with bench_database(args.postgres_url) as url:
            bench_stores(url, args.redis_url)
        return 0
    if not model_path().exists():
        print("bench-load: no trained model (make model)", file=sys.stderr)
        return 1
    with bench_database(args.postgres_url) as url:
        engines = Engines(args.redis_url, url)
        if args.profile:
            args.profile.parent.mkdir(parents=True, exist_ok=True)
            profile(None if args.embedded else engines, 20, args.profile)
            return 0
        plan = QUICK if args.quick else FULL
        if args.replicas:
            plan.replicas = tuple(args.replicas)
        print(f"bench-load: {os.cpu_count()} cores; conversations in Redis and PostgreSQL")
        best = {replicas: bench(replicas, plan, engines) for replicas in plan.replicas}
    if 1 in best and 2 in best and best[1]:
        print(f"scale-out: 2 replicas / 1 replica throughput ratio {best[2] / best[1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
