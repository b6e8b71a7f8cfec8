# make run   - install, migrate, seed the demo once, serve on http://127.0.0.1:8000
# make test  - lint, type-check and the whole test suite (browser tests included)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
# Browser tests drive Debian's Chromium; CHROMIUM overrides where it lives.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck pytest install install-dev chromium wrk bench messages clean

run: $(APP_STAMP)
	$(BIN)/participation serve --host $(HOST) --port $(PORT)

test: $(DEV_STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP) chromium
	$(BIN)/pytest

install: $(APP_STAMP)
install-dev: $(DEV_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[redis]'
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,redis]'
	touch $(APP_STAMP) $@

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi

# Extract message ids from code and templates and merge them into the catalogues.
messages: $(DEV_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k Nn_:1,2 -o participation/locale/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i participation/locale/messages.pot -d participation/locale -D messages -l de --init-missing --no-fuzzy-matching --ignore-obsolete --omit-header

# The load benchmark (bench/load.py) drives the app with Debian's wrk.
wrk:
	@if ! command -v wrk >/dev/null; then \
		echo "Installing Debian's wrk for the load benchmark"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; \
	fi

bench: $(DEV_STAMP) wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
