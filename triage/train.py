"""Train the Rasa model only when its inputs changed.

The model's name carries a hash of config.yml, nlu_data/, bot/domain/, bot/data/ and the code of the
project's own NLU components and policies (they run at training time too): the same inputs give the
same name, so a second `make run` starts at once. Rasa prints its own progress bars.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from triage import ROOT

INPUTS = ("config.yml", "nlu_data", "bot/domain", "bot/data", "nlu_components", "policies")
KEEP_MODELS = 2


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = ROOT / name
        files = (
            sorted(f for f in path.rglob("*") if f.suffix in (".yml", ".py"))
            if path.is_dir()
            else [path]
        )
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def model_path() -> Path:
    return ROOT / "models" / f"triage-{fingerprint()}.tar.gz"


def train() -> Path:
    target = model_path()
    if target.exists():
        print(f"model: up to date ({target.relative_to(ROOT)})")
        return target
    print(f"model: training {target.name} (the data changed or no model yet)…", flush=True)
    started = time.monotonic()
    command = [
        str(Path(sys.executable).with_name("rasa")),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "bot/domain",
        "--data",
        "nlu_data",
        "bot/data",
        "--out",
        "models",
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    print(f"model: trained in {time.monotonic() - started:.0f} s → {target.relative_to(ROOT)}")
    models = sorted((ROOT / "models").glob("triage-*.tar.gz"), key=os.path.getmtime)
    for old in models[:-KEEP_MODELS]:
        old.unlink()
    return target


if __name__ == "__main__":
    train()
