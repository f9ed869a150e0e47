#!/usr/bin/env bash
# Regenerate the locks (every package of every environment the project builds, with hashes)
# from the pinned direct requirements, with uv (a few seconds):
#   requirements.txt                              -> requirements.lock        (.venv)
#   compose/images/agent-runner/requirements.txt  -> .../requirements.lock    (runner image)
#   compose/images/stigmer-runner/requirements.txt -> .../requirements.lock   (the PyPI runner)
# Run it after changing any of those files; `make lint` fails while a lock is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-.venv/bin/uv}"
export SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
lock() {  # lock IN OUT [extra uv args]
    local in="$1" out="$2"; shift 2
    [ -f "$in" ] || return 0
    printf '[lock] %s -> %s\n' "$in" "$out"
    "$UV" pip compile "$in" --generate-hashes --python-version 3.11 --quiet \
        --custom-compile-command "scripts/lock.sh" "$@" -o "$out"
}
lock requirements.txt requirements.lock --universal
lock compose/images/agent-runner/requirements.txt compose/images/agent-runner/requirements.lock \
    --python-platform x86_64-manylinux_2_36
lock compose/images/stigmer-runner/requirements.txt \
    compose/images/stigmer-runner/requirements.lock --python-platform x86_64-manylinux_2_36
