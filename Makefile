# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup system model run test lint validate unit eval bench clean

help:
	@echo "make run    set up, train if needed, start the assistant (chat page, console)"
	@echo "make test   set up, train if needed, run every test"
	@echo "make eval   NLU report on the held-out set (reports/nlu/)"
	@echo "make bench  benchmarks that print figures"

setup:
	@bash scripts/setup.sh

# Debian packages the tests and the phone line need (Chromium, espeak-ng); skipped when present.
system:
	@bash scripts/setup_system.sh

model: setup
	@$(PY) -m triage.train

run: setup model
	@$(PY) -m triage.run

# Style (ruff), types (mypy, [tool.mypy]) and the import layers (import-linter, [tool.importlinter]:
# triage/ above the adapters, the adapters above the core and independent of each other).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

validate: setup
	$(RASA) data validate --config config.yml --domain bot/domain --data nlu_data bot/data

unit: setup
	$(PY) -m pytest tests/unit -q

test: setup system model lint validate
	$(PY) -m pytest -q

bench: setup model
	$(PY) -m triage.bench

clean:
	rm -rf models reports results .pytest_cache .ruff_cache

-include mk/*.mk
