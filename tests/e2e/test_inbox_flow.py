"""End to end: a message the trained model does not understand reaches the information team's
inbox (masked), is qualified, exported, and Rasa's training data importer — what `make train`
uses — reads it as an example of the chosen intent. The real assistant (Rasa, action server)
on a fresh SQLite file; skipped without a model trained on the current data."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bot.db import make_engine
from bot.inbox.export import export_qualified
from bot.inbox.store import InboxStore
from tests.e2e.chat import Citizen

pytestmark = [pytest.mark.stack, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
UNCLEAR = "Je suis Paul Martin, le truc du bidule de mon cousin marche plus du tout"


def test_not_understood_to_training_data(assistant_stack, tmp_path: Path) -> None:
    citizen = Citizen(assistant_stack.rasa_url)
    citizen.say(UNCLEAR)
    engine = make_engine(assistant_stack.database_url)
    inbox = InboxStore(engine)
    try:
        deadline = time.monotonic() + 20
        while not (groups := inbox.groups()[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        [group] = [g for g in groups if "bidule" in g.text]
        assert "Martin" not in group.text and "[nom]" in group.text
        assert set(group.reasons) <= {"clarification", "fallback", "out_of_scope"}
        assert inbox.qualify(group.key, "intent", "imagine_r_lost_card", by="ines") == 1
        nlu_dir = tmp_path / "nlu_data"
        shutil.copytree(ROOT / "nlu_data", nlu_dir)
        result = export_qualified(inbox, nlu_dir, lambda fiche: None, by="ines")
    finally:
        engine.dispose()
    assert result.path is not None and result.examples == 1

    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "bot/domain"), [str(nlu_dir), str(ROOT / "bot/data")]
    )
    examples = {(m.get("text"), m.get("intent")) for m in importer.get_nlu_data().intent_examples}
    expected = "Je suis, le truc du bidule de mon cousin marche plus du tout"
    assert (expected, "imagine_r_lost_card") in examples
