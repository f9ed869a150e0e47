# The two set-up commands of the README:
#   make e2e    set up everything, then run the acceptance suite (behave features/)
#   make test   set up everything, then run the unit/integration tests and the linter
VENV ?= .venv
BIN := $(VENV)/bin
BEHAVE_ARGS ?=
# Two pytest-xdist workers (2 cores); one test file per worker at a time, so module-scoped
# servers start once. PYTEST_ARGS= runs serially; PYTEST_ARGS='-m "not slow"' skips the slow.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: help setup e2e test lint clean-stale

help:  ## list the targets, one line each
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

setup:  ## install everything (idempotent): venv, Docker engine, images
	bash scripts/setup.sh

e2e: setup  ## set up, then run the acceptance suite: behave features/
	bash scripts/with-stack-env.sh $(BIN)/behave features/ $(BEHAVE_ARGS)

test: setup  ## set up, then run ruff and pytest
	$(BIN)/ruff check .
	bash scripts/with-stack-env.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

lint:  ## static checks only
	$(BIN)/ruff check .
