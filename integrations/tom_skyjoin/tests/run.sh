#!/usr/bin/env bash
# Runs the module's Django tests in a fresh TOM project (SQLite) against a
# running `skyjoin serve`:
#   SKYJOIN_URL=http://127.0.0.1:8080 [SKYJOIN_API_KEY=...] [SKYJOIN_WATCHLIST=ID] tests/run.sh TOM_DIR
# TOM_DIR holds the TOM Toolkit's venv (made by ../shared/tom/install.sh TOM_DIR).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
TOM=${1:?usage: tests/run.sh TOM_DIR (with TOM_DIR/venv from install.sh)}
PY="$TOM/venv/bin/python"
[ -x "$PY" ] || { echo "no TOM Toolkit venv at $TOM/venv (run ../shared/tom/install.sh $TOM)" >&2; exit 2; }
: "${SKYJOIN_URL:?set SKYJOIN_URL to a running skyjoin serve}"
PROJ=$(mktemp -d)
trap 'rm -rf "$PROJ"' EXIT
cd "$PROJ"
"$PY" -m django startproject skyjointom . >/dev/null
cat "${TOM_SETTINGS:-$HERE/../../../shared/tom/tom_settings.py}" >> skyjointom/settings.py
cat >> skyjointom/settings.py <<'PYEOF'
TOM_ALERT_CLASSES = ['tom_skyjoin.skyjoin.SkyjoinBroker']
BROKERS = {'skyjoin': {'url': os.environ['SKYJOIN_URL'], 'api_key': os.environ.get('SKYJOIN_API_KEY')}}
CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}
PYEOF
printf "from django.urls import path, include\nurlpatterns = [path('', include('tom_common.urls'))]\n" > skyjointom/urls.py
PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}" "$PY" manage.py test tests.test_tom -v 2 --noinput
