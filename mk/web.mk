# The chat widget and the demo site (web/). The browser files are committed: `make run` and
# `make test` need neither Node nor npm. `web-build` is for developers who change a vendored
# package (web/package.json): it rebuilds web/widget/vendor/ and tests/web/vendor/ from npm.

WEB_PORT ?= 8080
RASA_URL ?= http://127.0.0.1:5005

.PHONY: web-build web-serve web-test

## web-build: npm ci in web/, then copy the socket.io client and axe-core
web-build:
	cd web && npm ci --ignore-scripts --no-audit --no-fund && node build.mjs

## web-serve: only the demo site and the widget, against a Rasa server already running
web-serve: setup
	$(PY) -m web.server --port $(WEB_PORT) --rasa-url $(RASA_URL)

## web-test: the widget's tests (server, browser; the ones needing the trained model skip without it)
web-test: setup system
	$(PY) -m pytest tests/web -q
