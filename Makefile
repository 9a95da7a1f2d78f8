# `make demo` and `make test` each do the whole set-up first (system packages, venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# pip as on any machine: --isolated leaves out the user's pip.conf and PIP_* variables
# (local mirrors, find-links); the lock's hashes decide what is installed, wherever from.
PIP    := $(BIN)/python -m pip --isolated --disable-pip-version-check
# What uv locks: the package, its test extra and the dev group, for every platform.
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --extra test --group dev --universal \
	--python-version 3.11 --generate-hashes --custom-compile-command "make lock" -q -o $(LOCK)

.PHONY: setup sysdeps demo test lint docs clean bench lock upgrade

FONTS  := templates/fonts/VERSION

setup: sysdeps $(STAMP) $(FONTS)

sysdeps:
	@scripts/sysdeps.sh chromium

# Exactly the locked versions (hashes checked, nothing resolved), then the checkout itself
# (editable, built with the locked hatchling), then a check that nothing is missing.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --require-hashes --no-deps -r $(LOCK)
	$(PIP) install -q --no-deps --no-build-isolation -e .
	$(PIP) check
	touch $(STAMP)

# Lock again after a change to pyproject.toml's dependencies (keeps every pin it can).
lock:
	test -x $(BIN)/uv || $(MAKE) setup
	$(UV_COMPILE)

# The newest releases pyproject.toml's ranges allow, then the whole test suite on them.
upgrade: setup
	$(UV_COMPILE) --upgrade
	$(MAKE) test

# The Chinese and Korean faces: subsets of Noto Sans CJK (see src/handouts/pipeline/fonts.py).
$(FONTS): $(STAMP) src/handouts/pipeline/fonts.py
	$(BIN)/python -m handouts.pipeline.fonts
	touch $@

demo: setup
	$(BIN)/handouts build --clinic clinics/demo --out out --jobs 2
	@echo "Handouts written under out/demo/ (one folder per language)."

test: setup
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests $(wildcard benchmarks)

# The README's picture of page 1 of a demo handout.
docs: setup
	$(BIN)/handouts build --clinic clinics/demo --stage aftercare --lang en --output out/readme.pdf
	pdftoppm -r 50 -png -f 1 -l 1 -singlefile out/readme.pdf docs/aftercare-en-page1

clean:
	rm -rf out $(VENV) .pytest_cache templates/fonts
	find locales -name '*.mo' -delete

# Every speed target of issue 8, side by side; writes benchmarks/RESULTS.md.
bench: setup
	@scripts/sysdeps.sh chromium
	$(BIN)/python benchmarks/run.py
