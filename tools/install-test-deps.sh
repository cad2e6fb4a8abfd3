#!/usr/bin/env bash
# System packages the tests need, each installed only when missing (runs as root in CI):
# - the PostgreSQL server binaries (the tests start their own server);
# - LibreOffice Writer without a GUI, a CJK font and pdftotext, for the PDF of generated documents;
# - Chromium, which the browser tests (tests/e2e, Playwright) drive headless;
# - redis-server, which the several-processes test starts on loopback (shared rate limits).
set -euo pipefail
if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
have_pg() { command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; }
have_soffice() { command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1; }
have_cjk_font() { fc-list :lang=zh 2>/dev/null | grep -q .; }
missing=()
have_pg || missing+=(postgresql)
have_soffice || missing+=(libreoffice-writer-nogui)
have_cjk_font || missing+=(fonts-wqy-zenhei)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
have_redis() { command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; }
have_redis || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
have_pg && echo "PostgreSQL server binaries: ok"
have_soffice && echo "LibreOffice (PDF output): ok"
have_cjk_font && echo "CJK font: ok"
if command -v chromium >/dev/null 2>&1; then echo "Chromium (browser tests): ok"; fi
have_redis && echo "Redis server (several-processes test): ok"
