#!/usr/bin/env bash
# Run a command with the project's environment: the venv first on PATH (temporal, compose,
# stigmer-ref) and DOCKER_HOST from the provisioned engine, if any.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
# This checkout's code first: the venv's editable install points at the checkout that ran the
# set-up, and behave imports the report formatters (harness.reporting) before anything else.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ -f .stigmer-e2e/docker.env ]; then
    set -a; source .stigmer-e2e/docker.env; set +a
fi
exec "$@"
