# Shared by scripts/demo.sh and scripts/test.sh: install what is missing.
# shellcheck shell=bash

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root for: $*"; return 1
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || { log "no apt-get: install $* yourself"; return 1; }
  if [ -z "${_APT_UPDATED:-}" ]; then as_root apt-get update -qq; _APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ensure_uv() {
  export PATH="$HOME/.local/bin:$PWD/.tools/bin:$PATH"
  command -v uv >/dev/null 2>&1 && return
  log "installing uv"
  python3 -m pip install --user --quiet uv 2>/dev/null \
    || python3 -m pip install --user --quiet --break-system-packages uv 2>/dev/null \
    || { python3 -m venv .tools && .tools/bin/pip install --quiet uv; }
  command -v uv >/dev/null 2>&1 || { log "could not install uv"; return 1; }
}

ensure_postgres() {
  # A URL of your own (TEST_DATABASE_URL) means the server is yours to run.
  [ -n "${TEST_DATABASE_URL:-}" ] && return
  port_open 127.0.0.1 5432 && return
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt_install postgresql postgresql-contrib
  fi
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
    as_root pg_createcluster "$version" main >/dev/null
  fi
  local cluster hba
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  hba="/etc/postgresql/${cluster% *}/${cluster#* }/pg_hba.conf"
  # The tests connect as `postgres` over loopback without a password.
  if ! as_root grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
  log "starting PostgreSQL $cluster"
  # shellcheck disable=SC2086
  as_root pg_ctlcluster --skip-systemctl-redirect $cluster start 2>/dev/null \
    || as_root pg_ctlcluster $cluster restart
  for _ in $(seq 1 30); do port_open 127.0.0.1 5432 && return; sleep 1; done
  log "PostgreSQL did not start"; return 1
}

ensure_pgbouncer() {
  # Only the program: tests/adapters/test_pgbouncer.py starts its own, in front of the test database.
  if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then return; fi
  log "installing PgBouncer"
  apt_install pgbouncer
}

ensure_redis() {
  [ -n "${TEST_REDIS_URL:-}" ] && return
  port_open 127.0.0.1 6379 && return
  command -v redis-server >/dev/null 2>&1 || { log "installing Redis"; apt_install redis-server; }
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp >/dev/null
  for _ in $(seq 1 30); do port_open 127.0.0.1 6379 && return; sleep 1; done
  log "Redis did not start"; return 1
}

ensure_node() {
  # tests/http/test_ts_client.py builds and runs a TypeScript client with them.
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return
  log "installing Node.js and npm"
  apt_install nodejs npm
}

ensure_chromium() {
  # tests/browser drive Debian's Chromium through Playwright (its own browser downloads are not used).
  [ -x /usr/bin/chromium ] && return
  log "installing Chromium"
  apt_install chromium chromium-driver
  [ -x /usr/bin/chromium ] || { log "Chromium did not install: the browser tests will fail"; return 1; }
}
