# The agents' console (console/). Its style sheet is the project's own (console/static/base.css):
# running it needs neither Node nor npm. `make run` starts it with the assistant (port 8090).

CONSOLE_PORT ?= 8090

.PHONY: console console-test console-purge

## console: only the console, on the configured database (DATABASE_URL or var/triage.db)
console: setup
	$(PY) -m console --port $(CONSOLE_PORT)

## console-test: the console's tests (SQLite and PostgreSQL, Chromium; some skip without them)
console-test: setup system
	$(PY) -m pytest tests/console -q

## console-purge: empty the personal data of tickets closed more than retention_days ago
console-purge: setup
	$(PY) -m console.cli purge
