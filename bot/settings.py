"""The configuration: one Settings object, loaded and validated once per process.

Everything that belongs to the département (name, number, hours, communes, services, retention)
comes from one YAML file (`departement.yml` at the project root, or `TRIAGE_DEPARTEMENT_FILE`);
secrets and deployment addresses come from the environment. This module is the only one that
reads the environment (the README lists every variable): the others get a Settings, from their
entry point or from `get_settings()` in the processes Rasa starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.identity import Identity, parse_identity

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The reference material beside the project (../shared), when it is there.
DEFAULT_REFERENCE_DIR = PROJECT_ROOT.parent / "shared" / "reference" / "openfisca" / "parameters"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class ConfigurationError(ValueError):
    """The département file is missing or wrong; the message names the file and the field."""


@dataclass(frozen=True)
class Service:
    id: str
    name: str


@dataclass(frozen=True)
class Settings:
    name: str
    short_name: str
    code: str
    contact_phone: str
    website: str
    timezone: ZoneInfo
    # weekday index (Monday = 0) -> ordered, non-overlapping (start, end) ranges
    opening_hours: dict[int, tuple[tuple[time, time], ...]]
    communes: tuple[str, ...]
    services: tuple[Service, ...]
    # (postcode, commune) pairs: a code may serve several communes, a commune have several codes.
    postcodes: tuple[tuple[str, str], ...] = ()
    deadline_working_hours: int = 48
    urgent_deadline_working_hours: int = 8
    max_failed_attempts: int = 3
    # Failed attempts closer together than this count as one towards max_failed_attempts, and
    # « rappeler à… » cannot be set earlier (three calls in five minutes are not three tries).
    min_minutes_between_failed_attempts: int = 120
    # Colour, font and logo of the console and the site (a neutral look by default).
    identity: Identity = field(default_factory=Identity)
    retention_days: int = 90
    # The Rasa server's copy of conversations (tickets keep their own transcript).
    conversation_retention_hours: int = 24
    # The information team's inbox (masked messages) and the texts of rated answers.
    inbox_retention_days: int = 30
    # A fiche not reviewed for this many days is listed "à relire" for the information team.
    fiche_review_days: int = 365
    # Who citizens write to about their personal data (the data protection officer).
    privacy_contact: str = ""
    imagine_r_refund: str = ""
    database_url: str = ""
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    var_dir: Path = PROJECT_ROOT / "var"
    # Dated legal parameters (OpenFisca France's YAML) the fiches' figures are compared with;
    # absent from most deployments, and then the comparison says so (bot/fiche_figures.py).
    reference_dir: Path = DEFAULT_REFERENCE_DIR
    # Deployment, from the environment (the README's table says which variable sets each).
    conversations_url: str = ""
    # Rasa replicas (RASA_REPLICAS; 0 when the value is not a number) share locks and
    # conversations in Redis at redis_url (REDIS_URL); none for one replica.
    rasa_replicas: int = 1
    redis_url: str = ""
    phone_secret_file: Path | None = None
    site_origins: tuple[str, ...] = ()
    chat_rate_session: float = 30.0
    chat_rate_address: float = 300.0
    console_secret: str = ""
    console_secure_cookie: bool = True
    public_url: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    # The environment as read, for what it configures outside this object: the processes the
    # supervisor starts inherit it, and the phone line reads its own variables from it
    # (voice/config.py).
    environment: Mapping[str, str] = field(default_factory=dict)

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"


def _fail(path: Path, message: str) -> ConfigurationError:
    return ConfigurationError(f"{path}: {message}")


def _parse_hours(path: Path, raw: Any) -> dict[int, tuple[tuple[time, time], ...]]:
    if not isinstance(raw, dict):
        raise _fail(path, "opening_hours must map weekdays to lists like ['08:00-20:00']")
    unknown = set(raw) - set(WEEKDAYS)
    if unknown:
        raise _fail(path, f"opening_hours: unknown day(s) {sorted(unknown)}")
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for index, day in enumerate(WEEKDAYS):
        ranges = []
        for text in raw.get(day) or []:
            match = _RANGE.match(str(text).strip())
            if not match:
                raise _fail(path, f"opening_hours.{day}: '{text}' is not HH:MM-HH:MM")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                start, end = time(h1, m1), time(h2, m2)
            except ValueError as exc:
                raise _fail(path, f"opening_hours.{day}: '{text}': {exc}") from None
            if end <= start:
                raise _fail(path, f"opening_hours.{day}: '{text}' ends before it starts")
            ranges.append((start, end))
        ranges.sort()
        for (_, end), (start, _) in pairwise(ranges):
            if start < end:
                raise _fail(path, f"opening_hours.{day}: ranges overlap")
        hours[index] = tuple(ranges)
    if not any(hours.values()):
        raise _fail(path, "opening_hours: the platform is never open")
    return hours


def _required(path: Path, raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not value or not isinstance(value, (str, int)):
        raise _fail(path, f"'{key}' is required")
    return str(value)


def _positive_int(path: Path, raw: dict[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or value <= 0:
        raise _fail(path, f"'{key}' must be a positive whole number")
    return value


def _identity(path: Path, raw: dict[str, Any]) -> Identity:
    try:
        return parse_identity(raw.get("identity"), path.parent)
    except ValueError as exc:
        raise _fail(path, str(exc)) from None


def load_settings(path: Path | str | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read and validate the département file; raise ConfigurationError naming what is wrong."""
    env = dict(os.environ if env is None else env)
    path = Path(path or env.get("TRIAGE_DEPARTEMENT_FILE") or PROJECT_ROOT / "departement.yml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(path, "file not found") from None
    except yaml.YAMLError as exc:
        raise _fail(path, f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise _fail(path, "expected a mapping at the top level")

    try:
        timezone = ZoneInfo(str(raw.get("timezone", "Europe/Paris")))
    except Exception:
        raise _fail(path, f"unknown timezone '{raw.get('timezone')}'") from None

    communes = raw.get("communes") or []
    if not isinstance(communes, list) or not all(isinstance(c, str) and c for c in communes):
        raise _fail(path, "'communes' must be a non-empty list of names")
    if len(set(communes)) != len(communes):
        raise _fail(path, "'communes' lists a commune twice")

    postcodes = _postcodes(path, raw.get("postcodes") or {}, communes, str(raw.get("code", "")))

    services = []
    for item in raw.get("services") or []:
        if not isinstance(item, dict) or not item.get("id") or not item.get("name"):
            raise _fail(path, f"services: each entry needs an id and a name, got {item!r}")
        services.append(Service(str(item["id"]), str(item["name"])))

    callback = raw.get("callback") or {}
    var_dir = Path(env.get("TRIAGE_VAR_DIR") or PROJECT_ROOT / "var")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'triage.db'}"
    return Settings(
        name=_required(path, raw, "name"),
        short_name=_required(path, raw, "short_name"),
        code=_required(path, raw, "code"),
        contact_phone=_required(path, raw, "contact_phone"),
        website=_required(path, raw, "website"),
        timezone=timezone,
        opening_hours=_parse_hours(path, raw.get("opening_hours")),
        communes=tuple(communes),
        services=tuple(services),
        postcodes=postcodes,
        deadline_working_hours=_positive_int(path, callback, "deadline_working_hours", 48),
        urgent_deadline_working_hours=_positive_int(
            path, callback, "urgent_deadline_working_hours", 8
        ),
        max_failed_attempts=_positive_int(path, callback, "max_failed_attempts", 3),
        min_minutes_between_failed_attempts=_positive_int(
            path, callback, "min_minutes_between_failed_attempts", 120
        ),
        identity=_identity(path, raw),
        retention_days=_positive_int(path, raw, "retention_days", 90),
        conversation_retention_hours=_positive_int(path, raw, "conversation_retention_hours", 24),
        inbox_retention_days=_positive_int(path, raw, "inbox_retention_days", 30),
        fiche_review_days=_positive_int(path, raw, "fiche_review_days", 365),
        privacy_contact=_privacy_contact(raw),
        imagine_r_refund=str((raw.get("imagine_r") or {}).get("departement_refund", "")).strip(),
        database_url=database_url,
        knowledge_dir=Path(env.get("TRIAGE_KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge"),
        reference_dir=Path(env.get("TRIAGE_REFERENCE_DIR") or DEFAULT_REFERENCE_DIR),
        var_dir=var_dir,
        **_deployment(env, var_dir),
    )


def _postcodes(path: Path, raw: Any, communes: list[str], code: str) -> tuple[tuple[str, str], ...]:
    """`postcodes:` maps a commune of the list to its postcode or postcodes, in the département."""
    if not isinstance(raw, dict):
        raise _fail(path, "'postcodes' must map communes to their postcodes")
    pairs = []
    for commune, codes in raw.items():
        if commune not in communes:
            raise _fail(path, f"postcodes: '{commune}' is not in 'communes'")
        for postcode in codes if isinstance(codes, list) else [codes]:
            postcode = str(postcode)
            if not re.fullmatch(r"\d{5}", postcode) or not postcode.startswith(code):
                raise _fail(path, f"postcodes: '{postcode}' ({commune}) is no postcode of {code}")
            pairs.append((postcode, str(commune)))
    return tuple(sorted(pairs))


def _count(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _deployment(env: dict[str, str], var_dir: Path) -> dict[str, Any]:
    """The Settings fields that come from the environment alone."""
    return {
        "conversations_url": env.get("TRIAGE_CONVERSATIONS_URL")
        or f"sqlite:///{var_dir / 'conversations.db'}",
        "rasa_replicas": _count(env.get("RASA_REPLICAS", "1")),
        "redis_url": env.get("REDIS_URL", ""),
        "phone_secret_file": Path(env["TRIAGE_PHONE_SECRET_FILE"])
        if env.get("TRIAGE_PHONE_SECRET_FILE")
        else None,
        "site_origins": tuple(env.get("TRIAGE_SITE_ORIGINS", "").split()),
        "chat_rate_session": float(env.get("TRIAGE_CHAT_RATE_SESSION", "30")),
        "chat_rate_address": float(env.get("TRIAGE_CHAT_RATE_ADDRESS", "300")),
        "console_secret": env.get("TRIAGE_CONSOLE_SECRET", ""),
        # Secure by default; plain-HTTP development on loopback opts out with 0.
        "console_secure_cookie": env.get("TRIAGE_CONSOLE_SECURE_COOKIE", "1") != "0",
        "public_url": env.get("TRIAGE_PUBLIC_URL", "").rstrip("/"),
        "tls_cert": env.get("TRIAGE_TLS_CERT", ""),
        "tls_key": env.get("TRIAGE_TLS_KEY", ""),
        "environment": env,
    }


def _privacy_contact(raw: dict[str, Any]) -> str:
    given = str(raw.get("privacy_contact") or "").strip()
    if given:
        return given
    return (
        f"le délégué à la protection des données du {raw['name']} "
        f"(par téléphone au {raw['contact_phone']})"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
