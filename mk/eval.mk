# NLU evaluation on the held-out set (tests/nlu/heldout.yml, never used in training), then on the
# held-out messages of the fiches added later (heldout_fiches.yml), then the factual questions
# asked to the running assistant (tests/facts/questions.yml -> reports/facts/).
# `model` (trains when needed) and $(PY) come from the main Makefile.

.PHONY: eval eval-check eval-scenarios

## eval: held-out NLU sets -> reports/nlu{,_fiches}/, factual questions -> reports/facts/, then
## the conversation scenarios (tests/conversations/*.yml), with the share passed
eval: model
	$(PY) -m triage.evaluation.nlu --data tests/nlu/heldout.yml
	$(PY) -m triage.evaluation.nlu --data tests/nlu/heldout_fiches.yml --out reports/nlu_fiches
	$(PY) -m triage.evaluation.facts
	$(PY) -m tests.conversations.runner

## eval-scenarios: play tests/conversations/*.yml on a fresh assistant, print the share passed
eval-scenarios: model
	$(PY) -m tests.conversations.runner

## eval-check: same, but fail when topic accuracy or out-of-scope rejection misses its target
eval-check: model
	$(PY) -m triage.evaluation.nlu --data tests/nlu/heldout.yml --check
