# Two entry points, both self-installing on a machine with python3 and make:
#   make test                   lint, type check and the test suite
#   make preview STACK=staging  the offline preview (and policy check) of a stack
# `make` alone lists the targets. ARGS passes flags through, e.g.
#   make preview STACK=production ARGS="--set dbInstanceClass=db.r6g.2xlarge --json plan.json"
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STACK  ?= staging
ARGS   ?=
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install test test-fast lint typecheck pytest preview graph cost timeline compliance bench clean \
	policy-docs readme pack-alone

help: ## this list
	@awk 'BEGIN {FS = ":.*## "}; /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  (STACK=staging|production|production-dr, ARGS=\"--set k=v --json f --debug\" pass through)"

install: $(STAMP) ## create .venv and install everything (the other targets do it when needed)

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt policies/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

lint: $(STAMP) ## ruff
	$(BIN)/ruff check .

typecheck: $(STAMP) ## mypy
	$(BIN)/mypy

pytest: $(STAMP) ## the whole test suite (what CI runs)
	$(BIN)/pytest $(ARGS)

test: lint typecheck pytest ## lint, type check and the whole test suite

test-fast: $(STAMP) ## the edit loop: unit and policy tests, no full-stack runs (under a minute)
	$(BIN)/pytest -m "not stacks" $(ARGS)

pack-alone: $(STAMP) ## the policy pack from its folder in a fresh venv with only its requirements
	$(BIN)/python -m tools.pack_alone

bench: $(STAMP) ## benchmark figures (prints medians; asserts nothing)
	$(BIN)/python bench/preflight_bench.py $(ARGS)

preview: $(STAMP) ## the offline preview and policy check of STACK
	$(BIN)/python -m preflight preview --stack $(STACK) $(ARGS)

graph: $(STAMP) ## the tiers of STACK and their dependencies (mermaid)
	$(BIN)/python -m preflight graph --stack $(STACK) --components-only $(ARGS)

cost: $(STAMP) ## estimated monthly cost of STACK per tier
	$(BIN)/python -m preflight cost --stack $(STACK) $(ARGS)

timeline: $(STAMP) ## estimated wall time of a first `pulumi up` of STACK
	$(BIN)/python -m preflight timeline --stack $(STACK) $(ARGS)

compliance: $(STAMP) ## FSBP controls of STACK: passed, failed, not applicable, waived
	$(BIN)/python -m preflight compliance --stack $(STACK) $(ARGS)

clean: ## remove .venv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .preflight-cache

readme: $(STAMP) ## regenerate the README's generated parts
	$(BIN)/python -m preflight.readme

policy-docs: $(STAMP) ## regenerate policies/README.md and policies/PROPERTIES.md
	cd policies && ../$(BIN)/python -m elite_policies.reference > README.md
	cd policies && ../$(BIN)/python -m elite_policies.reference properties > PROPERTIES.md
