#!/usr/bin/env bash
# Print the path of a Python interpreter of the wanted version, or fail clearly.
# Usage: scripts/find-python.sh 3.10 PYTHON310   (the env var may name it)
#        scripts/find-python.sh 3.11+ PYTHON3
set -euo pipefail
want="$1"; var="$2"
ok() {  # does "$1" run and have the wanted version?
  local v
  v=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 1
  if [[ "$want" == *+ ]]; then
    [[ "$(printf '%s\n%s\n' "${want%+}" "$v" | sort -V | head -1)" == "${want%+}" ]]
  else
    [[ "$v" == "$want" ]]
  fi
}
candidates=()
[[ -n "${!var:-}" ]] && candidates+=("${!var}")
if [[ "$want" == *+ ]]; then
  for minor in 13 12 11; do candidates+=("python3.$minor"); done
  candidates+=(python3)
else
  candidates+=("python$want")
fi
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
for dir in $(ls -d "$pyenv_root"/versions/"${want%+}"* 2>/dev/null | sort -rV); do
  candidates+=("$dir/bin/python")
done
for c in "${candidates[@]}"; do
  path=$(command -v "$c" 2>/dev/null) || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done
echo "error: no Python $want found. Install it (e.g. 'pyenv install ${want%+}') or set $var=/path/to/python" >&2
exit 1
