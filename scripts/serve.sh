#!/usr/bin/env bash
# Serve the project with gunicorn on 127.0.0.1:$PORT (default 8000).
set -eu
cd "$(dirname "$0")/.."
port="${PORT:-8000}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "error: port $port is already in use; stop what is using it or run 'PORT=8001 make run'" >&2
  exit 1
fi
echo "serving on http://127.0.0.1:$port  (health: http://127.0.0.1:$port/healthz; Ctrl-C stops)"
# Threaded workers keep connections alive: a map client fetches tiles in bursts over a few connections, and a sync
# worker closed each one after a single tile (a new TCP connection per tile) and sat blocked on slow clients.
exec .venv/bin/gunicorn gis_server.wsgi:application --bind "127.0.0.1:$port" \
  --workers "${GIS_WORKERS:-3}" --worker-class gthread --threads "${GIS_THREADS:-4}" --keep-alive 5 \
  --access-logfile - --error-logfile - --log-level warning
