#!/usr/bin/env bash
# Run the whole test suite (`make pytest`: engine, QGIS through pytest-qgis, qgis_process.bin) against
# the QGIS of the *other* Debian release, in a root made with `debootstrap --variant=minbase`:
#
#   on Debian 12 (bookworm) → Debian 13 (trixie): QGIS 3.40, Python 3.13, shapely 2.1, geopandas 1.0, numpy 2.2
#   on Debian 13 (trixie)   → Debian 12 (bookworm): QGIS 3.22, Python 3.11, shapely 1.8, geopandas 0.12, numpy 1.24
#
# Used by `make test-qgis340`.  Idempotent: the root is cached in build/<release>-root with stamp files, so a
# second run skips the bootstrap and the package installation (~2.6 GB, ~2-3 min the first time).  Every run
# copies the working tree (what git would commit: .gitignore'd files are left out) to the same absolute path
# inside the root and bind-mounts the shared Dutch data there read-only, so the tests see the paths they see
# on this machine.  All mounts (/proc, /dev, /dev/shm, the data) live in a private mount namespace and are
# unmounted on exit; processes left inside the root die with its PID namespace.
#
# Environment:
#   SHARED_DATA       the Dutch data folder (default ../shared/data/nl beside the repository)
#   OTHER_RELEASE     force the release to bootstrap (bookworm or trixie) instead of "the other one"
#   DEBIAN_MIRROR     the Debian archive (default: the first one this machine's apt uses)
#   OTHER_ROOT        where the root lives (default build/<release>-root)
#   PYTEST_ARGS       extra arguments for pytest inside the root (e.g. "-x -k qgis_process")
#
# Options: --shell     open a shell inside the root (with the mounts) instead of running the tests
#          --no-tests  only bootstrap and install (warm the cache)
set -euo pipefail

log() { printf '[qgis-other-release] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

MODE=tests
case "${1:-}" in
  --shell) MODE=shell ;;
  --no-tests) MODE=none ;;
  "") ;;
  *) die "unknown option '$1' (known: --shell, --no-tests)" ;;
esac

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
SCRIPT="$REPO/scripts/$(basename "${BASH_SOURCE[0]}")"

## ------------------------------------------------------------------ which release, where
# shellcheck disable=SC1091
HOST_RELEASE=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [ -z "${OTHER_RELEASE:-}" ]; then
  case "$HOST_RELEASE" in
    bookworm) OTHER_RELEASE=trixie ;;
    trixie) OTHER_RELEASE=bookworm ;;
    *) die "this machine is '${HOST_RELEASE:-unknown}'; the other-release test knows Debian 12 (bookworm) and 13 (trixie). Set OTHER_RELEASE=bookworm|trixie to choose." ;;
  esac
fi
case "$OTHER_RELEASE" in bookworm | trixie) ;; *) die "OTHER_RELEASE must be bookworm or trixie, not '$OTHER_RELEASE'" ;; esac

OTHER_ROOT=${OTHER_ROOT:-$REPO/build/$OTHER_RELEASE-root}
mkdir -p "$(dirname "$OTHER_ROOT")"
OTHER_ROOT=$(cd "$(dirname "$OTHER_ROOT")" && pwd -P)/$(basename "$OTHER_ROOT")
SHARED_DATA=${SHARED_DATA:-$REPO/../shared/data/nl}
[ -d "$SHARED_DATA" ] || die "shared data folder '$SHARED_DATA' not found (set SHARED_DATA)"
SHARED_DATA=$(cd "$SHARED_DATA" && pwd -P)

if [ -z "${DEBIAN_MIRROR:-}" ]; then
  DEBIAN_MIRROR=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}';
                     grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'; } \
                   | grep -v -e security -e '^$' | head -n1 || true)
  DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
fi

# What the root gets: the Makefile's APT_PACKAGES (QGIS, its Python stack, test tools, lrelease, zip) plus
# make, ca-certificates (pip reaches PyPI for pytest-qgis), git, and proj-bin: a Recommends of libgdal that
# the Makefile's plain `apt-get install` gets on a real machine, and without which pyproj inside a venv finds
# no PROJ data ("Valid PROJ data directory not found": it looks next to the `proj` program).  Any package the
# Makefile adds later is installed inside the root by the Makefile's own `apt` target.
PACKAGES=(qgis python3-qgis qgis-providers python3-geopandas python3-rasterio python3-rtree python3-scipy
          python3-yaml python3-pytest python3-hypothesis python3-venv qttools5-dev-tools zip
          make ca-certificates git proj-bin)
BOOTSTRAP_STAMP="$OTHER_ROOT/.smr-bootstrap.stamp"
PACKAGES_STAMP="$OTHER_ROOT/.smr-packages.stamp"

