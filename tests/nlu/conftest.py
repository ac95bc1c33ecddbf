"""Fixtures shared by the NLU tests: the evaluation module."""

from __future__ import annotations

from types import ModuleType

import pytest

from triage.evaluation import nlu


@pytest.fixture(scope="session")
def eval_nlu() -> ModuleType:
    return nlu
