# Two commands do all the set-up on a fresh machine:
#   make serve   create .venv, install everything, build the sample archive, serve it on 127.0.0.1:8000
#   make test    the same set-up, then the whole test suite (browser tests included)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test setup browser build check bench clean

serve: setup
	$(PY) build.py build
	$(PY) build.py serve --host $(HOST) --port $(PORT)

test: setup browser
	$(PY) -m pytest

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download does not
# work here); Java for the HTML checker is already on the machine.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

build: setup
	$(PY) build.py build

check: setup
	$(PY) build.py check

bench: setup
	$(PY) bench.py

clean:
	rm -rf public .pytest_cache
