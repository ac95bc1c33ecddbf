# NLU evaluation on the held-out set (tests/nlu/heldout.yml, never used in training).
# `model` (trains when needed) and $(PY) come from the main Makefile.

.PHONY: eval eval-check

## eval: evaluate the latest model on the held-out NLU set -> reports/nlu/report.{md,json}
eval: model
	$(PY) scripts/eval_nlu.py --data tests/nlu/heldout.yml

## eval-check: same, but fail when topic accuracy or out-of-scope rejection misses its target
eval-check: model
	$(PY) scripts/eval_nlu.py --data tests/nlu/heldout.yml --check
