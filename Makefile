# The two set-up commands of the README:
#   make e2e    set up everything, then run the acceptance suite (behave features/)
#   make test   set up everything, then run the unit/integration tests and the linter
VENV ?= .venv
BIN := $(VENV)/bin
BEHAVE_ARGS ?=
# Two pytest-xdist workers (2 cores); one test file per worker at a time, so module-scoped
# servers start once. (4 workers: 140 s instead of 160 s, but the real-model secret scan failed
# once in 4 runs under that load.) PYTEST_ARGS= runs serially; PYTEST_ARGS='-m "not slow"'
# skips the slow.
PYTEST_ARGS ?= -n 2 --dist loadfile

MUTATION_ARGS ?=

.PHONY: help setup setup-real-runner e2e e2e-real-runner test lint lock clean-stale mutation \
        mutation-quick

help:  ## list the targets, one line each
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

setup:  ## install everything (idempotent): venv, Docker engine, images
	bash scripts/setup.sh

e2e: setup  ## set up, then run the acceptance suite: behave features/
	bash scripts/with-stack-env.sh $(BIN)/behave features/ $(BEHAVE_ARGS)

# The seed's full-execution scenarios (@seed-execution: greeting, phases, agent not found)
# with Stigmer's own PyPI agent-runner instead of the reference one. Its first prompt is ~5,900
# tokens (~120 CPU-s for the embedded model): minutes on a loaded 2-core machine, hence the
# long timeouts.
REAL_RUNNER_TAGS ?= @seed-execution
setup-real-runner:  ## set up, plus the PyPI stigmer-runner's own venv (long: ~190 packages)
	STIGMER_E2E_SETUP_REAL_RUNNER=1 bash scripts/setup.sh

e2e-real-runner: setup-real-runner  ## the seed's full-execution scenarios on the PyPI runner
	bash scripts/with-stack-env.sh $(BIN)/behave features/ -D runner=stigmer-runner \
		-D execution_timeout=900 -D scenario_timeout=1200 --tags="$(REAL_RUNNER_TAGS)" \
		$(BEHAVE_ARGS)

test: setup lint  ## set up, lint, then run pytest (2 xdist workers)
	bash scripts/with-stack-env.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

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
