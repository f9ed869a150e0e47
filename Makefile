# The two set-up commands of the README:
#   make e2e    set up everything, then run the acceptance suite (behave features/)
#   make test   set up everything, then run the unit/integration tests and the linter
VENV ?= .venv
BIN := $(VENV)/bin
BEHAVE_ARGS ?=

MUTATION_ARGS ?=

.PHONY: setup e2e test lint clean-stale mutation mutation-quick

setup:
	bash scripts/setup.sh

e2e: setup
	bash scripts/with-stack-env.sh $(BIN)/behave features/ $(BEHAVE_ARGS)

test: setup
	$(BIN)/ruff check .
	bash scripts/with-stack-env.sh $(BIN)/python -m pytest

lint:
	$(BIN)/ruff check .

# Inject each catalogued bug (mutation/catalogue.yaml) into a fresh copy and run the suite.
mutation: setup
	$(BIN)/python scripts/mutation.py $(MUTATION_ARGS)

mutation-quick: setup
	$(BIN)/python scripts/mutation.py --quick $(MUTATION_ARGS)
