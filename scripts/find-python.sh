#!/usr/bin/env bash
# Print the path of a Python >= 3.12, or say clearly that there is none.
# pyenv's shims refuse to run a version that is not selected, so candidates
# are tried by running them, and pyenv's version folders are searched directly.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.14 python3.13 python3.12 python3; do
  p=$(command -v "$name" 2>/dev/null) && candidates+=("$p")
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for d in $(ls -d "$root"/versions/3.1[2-9]* "$root"/versions/3.[2-9][0-9]* 2>/dev/null | sort -rV); do
  candidates+=("$d/bin/python3")
done
for d in /usr/local/bin /usr/bin; do
  for v in 3.14 3.13 3.12; do candidates+=("$d/python$v"); done
done
for c in "${candidates[@]}"; do
  if [ -x "$c" ] && ok "$c"; then echo "$c"; exit 0; fi
done
echo "error: no Python >= 3.12 found (tried PATH, pyenv versions, /usr/bin); install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12" >&2
exit 1
