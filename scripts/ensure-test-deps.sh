#!/usr/bin/env bash
# Make sure the tools and servers the tests need are here and up on localhost:
# PostgreSQL on 5432 (trust auth) and Redis on 6379. Installs them from
# Debian's packages when absent, starts them when stopped. Idempotent.
set -euo pipefail

need_apt_update=1
apt_install() {
  if [ "$need_apt_update" = 1 ]; then apt-get -o DPkg::Lock::Timeout=600 update -qq; need_apt_update=0; fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}

# Tools the media and fax code calls: sox (+ mp3), tiff2pdf/ppm2tiff, espeak-ng
missing=()
command -v sox >/dev/null 2>&1 || missing+=(sox)
[ -e /usr/lib/x86_64-linux-gnu/sox/libsox_fmt_mp3.so ] || ls /usr/lib/*/sox/libsox_fmt_mp3.so >/dev/null 2>&1 \
  || missing+=(libsox-fmt-mp3)
command -v tiff2pdf >/dev/null 2>&1 || missing+=(libtiff-tools)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v baresip >/dev/null 2>&1 || missing+=(baresip-core)
# The web UI's browser tests (Playwright drives Debian's chromium, no browser download)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then echo "installing ${missing[*]}"; apt_install "${missing[@]}"; fi

# PostgreSQL
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "installing PostgreSQL"; apt_install postgresql
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start" >&2; exit 1; }
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  echo "PostgreSQL does not accept user postgres without a password on 127.0.0.1; set TEST_POSTGRES_URL" >&2
fi

# Redis
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing Redis"; apt_install redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis did not start" >&2; exit 1; }
echo "services ready: PostgreSQL 127.0.0.1:5432, Redis 127.0.0.1:6379"
