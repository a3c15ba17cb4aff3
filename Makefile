# Two commands do all the set-up on a fresh machine:
#   make serve   create .venv, install everything, build the sample archive, serve it on 127.0.0.1:8000
#   make test    the same set-up, then the whole test suite (browser tests included)
# The Python that makes .venv: Debian's own python3 (3.11 on this machine) when it has
# venv, since Debian builds it with profile-guided optimization, which makes a build
# about a tenth quicker than with an unoptimized build such as pyenv's; else python3.
SYSTEM_PYTHON := $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo /usr/bin/python3)
PYTHON ?= $(or $(SYSTEM_PYTHON),python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test setup browser build check bench clean

serve: setup
	$(PY) build.py build
	$(PY) build.py serve --host $(HOST) --port $(PORT)

# One test file a worker, one worker a core: a file's fixtures (its built sites) are made once.
test: setup browser
	$(PY) -m pytest -n auto --dist loadfile

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
