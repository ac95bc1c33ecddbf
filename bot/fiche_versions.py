"""Editing a fiche from the console: read it as stored, check it, publish it, keep its history.

A fiche IS its file `knowledge/fiches/<id>.yml`: publishing writes that file (atomically: a
temporary file renamed over it), so the action server reloads it within a second
(bot.knowledge) and git stays the record. Each publish also stores who, when and the unified
diff of the YAML in `fiche_versions` (migration 0006_fiche_versions).
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Column, Index, Integer, String, Text, select
from sqlalchemy.engine import Engine

from bot.db import session_factory
from bot.knowledge import Fiche, KnowledgeBase, KnowledgeBaseError, validate_fiche
from bot.settings import Settings
from bot.tickets.models import Base, UTCDateTime, utcnow

# Lines this long fit an editor's window; longer text is folded by the YAML dumper.
YAML_WIDTH = 100


class FicheVersion(Base):
    """One publish of a fiche from the console."""

    __tablename__ = "fiche_versions"

    id = Column(Integer, primary_key=True)
    fiche_id = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    author = Column(String(64), nullable=False)
    diff = Column(Text, nullable=False)

    __table_args__ = (Index("ix_fiche_versions_fiche_id", "fiche_id", "created_at"),)


@dataclass(frozen=True)
class Version:
    fiche_id: str
    created_at: datetime
    author: str
    diff: str


class _Dumper(yaml.SafeDumper):
    """safe_dump, but multi-line texts as `|` blocks: a diff then shows the changed line."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def fiche_path(knowledge_dir: Path, fiche_id: str) -> Path:
    return Path(knowledge_dir) / "fiches" / f"{fiche_id}.yml"


def read_raw(path: Path) -> dict[str, Any]:
    """The fields as written in the file (placeholders such as {website} kept)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping of fields at the top level")
    return raw


def dump(raw: dict[str, Any]) -> str:
    return yaml.dump(raw, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=YAML_WIDTH)


def check(knowledge_dir: Path, raw: dict[str, Any], settings: Settings) -> Fiche:
    """The loader's validation of the edited fiche, then of the whole base with it (an intent
    answered twice); raises KnowledgeBaseError naming the field."""
    fiche_id = str(raw.get("id", ""))
    fiche = validate_fiche(fiche_path(knowledge_dir, fiche_id), raw, settings)
    others = KnowledgeBase(
        f for f in KnowledgeBase.load(knowledge_dir, settings).fiches if f.id != fiche.id
    )
    for intent in fiche.intents:
        # Said from the edited fiche's side (the base itself would blame whichever sorts last).
        other = others.for_intent(intent)
        if other is not None:
            problem = f"'{intent}' is already answered by {other.path.name}"
            raise KnowledgeBaseError(
                f"{fiche.path}: field 'intents': {problem}", "intents", problem
            )
    KnowledgeBase([*others.fiches, fiche])
    return fiche


def write_atomically(path: Path, text: str) -> None:
    """Readers (the action server's reload) see the old file or the new one, never half."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class FicheVersions:
    def __init__(self, engine: Engine) -> None:
        self.Session = session_factory(engine)

    def publish(
        self, knowledge_dir: Path, raw: dict[str, Any], settings: Settings, author: str
    ) -> Version | None:
        """Check, write the file, record the version; None when nothing changed."""
        fiche = check(knowledge_dir, raw, settings)
        path = fiche_path(knowledge_dir, fiche.id)
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        after = dump(raw)
        diff = "".join(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                f"a/fiches/{path.name}",
                f"b/fiches/{path.name}",
            )
        )
        if not diff:
            return None
        write_atomically(path, after)
        row = FicheVersion(fiche_id=fiche.id, author=author, diff=diff, created_at=utcnow())
        with self.Session.begin() as session:
            session.add(row)
        return Version(fiche.id, row.created_at, author, diff)

    def history(self, fiche_id: str) -> list[Version]:
        """The fiche's versions, the newest first."""
        query = (
            select(FicheVersion)
            .where(FicheVersion.fiche_id == fiche_id)
            .order_by(FicheVersion.created_at.desc(), FicheVersion.id.desc())
        )
        with self.Session() as session:
            return [
                Version(v.fiche_id, v.created_at, v.author, v.diff) for v in session.scalars(query)
            ]
