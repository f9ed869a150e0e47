# The two set-up commands of the README:
#   make e2e    set up everything, then run the acceptance suite (behave features/)
#   make test   set up everything, then run the unit/integration tests and the linter
VENV ?= .venv
BIN := $(VENV)/bin
BEHAVE_ARGS ?=

.PHONY: setup e2e e2e-real-runner test lint clean-stale

setup:
	bash scripts/setup.sh

e2e: setup
	bash scripts/with-stack-env.sh $(BIN)/behave features/ $(BEHAVE_ARGS)

# The seed's full-execution scenarios (@seed-execution: greeting, phases, agent not found)
# with Stigmer's own PyPI agent-runner instead of the reference one. Its prompt is ~9.5k
# tokens: the embedded model needs minutes per answer on 2 cores, hence the long timeout.
REAL_RUNNER_TAGS ?= @seed-execution
e2e-real-runner: setup
	bash scripts/with-stack-env.sh $(BIN)/behave features/ -D runner=stigmer-runner \
		-D execution_timeout=540 --tags="$(REAL_RUNNER_TAGS)" $(BEHAVE_ARGS)

test: setup
	$(BIN)/ruff check .
	bash scripts/with-stack-env.sh $(BIN)/python -m pytest

lint:
	$(BIN)/ruff check .
