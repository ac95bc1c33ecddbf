# NLU evaluation on the held-out set (tests/nlu/heldout.yml, never used in training).
# `model` (trains when needed) and $(PY) come from the main Makefile.

.PHONY: eval eval-check eval-scenarios

## eval: the held-out NLU report (reports/nlu/report.{md,json}), then the conversation scenarios
eval: model
	$(PY) scripts/eval_nlu.py --data tests/nlu/heldout.yml
	$(PY) -m tests.conversations.runner

## eval-scenarios: play tests/conversations/*.yml on a fresh assistant, print the share passed
eval-scenarios: model
	$(PY) -m tests.conversations.runner

## eval-check: same, but fail when topic accuracy or out-of-scope rejection misses its target
eval-check: model
	$(PY) scripts/eval_nlu.py --data tests/nlu/heldout.yml --check
