"""Fixtures shared by the NLU tests: the evaluation script loaded as a module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL_SCRIPT = ROOT / "scripts" / "eval_nlu.py"


def _load_eval_module() -> ModuleType:
    # scripts/ is not a package: load the file directly; dataclasses need it in sys.modules.
    spec = importlib.util.spec_from_file_location("eval_nlu", EVAL_SCRIPT)
    assert spec and spec.loader, f"cannot load {EVAL_SCRIPT}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def eval_nlu() -> ModuleType:
    return _load_eval_module()
