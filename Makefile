# Hearth: `make run` starts it, `make test` runs every test. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
ARGS   ?=

.PHONY: setup setup-dev desktop run test browser bench load faults package clean audit fuzz

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

# The desktop window's system packages and GTK binding; without them Hearth serves headless.
desktop: setup
	@if scripts/ensure-desktop.sh && $(PIP) -r requirements-desktop.txt; then touch $(VENV)/.installed-desktop; \
	else echo "No desktop window on this machine: Hearth will serve headless (open the URL it prints)."; fi

run: setup desktop
	$(PY) run.py $(ARGS)

browser:
	@scripts/ensure-chromium.sh

test: setup-dev browser desktop
	$(PY) -m pytest $(ARGS)

# Known vulnerabilities in everything installed from the pinned requirements (pinned and transitive),
# looked up in PyPI's advisory data (only pypi.org is needed). A finding fails with its ID and fixed
# versions. Accept a reviewed finding by adding a line "ID  # why it does not affect Hearth, who, date"
# to .pip-audit-ignore. AUDIT_STRICT=1 also fails when a package could not be looked up.
AUDIT_IGNORE = $(shell sed -e 's/\#.*//' .pip-audit-ignore 2>/dev/null | xargs -r printf -- '--ignore-vuln %s ')
audit: setup-dev
	$(PY) -m pip_audit --vulnerability-service pypi --progress-spinner off --desc off \
		$(if $(AUDIT_STRICT),--strict) $(AUDIT_IGNORE)

# Longer fuzzing than the test suite's (HEARTH_FUZZ_EXAMPLES examples per property).
fuzz: setup-dev
	HEARTH_FUZZ_EXAMPLES=$${HEARTH_FUZZ_EXAMPLES:-500} $(PY) -m pytest tests/fuzz -q

# Kill -9 under traffic, an interrupted import, a full disk (a small tmpfs: needs root), a locked database.
faults: setup-dev
	$(PY) -m pytest tests/faults -v

# The one-folder app dist/hearth/ (run dist/hearth/hearth, same flags as run.py) and its archive.
package: setup-dev desktop
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build packaging/hearth.spec
	tar -C dist -czf dist/hearth-$$($(PY) -c 'import appliance; print(appliance.__version__)')-linux-x86_64.tar.gz hearth
	@du -sh dist/hearth dist/hearth-*.tar.gz

bench: setup-dev
	$(PY) -m benchmarks.ai

# Launch to a usable window, the packaged app against run.py, under Xvfb (ARGS: --runs N, --only dev...).
.PHONY: desktop-start
desktop-start: package
	$(PY) -m benchmarks.desktop_start $(ARGS)

# 1,000 widget visitors and 5 agents against Hearth and a bare Flask-SocketIO server (ARGS to change).
load: setup-dev
	$(PY) -m benchmarks.load $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts dist build
