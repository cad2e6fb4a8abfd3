#!/usr/bin/env bash
# System packages the tests need: the PostgreSQL server binaries (the tests start their own server).
set -euo pipefail
have_pg() { command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; }
if ! have_pg; then
  if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
have_pg && echo "PostgreSQL server binaries: ok"
