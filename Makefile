# Hearth: `make run` starts it, `make test` runs every test. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
ARGS   ?=

.PHONY: setup setup-dev run test browser bench load clean

# What Hearth needs to run.
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Hearth needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	@touch $@

# What the tests need on top. llama-cpp-python builds from source: portable flags, not -march=native.
setup-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PIP) -r requirements-dev.txt
	@touch $@

run: setup
	$(PY) run.py $(ARGS)

browser:
	@scripts/ensure-chromium.sh

test: setup-dev browser
	$(PY) -m pytest $(ARGS)

bench: setup-dev
	$(PY) -m benchmarks.ai

# 1,000 widget visitors and 5 agents against Hearth and a bare Flask-SocketIO server (ARGS to change).
load: setup-dev
	$(PY) -m benchmarks.load $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