## ------------------------------------------------------------------ root, tools, private namespace
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || die "needs root (debootstrap, chroot, mounts) and there is no sudo"
  exec sudo --preserve-env=PIP_CERT,SSL_CERT_FILE,SHARED_DATA,OTHER_RELEASE,DEBIAN_MIRROR,OTHER_ROOT,PYTEST_ARGS,CI,OPENBLAS_CORETYPE,OPENBLAS_L2_SIZE \
    bash "$SCRIPT" "$@"
fi

if [ -z "${SMR_OTHER_RELEASE_NS:-}" ]; then
  missing=()
  for tool in debootstrap:debootstrap rsync:rsync unshare:util-linux; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing on this machine: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # Everything below runs in a private mount + PID namespace: no mount can leak to this machine, and nothing
  # started inside the root outlives the script.
  export SMR_OTHER_RELEASE_NS=1
  if unshare --mount --pid --fork --propagation private true 2>/dev/null; then
    exec unshare --mount --pid --fork --propagation private bash "$SCRIPT" "$@"
  elif unshare --mount --propagation private true 2>/dev/null; then
    exec unshare --mount --propagation private bash "$SCRIPT" "$@"
  fi
  log "warning: cannot make a private mount namespace; mounting in this one (unmounted on exit)"
fi

# One run at a time per root (a second `make test-qgis340` waits).
exec 9>"$OTHER_ROOT.lock"
if ! flock -n 9; then
  log "another run uses $OTHER_ROOT; waiting for it"
  flock 9
fi

T0=$SECONDS
TIMINGS=()
timed() {  # timed LABEL command...
  local label=$1 start=$SECONDS rc=0
  shift
  "$@" || rc=$?
  TIMINGS+=("$(printf '%-28s %5d s%s' "$label" $((SECONDS - start)) "$([ $rc = 0 ] || echo "  (exit $rc)")")")
  log "$label: $((SECONDS - start)) s"
  return $rc
}

MOUNTED=()
mounts_under() {  # mount points at or below $1, deepest first
  awk -v root="$1" '{ gsub(/\\040/, " ", $5); if ($5 == root || index($5, root "/") == 1) print $5 }' /proc/self/mountinfo |
    sort -r
}
unmount_all() {
  local point
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    point=${MOUNTED[$i]}
    umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || log "warning: could not unmount $point"
  done
  MOUNTED=()
  while read -r point; do  # anything else left (e.g. by an interrupted debootstrap)
    [ -n "$point" ] || continue
    umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || log "warning: could not unmount $point"
  done < <(mounts_under "$OTHER_ROOT")
}
report() {
  local rc=$?
  trap - EXIT
  unmount_all
  if [ "${#TIMINGS[@]}" -gt 0 ]; then
    log "timings ($OTHER_RELEASE in $OTHER_ROOT):"
    printf '  %s\n' "${TIMINGS[@]}" >&2
    log "total: $((SECONDS - T0)) s"
  fi
  exit $rc
}
trap report EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mount_here() {  # mount_here TARGET mount-args...
  local target=$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTED+=("$target")
}

## ------------------------------------------------------------------ 1. debootstrap (cached)
bootstrap() {
  if [ -d "$OTHER_ROOT" ]; then
    [ -z "$(mounts_under "$OTHER_ROOT")" ] || die "something is mounted under $OTHER_ROOT; not removing it"
    log "removing the unfinished root $OTHER_ROOT"
    rm -rf --one-file-system "$OTHER_ROOT"
  fi
  log "debootstrap --variant=minbase $OTHER_RELEASE $OTHER_ROOT $DEBIAN_MIRROR"
  local logfile="$OTHER_ROOT.debootstrap.log"
  if ! debootstrap --variant=minbase "$OTHER_RELEASE" "$OTHER_ROOT" "$DEBIAN_MIRROR" >"$logfile" 2>&1; then
    tail -n 30 "$logfile" >&2
    [ ! -f "$OTHER_ROOT/debootstrap/debootstrap.log" ] || tail -n 30 "$OTHER_ROOT/debootstrap/debootstrap.log" >&2
    return 1
  fi
  unmount_all  # debootstrap's own /proc, /sys, /dev mounts, if it left any
  date -u +%FT%TZ >"$BOOTSTRAP_STAMP"
}
if [ -f "$BOOTSTRAP_STAMP" ]; then
  log "bootstrap: cached ($OTHER_ROOT, made $(cat "$BOOTSTRAP_STAMP"))"
  TIMINGS+=("$(printf '%-28s %5s' "bootstrap ($OTHER_RELEASE)" cached)")
else
  timed "bootstrap ($OTHER_RELEASE)" bootstrap
fi

## ------------------------------------------------------------------ 2. mounts and configuration
mount_here "$OTHER_ROOT/proc" -t proc proc
mount_here "$OTHER_ROOT/dev" --bind /dev
mount_here "$OTHER_ROOT/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev shm
if [ -d /dev/pts ] && mountpoint -q /dev/pts; then mount_here "$OTHER_ROOT/dev/pts" --bind /dev/pts; fi
for file in /etc/resolv.conf /etc/hosts; do
  [ ! -e "$file" ] || cp -L "$file" "$OTHER_ROOT$file"
