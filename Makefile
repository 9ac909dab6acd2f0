# `make run` and `make test` do all the set-up themselves on a fresh machine.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Prefer Python 3.12 (PySide6 6.12 crashes on 3.11); pyenv shims exist but may not run, so test each.
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 python3.13 python3.11 python3; do \
	if $$p -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1; then echo $$p; break; fi; done)

.PHONY: run test test-slow test-packaging test-realwindow bench lint package screenshot clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Neuroplay needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(VENV)/.installed-package: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[package]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/python -m app.main $(ARGS)

test: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "not slow and not packaging and not realwindow"

# Exit status 5 means no test carried the mark: not a failure. The long tests run for
# minutes: faulthandler's hang dump must not fire in the middle of one (dumping a running
# thread's stack is not safe, and once ended in a segmentation fault here).
test-slow: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "slow" \
		-o faulthandler_timeout=1800 || [ $$? -eq 5 ]

# Builds the installers, unpacks the .deb and smoke-tests the installed app (minutes).
test-packaging: $(VENV)/.installed-test $(VENV)/.installed-package
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "packaging" \
		-o faulthandler_timeout=1800 || [ $$? -eq 5 ]

# The app in a real X window: Xvfb, openbox, real keys (xdotool), screenshots, closing through
# the window manager (tests/realwindow). Skipped, saying why, where those tools are missing;
# .ci/run installs them. Screenshots and the app's log stay in build/realwindow.
test-realwindow: $(VENV)/.installed-test
	mkdir -p build  # pytest makes --basetemp itself, not its parent (a fresh clone has none)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "realwindow" tests/realwindow \
		--basetemp=build/realwindow

lint: $(VENV)/.installed-test
	$(BIN)/ruff check engine app tests benchmarks packaging

bench: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run_all

package: $(VENV)/.installed-package
	$(BIN)/python packaging/build.py

screenshot: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m app.screenshot resources/screenshot.png

clean:
	rm -rf build dist .pytest_cache
