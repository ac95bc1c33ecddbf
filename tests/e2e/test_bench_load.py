"""`make bench-load --quick` end to end: one replica on the real Redis and PostgreSQL, the table
printed with answered turns. Figures are not asserted (a shared machine); errors are."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine

from triage import ROOT
from triage.bench_load import POSTGRES_URL, REDIS_URL

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_the_quick_load_benchmark_prints_its_table(trained_model: Path) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        create_engine(POSTGRES_URL).connect().close()
    except Exception as exc:
        pytest.skip(f"Redis or PostgreSQL unreachable: {exc.__class__.__name__}")
    result = subprocess.run(
        [sys.executable, "-m", "triage.bench_load", "--quick", "--replicas", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    row = r"^(open|closed) +\d+ citizens +(\d+) +\d+ +\d+ +\d+ +(\d+) +[\d.]+ +\d+$"
    rows = re.findall(row, result.stdout, re.M)
    assert len(rows) == 4, result.stdout
    assert all(int(turns) > 0 and int(errors) == 0 for _, turns, errors in rows), result.stdout