done
# pip inside the root trusts what pip here trusts (a CA added to this machine's bundle, e.g. a TLS proxy's).
HOST_CA=${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}
ROOT_CA=/etc/smr-siting-host-ca.crt
if [ -f "$HOST_CA" ]; then cp -L "$HOST_CA" "$OTHER_ROOT$ROOT_CA"; else ROOT_CA=; fi
printf 'deb %s %s main\n' "$DEBIAN_MIRROR" "$OTHER_RELEASE" >"$OTHER_ROOT/etc/apt/sources.list"
cat >"$OTHER_ROOT/etc/apt/apt.conf.d/90smr-siting" <<'EOF'
// written by scripts/qgis-other-release.sh
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
EOF
printf '#!/bin/sh\nexit 101\n' >"$OTHER_ROOT/usr/sbin/policy-rc.d"  # never start services in the root
chmod 755 "$OTHER_ROOT/usr/sbin/policy-rc.d"

in_root() {  # a clean environment: nothing of this machine's Python, pip or venv set-up leaks in
  local env=(HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive
             PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/qt5/bin
             QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
             SMR_OTHER_RELEASE_ROOT=1)
  local name
  [ -z "$ROOT_CA" ] || env+=("PIP_CERT=$ROOT_CA" "SSL_CERT_FILE=$ROOT_CA" "REQUESTS_CA_BUNDLE=$ROOT_CA")
  for name in CI OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
    [ -z "${!name:-}" ] || env+=("$name=${!name}")
  done
  # --default-signal=INT: Ctrl-C reaches the tests even when this script was started with SIGINT ignored
  # (a background job of a script), as tests/test_cli.py::test_ctrl_c_mid_run_leaves_nothing needs.
  chroot "$OTHER_ROOT" /usr/bin/env -i --default-signal=INT "${env[@]}" "$@"
}

## ------------------------------------------------------------------ 3. packages (cached)
install_packages() {
  in_root apt-get update -qq
  in_root apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$OTHER_ROOT.apt.log" 2>&1 ||
    { tail -n 40 "$OTHER_ROOT.apt.log" >&2; return 1; }
  in_root apt-get clean
  printf '%s\n' "${PACKAGES[@]}" >"$PACKAGES_STAMP"
}
if [ -f "$PACKAGES_STAMP" ] && [ "$(cat "$PACKAGES_STAMP")" = "$(printf '%s\n' "${PACKAGES[@]}")" ]; then
  log "packages: cached"
  TIMINGS+=("$(printf '%-28s %5s' "apt install" cached)")
else
  timed "apt install" install_packages
fi
log "inside: $(in_root sh -c '. /etc/os-release; echo "$PRETTY_NAME"'), QGIS $(in_root dpkg-query -W -f='${Version}' qgis), $(in_root python3 -c '
import sys, numpy, shapely, geopandas, rasterio
print("Python %d.%d.%d" % sys.version_info[:3], "numpy", numpy.__version__, "shapely", shapely.__version__,
      "geopandas", geopandas.__version__, "rasterio", rasterio.__version__)')"

## ------------------------------------------------------------------ 4. the working tree and the data
# Same absolute paths as on this machine.  The copy is what git would commit (tracked and untracked files,
# not .gitignore'd ones); the copy's own .venv and build/ (ignored) stay between runs.
sync_tree() {
  mkdir -p "$OTHER_ROOT$REPO"
  rsync -a --delete --exclude=/.git --filter=':- .gitignore' "$REPO/" "$OTHER_ROOT$REPO/"
}
timed "copy working tree" sync_tree
mount_here "$OTHER_ROOT$SHARED_DATA" --bind "$SHARED_DATA"
mount -o remount,bind,ro "$OTHER_ROOT$SHARED_DATA"

## ------------------------------------------------------------------ 5. the tests
case "$MODE" in
  shell)
    log "shell in $OTHER_ROOT at $REPO (exit to unmount)"
    in_root bash -c "cd '$REPO' && exec bash -i" || true
    ;;
  none) ;;
  tests)
    # The project's own set-up and test target: the Makefile installs what is missing (apt inside the root),
    # makes .venv (system site packages + pytest-qgis), builds the plugin (lrelease) and runs pytest.
    if [ -z "${PYTEST_ARGS:-}" ]; then
      command=(make pytest "SHARED_DATA=$SHARED_DATA")
    else  # a subset: the same set-up, then pytest with the given arguments
      command=(sh -c "make deps plugin && SMR_SHARED_DATA='$SHARED_DATA' .venv/bin/python -m pytest -q -p no:cacheprovider $PYTEST_ARGS")
    fi
    timed "tests ($OTHER_RELEASE)" in_root bash -c 'cd "$1" && shift && exec "$@"' - "$REPO" "${command[@]}"
    ;;
esac
