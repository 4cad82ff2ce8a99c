# Shared by scripts/run, scripts/test and scripts/bench: paths, ports, package
# installation, the build, and the project-local PostgreSQL and Redis.
# Everything here is idempotent, so a second run reuses what the first made.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${COMMERCE_BUILD_DIR:-$ROOT/build}"
VAR_DIR="${COMMERCE_VAR_DIR:-$ROOT/var}"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Debian 12 packages (see shared TOOLCHAIN-NOTES). Boost 1.81, never libboost-dev:
# that would pull 1.74 and remove 1.81.
PACKAGES=(build-essential cmake pkg-config ccache libcaf-dev libboost1.81-dev
          libboost-json1.81-dev libhiredis-dev libpq-dev libssl-dev catch2
          postgresql redis-server curl)

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "missing packages: ${missing[*]} (run as root or install them)"
  say "installing ${missing[*]}"
  apt-get update -qq
  # --no-upgrade: installing libpq-dev must not upgrade an already installed server.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-upgrade \
    "${missing[@]}" >/dev/null
}
