#!/usr/bin/env bash
# Install the Debian packages the server needs, only those missing:
# GDAL and GEOS (GeoDjango), PostgreSQL (unless DATABASE_URL names a server)
# and the PostGIS package for every installed PostgreSQL major version.
# With the argument "test", also what only the tests need: Debian's QGIS.
set -eu
say() { echo "setup: $*"; }
die() { echo "error: $*" >&2; exit 1; }

missing=()
need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || missing+=("$1"); }

need gdal-bin
need libgeos-c1v5
# WeasyPrint (the planning sheet as PDF) needs Pango; DejaVu has every Vietnamese glyph.
need libpango-1.0-0
need libpangoft2-1.0-0
need fonts-dejavu-core
# Browser tests of the web map drive Debian's Chromium; MapLibre comes from npm.
need chromium
command -v npm >/dev/null 2>&1 || { need nodejs; need npm; }
if [ "${1:-}" = test ]; then
  # QGIS itself (3.22, headless) adds every layer as the other offices do and its images are judged (tests/qgis).
  need python3-qgis
  need qgis-providers
fi
if [ -z "${DATABASE_URL:-}" ]; then need postgresql; fi
majors=$(ls /usr/lib/postgresql 2>/dev/null | sort -n || true)
if [ -z "$majors" ] && [ -z "${DATABASE_URL:-}" ]; then majors=15; fi
for m in $majors; do
  if [ -x "/usr/lib/postgresql/$m/bin/postgres" ] || [ "$m" = 15 ]; then need "postgresql-$m-postgis-3"; fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null 2>&1 || die "apt-get is not available to install: ${missing[*]}; install them by other means or use a Debian/Ubuntu machine"
[ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root (run 'sudo make ...' once, or install them yourself)"
say "installing ${missing[*]} with apt (once)"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's unattended upgrades may hold apt's lock for a while: wait for it rather than fail.
lock=(-o DPkg::Lock::Timeout=600)
apt-get "${lock[@]}" update -qq >/dev/null || die "apt-get update failed; check the machine's package sources"
apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || die "apt-get install ${missing[*]} failed; see 'apt-get install ${missing[*]}' for details"
# Debian's postgresql package creates and starts a 'main' cluster; we never touch it.
