# The two set-up commands of the README:
#   make e2e    set up everything, then run the acceptance suite (behave features/)
#   make test   set up everything, then run the unit/integration tests and the linter
VENV ?= .venv
BIN := $(VENV)/bin
BEHAVE_ARGS ?=

MUTATION_ARGS ?=

.PHONY: help setup e2e test lint lock clean-stale mutation mutation-quick

help:  ## list the targets, one line each
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

setup:  ## install everything (idempotent): venv, Docker engine, images
	bash scripts/setup.sh

e2e: setup  ## set up, then run the acceptance suite: behave features/
	bash scripts/with-stack-env.sh $(BIN)/behave features/ $(BEHAVE_ARGS)

test: setup lint  ## set up, lint, then run pytest
	bash scripts/with-stack-env.sh $(BIN)/python -m pytest

lint:  ## static checks: ruff, mypy, deptry (every import has a requirement), locks up to date
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/deptry .
	$(BIN)/python scripts/check_locks.py

lock:  ## regenerate the hash locks after changing a requirements file
	bash scripts/lock.sh

mutation: setup  ## inject each catalogued bug into a fresh copy, run the suite, score it
	bash scripts/with-stack-env.sh $(BIN)/python scripts/mutation.py $(MUTATION_ARGS)

mutation-quick: setup  ## the same on a fixed sample of the catalogue
	bash scripts/with-stack-env.sh $(BIN)/python scripts/mutation.py --quick $(MUTATION_ARGS)
