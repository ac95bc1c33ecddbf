"""Ticket references a citizen can note down or hear read back in pairs of digits."""

from __future__ import annotations

import secrets
from datetime import datetime

REFERENCE_DIGITS = 6


def new_reference(now: datetime) -> str:
    """ "261122-483920": the date (yymmdd, in the zone of `now`) and 6 random digits."""
    return f"{now:%y%m%d}-{secrets.randbelow(10**REFERENCE_DIGITS):0{REFERENCE_DIGITS}d}"
