"""bot/logsafe.py: what a log line may hold, and how long and for whom the files stay."""

from __future__ import annotations

import io
import logging
import os
import stat
import time
from datetime import date, timedelta
from pathlib import Path

from bot.logsafe import MASK, LogWriter, PersonalDataFilter, purge_old, redact

LINES = [
    '{"event": "rest.message.received.failure", "text": "je suis Jean Dupont au 06 12 34 56 78"}',
    "SlotSet(key: citizen_name, value: Jean Dupont)",
    "{'citizen_name': 'Jean Dupont', 'phone': '+33612345678', 'commune': 'Vitry'}",
    "call 3f2a heard 'je m appelle Jean Dupont'",
    "rappeler le 0033 6 12 34 56 78 ou jean.dupont@example.fr",
]


def test_redact_masks_names_numbers_and_texts() -> None:
    for line in LINES:
        clean = redact(line)
        assert "Dupont" not in clean and "12 34" not in clean and "612345678" not in clean, clean
        assert MASK in clean


def test_redact_keeps_what_operators_need() -> None:
    line = "2026-11-29 09:10:11,123 INFO rasa.core - port 5005 on 127.0.0.1, 3 events, HTTP 200"
    assert redact(line) == line
    assert len(redact("x" * 100_000)) < 2100


def test_filter_masks_free_text_arguments() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.logsafe")
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataFilter())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("call %s heard %r from %s", "c-1f2e3d", "oui Dupont", "+33612345678")
        try:
            raise ValueError({"citizen_name": "Jean Dupont"})
        except ValueError:
            logger.exception("failed for %s", "Dupont")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "Dupont" not in text and "612345678" not in text, text
    assert "c-1f2e3d" in text  # identifiers stay, for the operators


def test_log_files_are_private_rotated_and_purged(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    yesterday, today = date.today() - timedelta(days=1), date.today()
    writer = LogWriter(folder, "rasa", retention_days=14)
    writer.write("Jean Dupont 06 12 34 56 78", today=yesterday)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "rasa.log").stat().st_mode) == 0o600
    assert "06 12" not in (folder / "rasa.log").read_text()
    stamp = time.mktime(yesterday.timetuple()) + 3600
    os.utime(folder / "rasa.log", (stamp, stamp))
    writer.write("le lendemain", today=today)
    rotated = folder / f"rasa.log.{yesterday.isoformat()}"
    assert rotated.exists() and stat.S_IMODE(rotated.stat().st_mode) == 0o600
    assert (folder / "rasa.log").read_text() == "le lendemain\n"
    writer.close()
    assert purge_old(folder, 14, now=stamp + 13 * 86400) == []
    assert rotated in purge_old(folder, 14, now=stamp + 15 * 86400)
