# `make demo` and `make test` each do the whole set-up first (system packages, venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup sysdeps demo test lint docs clean bench

FONTS  := templates/fonts/VERSION

setup: sysdeps $(STAMP) $(FONTS)

sysdeps:
	@scripts/sysdeps.sh chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

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
