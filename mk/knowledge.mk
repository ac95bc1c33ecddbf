# The knowledge base (knowledge/fiches/*.yml, knowledge/orientation.yml).
# $(PY) comes from the main Makefile.

.PHONY: knowledge-check knowledge-test

## knowledge-check: validate every fiche, print counts per topic, check coverage of bot/catalogue.yml
knowledge-check:
	$(PY) -m bot.knowledge check

## knowledge-test: the knowledge base's and the orientation's unit tests
knowledge-test:
	$(PY) -m pytest -q tests/unit/test_knowledge.py tests/unit/test_orientation.py
