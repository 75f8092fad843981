#!/usr/bin/env bash
# Makes the PostgreSQL server that npm test's postgres project uses answer at TEST_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/test, trust auth): the one already running; else Debian's
# cluster, started; else Debian's postgresql, installed with local TCP connections trusted (a CI machine's
# throwaway server; an existing server's authentication is never changed). Fails with what to do otherwise.
set -euo pipefail
url="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
shown="$(printf '%s' "$url" | sed -E 's#//([^:/@]+):[^@/]*@#//\1:***@#')"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
answers() { command -v psql >/dev/null 2>&1 && psql "$url" -Atqc 'SELECT 1' >/dev/null 2>&1; }

if answers; then echo "PostgreSQL answers at $shown"; exit 0; fi

installed_here=false
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "Installing Debian's postgresql"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  installed_here=true
fi
version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
if [ -z "$version" ]; then
  version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  $SUDO pg_createcluster "$version" main >/dev/null
  installed_here=true
fi
if $installed_here; then
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # First matching line wins: trust TCP from this machine only, ahead of Debian's password rules.
  $SUDO sed -i '0,/^[^#[:space:]]/s//host all all 127.0.0.1\/32 trust\n&/' "$hba"
fi
# "already running" is fine; anything else shows in the readiness check below.
$SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
if $installed_here; then $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload; fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done

database="${url##*/}"; database="${database%%\?*}"
if ! answers && pg_isready -q -h 127.0.0.1 && [ -n "$database" ]; then
  as_postgres psql -Atqc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 || as_postgres createdb "$database" || true
fi

if answers; then echo "PostgreSQL $version answers at $shown"; exit 0; fi
cat >&2 <<EOF
PostgreSQL does not answer at $shown, so npm test's postgres project cannot run.
Start a server there (Debian: pg_ctlcluster --skip-systemctl-redirect $version main start) that lets this
user connect (trust auth on 127.0.0.1, or a password in the URL) and has the database, or point
TEST_POSTGRES_URL at one; npx vitest run --project sqlite runs the SQLite half alone.
EOF
exit 1
