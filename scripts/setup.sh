#!/usr/bin/env bash
# Creates .venv with Python 3.10 (Rasa 3.6 supports 3.8-3.10 only) and installs the pinned set.
# Safe to run again: it reinstalls only when a requirements or constraints file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

find_python310() {
  local candidate
  if candidate=$(command -v python3.10) && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "$candidate"; return 0
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local prefix
    if prefix=$(pyenv prefix 3.10 2>/dev/null) && [ -x "$prefix/bin/python3.10" ]; then
      echo "$prefix/bin/python3.10"; return 0
    fi
    for prefix in "$(pyenv root)"/versions/3.10*; do
      if [ -x "$prefix/bin/python3.10" ]; then echo "$prefix/bin/python3.10"; return 0; fi
    done
  fi
  if command -v uv >/dev/null 2>&1; then
    echo "setup: no Python 3.10 found, asking uv to install one" >&2
    if uv python install 3.10 >&2 && candidate=$(uv python find 3.10); then
      echo "$candidate"; return 0
    fi
  fi
  return 1
}

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  if ! PYTHON=$(find_python310); then
    cat >&2 <<'MSG'
setup: Python 3.10 is required (Rasa 3.6 runs on Python 3.8 to 3.10 only) and none was found.
Install one of:  pyenv install 3.10   |   uv python install 3.10   |   apt-get install python3.10
then run the command again.
MSG
    exit 1
  fi
  echo "setup: creating $VENV with $PYTHON"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.installed"
wanted=$(cat constraints.txt requirements/*.txt pyproject.toml | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi
echo "setup: installing the pinned dependencies into $VENV (first time: several minutes)"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip<25" "setuptools<76" wheel
args=()
for file in requirements/*.txt; do args+=(-r "$file"); done
"$VENV/bin/python" -m pip install --quiet -c constraints.txt "${args[@]}"
"$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e .
echo "$wanted" > "$stamp"
echo "setup: done"
