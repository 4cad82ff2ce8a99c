# Shared by scripts/run, scripts/test and scripts/bench: paths, ports, package
# installation, the build, and the project-local PostgreSQL and Redis.
# Everything here is idempotent, so a second run reuses what the first made.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${COMMERCE_BUILD_DIR:-$ROOT/build}"
VAR_DIR="${COMMERCE_VAR_DIR:-$ROOT/var}"
# Relative paths in ccache keys: a fresh clone elsewhere (as CI makes) still hits the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Debian 12 packages (see shared TOOLCHAIN-NOTES). Boost 1.81, never libboost-dev:
# that would pull 1.74 and remove 1.81.
PACKAGES=(build-essential cmake pkg-config ccache libcaf-dev libboost1.81-dev
          libboost-json1.81-dev libhiredis-dev libpq-dev libssl-dev catch2
          postgresql redis-server curl)

# scripts/fuzz's compiler: libFuzzer and the clang sanitizer runtimes (see shared
# TOOLCHAIN-NOTES: without libclang-rt-16-dev, -fsanitize=address does not link).
FUZZ_PACKAGES=(clang-16 libfuzzer-16-dev libclang-rt-16-dev)

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

# The console's browser test (tests/browser): Debian's Chromium, Node.js, and playwright-core at
# the version package-lock.json pins, installed with `npm ci` (it never downloads a browser).
install_browser_test() {
  local extra=(chromium)
  command -v node >/dev/null || extra+=(nodejs)
  command -v npm >/dev/null || extra+=(npm)
  install_packages "${extra[@]}"
  local dir="$ROOT/tests/browser"
  if [[ ! -f "$dir/node_modules/.package-lock.json" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    say "installing the browser test's packages (npm ci in tests/browser)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# Configures once (adding CMAKE_EXTRA_ARGS, an array, if set), then builds the given targets
# (all when none) with -j2: two cores, and CAF/Beast translation units need up to 1.4 GB
# each. ccache makes rebuilds cheap.
build() {
  if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    say "configuring $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${CMAKE_EXTRA_ARGS[@]+"${CMAKE_EXTRA_ARGS[@]}"} >/dev/null
  fi
  local targets=()
  [[ $# -gt 0 ]] && targets=(--target "$@")
  say "building ${*:-everything} (first build takes a few minutes)"
  cmake --build "$BUILD_DIR" -j2 "${targets[@]}"
}

# --- PostgreSQL: a cluster of our own under var/, never the system service ----------------

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

# initdb refuses root, so as root the cluster belongs to the `postgres` user.
as_db_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The postgres user must be able to reach var/ (e.g. a clone under /root, which is 0700).
grant_traversal() {
  local dir
  dir="$(cd "$1" && pwd)"  # absolute, or the loop below would never reach /
  [[ $(id -u) -eq 0 ]] || return 0
  while [[ "$dir" != "/" ]]; do
    if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
      say "allowing the postgres user to traverse $dir (chmod o+x)"
      chmod o+x "$dir"
    fi
    dir="$(dirname "$dir")"
  done
}

# pg_start DATA_DIR PORT: creates the cluster on first use, starts it if it is not running,
# and makes sure the `commerce` database exists.
pg_start() {
  local data="$1" port="$2" bin
  bin="$(pg_bin)"
  mkdir -p "$data"
  grant_traversal "$data"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$data" && chmod 700 "$data"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    say "creating PostgreSQL cluster in $data"
    as_db_owner "$bin/initdb" -D "$data" -U commerce --auth=trust -E UTF8 --no-locale >/dev/null
  fi
  if as_db_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "PostgreSQL already running in $data"
  else
    say "starting PostgreSQL on 127.0.0.1:$port"
    as_db_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $data -c max_connections=200 ${PG_EXTRA_OPTIONS:-}" \
      start >/dev/null || { tail -20 "$data/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  local db="${COMMERCED_POSTGRES_DATABASE:-commerce}"
  if [[ -z "$("$bin/psql" -h 127.0.0.1 -p "$port" -U commerce -d postgres -tAc \
             "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U commerce "$db"
  fi
}

pg_stop() {
  local data="$1"
  [[ -f "$data/postmaster.pid" ]] || return 0
  say "stopping PostgreSQL"
  as_db_owner "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
}

# --- Redis: likewise under var/ ------------------------------------------------------------

redis_start() {
  local dir="$1" port="$2"
  mkdir -p "$dir"
  if redis-cli -p "$port" ping >/dev/null 2>&1; then
    say "Redis already running on port $port"
    return 0
  fi
  say "starting Redis on 127.0.0.1:$port"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --appendonly yes >/dev/null
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "Redis did not start (see $dir/redis.log)"
}

redis_stop() {
  local port="$1"
  redis-cli -p "$port" ping >/dev/null 2>&1 || return 0
  say "stopping Redis"
  redis-cli -p "$port" shutdown >/dev/null 2>&1 || true
}
