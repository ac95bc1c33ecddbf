"""`triage nlu export`: qualified inbox messages become a new, reviewed NLU file that Rasa's own
training data importer (what `make train` uses) reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from bot.db import upgrade
from bot.inbox.export import export_qualified, training_example
from bot.inbox.masking import group_key, mask
from bot.inbox.store import InboxStore
from bot.knowledge import get_knowledge_base

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def inbox(engine: Engine) -> InboxStore:
    upgrade(engine)
    return InboxStore(engine)


@pytest.fixture
def nlu_dir(tmp_path: Path) -> Path:
    """A copy of the project's NLU data (the export must not repeat what is already there)."""
    target = tmp_path / "nlu_data"
    shutil.copytree(ROOT / "nlu_data", target)
    return target


def fiche_intent(fiche_id: str) -> str | None:
    fiche = get_knowledge_base().get(fiche_id)
    return fiche.intents[0] if fiche else None


def qualify(inbox: InboxStore, text: str, kind: str, target: str | None) -> None:
    inbox.add_item("fallback", "socketio", text)
    assert inbox.qualify(group_key(mask(text)), kind, target, by="info1") == 1


def test_training_example_drops_masks_and_markup() -> None:
    assert training_example(mask("je suis Mme Durand, [mon] RSA est suspendu")) == (
        "je suis Mme, mon RSA est suspendu"
    )
    assert training_example(mask("06 12 34 56 78")) is None


def test_each_export_writes_a_new_file_rasa_reads(inbox: InboxStore, nlu_dir: Path) -> None:
    fiche = get_knowledge_base().fiches[0]
    qualify(
        inbox,
        "la cantine du collège a augmenté de combien cette année",
        "intent",
        "college_canteen_price",
    )
    qualify(inbox, "le papier pour toucher l'aide de mamie", "fiche", fiche.id)
    qualify(inbox, "ma poubelle jaune déborde depuis une semaine", "hors_sujet", "dechets")
    qualify(inbox, "azertyuiop qsdfg", "ignorer", None)
    first = export_qualified(inbox, nlu_dir, fiche_intent, by="info1")
    assert first.path is not None and first.path.parent == nlu_dir / "reviewed"
    assert (first.examples, first.handled) == (3, 3)
    blocks = {b["intent"]: b["examples"] for b in yaml.safe_load(first.path.read_text())["nlu"]}
    assert "- ma poubelle jaune déborde depuis une semaine" in blocks["out_of_scope"]
    assert "- le papier pour toucher l'aide de mamie" in blocks[fiche.intents[0]]
    written = first.path.read_text()

    assert export_qualified(inbox, nlu_dir, fiche_intent, by="info1").handled == 0
    qualify(
        inbox,
        "combien de jours de vacances à la Toussaint au collège",
        "intent",
        "college_canteen_price",
    )
    second = export_qualified(inbox, nlu_dir, fiche_intent, by="info2")
    assert second.path is not None and second.path != first.path
    assert first.path.read_text() == written  # never overwritten
    assert [e.exported_by for e in inbox.exports()] == ["info2", "info1"]

    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "bot/domain"), [str(nlu_dir), str(ROOT / "bot/data")]
    )
    examples = {(m.get("text"), m.get("intent")) for m in importer.get_nlu_data().intent_examples}
    assert (
        "la cantine du collège a augmenté de combien cette année",
        "college_canteen_price",
    ) in examples
    assert ("ma poubelle jaune déborde depuis une semaine", "out_of_scope") in examples


def test_an_example_already_in_the_training_data_is_not_repeated(
    inbox: InboxStore, nlu_dir: Path
) -> None:
    qualify(inbox, "comment faire un passeport", "hors_sujet", "etat_civil")
    result = export_qualified(inbox, nlu_dir, fiche_intent, by="info1")
    assert (result.path, result.examples, result.handled) == (None, 0, 1)
    assert not (nlu_dir / "reviewed").exists()


def test_the_triage_command_exports(inbox: InboxStore, engine: Engine, nlu_dir: Path) -> None:
    qualify(
        inbox, "la cantine coûte trop cher pour trois enfants", "intent", "college_canteen_price"
    )
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    run = subprocess.run(
        [sys.executable, "-m", "triage.cli", "nlu", "export", "--nlu-dir", str(nlu_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "1 exemple(s) écrit(s)" in run.stdout
    assert len(list((nlu_dir / "reviewed").glob("inbox_*.yml"))) == 1
