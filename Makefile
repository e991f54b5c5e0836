# Two entry points, both self-installing on a machine with python3 and make:
#   make test                   lint, type check and the test suite
#   make preview STACK=staging  the offline preview (and policy check) of a stack
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STACK  ?= staging
STAMP  := $(VENV)/.installed

.PHONY: test lint typecheck pytest preview graph cost timeline bench clean policy-docs readme

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/preflight_bench.py

preview: $(STAMP)
	$(BIN)/python -m preflight preview --stack $(STACK)

graph: $(STAMP)
	$(BIN)/python -m preflight graph --stack $(STACK) --components-only

cost: $(STAMP)
	$(BIN)/python -m preflight cost --stack $(STACK)

timeline: $(STAMP)
	$(BIN)/python -m preflight timeline --stack $(STACK)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

readme: $(STAMP)
	$(BIN)/python -m preflight.readme

policy-docs: $(STAMP)
	cd policies && ../$(BIN)/python -m elite_policies.reference > README.md
	cd policies && ../$(BIN)/python -m elite_policies.reference properties > PROPERTIES.md
