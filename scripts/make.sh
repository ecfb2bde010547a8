#!/usr/bin/env bash
# What `make run` and `make test` do, step by step. Each step is skipped when
# it is already done, so a second `make run` is serving within seconds.
set -eu
cd "$(dirname "$0")/.."
VENV=.venv
SAMPLE_SEED="${GIS_SAMPLE_SEED:-1536}"
SAMPLE_PARCELS="${GIS_SAMPLE_PARCELS:-30000}"
say() { echo "setup: $*"; }

python_venv() {
  local py stamp
  py=$(scripts/find-python.sh)
  stamp="$VENV/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    say "creating $VENV with $py"
    rm -rf "$VENV"
    "$py" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ]; then
    say "installing the project and its pinned dependencies into $VENV"
    mkdir -p var
    if ! { "$VENV/bin/python" -m pip install --upgrade pip && "$VENV/bin/python" -m pip install -e '.[dev]'; } >var/pip.log 2>&1; then
      tail -n 15 var/pip.log >&2
      echo "error: installing the Python dependencies failed; the full log is var/pip.log" >&2
      exit 1
    fi
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

database() {
  if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$(scripts/db.sh start)
  fi
  export DATABASE_URL
  "$VENV/bin/python" scripts/ensure_database.py
  # migrate also runs the system checks, database ones included.
  "$VENV/bin/python" manage.py migrate --noinput -v 0
}

sample() {
  local dir="var/sample/seed-$SAMPLE_SEED-n-$SAMPLE_PARCELS"
  if [ ! -f "$dir/.complete" ]; then
    say "generating the sample district ($SAMPLE_PARCELS parcels, seed $SAMPLE_SEED)"
    rm -rf "$dir"
    "$VENV/bin/python" -m fixtures --out "$dir" --seed "$SAMPLE_SEED" --parcels "$SAMPLE_PARCELS" >/dev/null
    touch "$dir/.complete"
  fi
  # Loads are idempotent: a file already loaded (same SHA-256) is skipped.
  "$VENV/bin/gis" load-dir "$dir" --mode replace --quiet
}

frontend() {
  # MapLibre from npm (pinned by package-lock.json), copied into the web map's static folder; no CDN.
  local stamp="frontend/node_modules/.installed-$(sha256sum frontend/package-lock.json | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ ! -f gis_server/webmap/static/webmap/vendor/maplibre-gl/maplibre-gl.mjs ]; then
    say "installing the web map's browser packages (npm ci)"
    mkdir -p var
    npm ci --prefix frontend --no-audit --no-fund >var/npm.log 2>&1 || { tail -n 15 var/npm.log >&2; echo "error: npm ci failed; see var/npm.log" >&2; exit 1; }
    npm run --prefix frontend --silent vendor
    touch "$stamp"
  fi
  "$VENV/bin/python" manage.py collectstatic --noinput -v 0
}

# setup [test]: with "test", also what only the tests need (QGIS).
setup() {
  python_venv
  scripts/system-packages.sh "${1:-}"
  frontend
  database
  sample
}

checks() {
  "$VENV/bin/ruff" check .
  "$VENV/bin/ruff" format --check .
  "$VENV/bin/mypy" .
  "$VENV/bin/python" manage.py check --database default
  "$VENV/bin/python" manage.py makemigrations --check --dry-run
}

case "${1:-}" in
  run) setup; exec scripts/serve.sh ;;
  setup) setup test ;;
  test) setup test; checks; "$VENV/bin/python" -m pytest ;;
  serve) python_venv; database; exec scripts/serve.sh ;;
  bench)
    setup
    "$VENV/bin/python" -m pip install -q -e '.[dev,bench]' >>var/pip.log 2>&1 || { echo "error: installing the bench extras failed; see var/pip.log" >&2; exit 1; }
    "$VENV/bin/python" -m bench "${@:2}" ;;
  *) echo "usage: scripts/make.sh run|setup|test|serve|bench" >&2; exit 2 ;;
esac
