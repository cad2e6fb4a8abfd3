#!/usr/bin/env bash
# Chinese catalogue maintenance for 职评.
#   tools/i18n.sh update   extract messages into translations/messages.pot and merge them into the .po files
#   tools/i18n.sh compile  compile translations/*/LC_MESSAGES/messages.po into .mo
# Works from any directory. Uses pybabel from PATH, or else `python -m babel.messages.frontend`
# (the repo's .venv python if there is one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if command -v pybabel >/dev/null 2>&1; then
    PYBABEL=(pybabel)
elif [ -x "$ROOT/.venv/bin/python" ]; then
    PYBABEL=("$ROOT/.venv/bin/python" -m babel.messages.frontend)
else
    PYBABEL=("$(command -v python3 || command -v python)" -m babel.messages.frontend)
fi

POT=translations/messages.pot
LOCALE=zh

extract() {
    mkdir -p translations
    # babel.cfg's patterns are relative to the repository root, so extraction runs on "." and
    # babel.cfg picks app/**.py, config.py and templates/**.html; dot-directories (.venv) are skipped.
    "${PYBABEL[@]}" extract -F babel.cfg \
        -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
        --add-location=file --sort-by-file \
        --project=zhiping --copyright-holder="zhiping" \
        -o "$POT" .
}

case "${1:-}" in
    update)
        extract
        if [ -f "translations/$LOCALE/LC_MESSAGES/messages.po" ]; then
            "${PYBABEL[@]}" update -i "$POT" -d translations \
                --no-fuzzy-matching --ignore-obsolete
        else
            "${PYBABEL[@]}" init -i "$POT" -d translations -l "$LOCALE"
        fi
        ;;
    compile)
        "${PYBABEL[@]}" compile -d translations
        ;;
    *)
        echo "usage: $0 {update|compile}" >&2
        exit 2
        ;;
esac
