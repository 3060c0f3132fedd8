#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains what to install.
# Rasa 3.6 does not install on 3.11+, so any other version is refused rather than tried.
set -u

works() {
    "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1
}

candidates=()
if command -v python3.10 >/dev/null 2>&1; then
    candidates+=("$(command -v python3.10)")
fi
pyenv_root="$(pyenv root 2>/dev/null || true)"
pyenv_root="${pyenv_root:-${PYENV_ROOT:-$HOME/.pyenv}}"
# Newest 3.10 patch release first.
while IFS= read -r dir; do
    candidates+=("$dir/bin/python3.10")
done < <(ls -d "$pyenv_root"/versions/3.10.* 2>/dev/null | sort -t. -k3,3nr)

for candidate in "${candidates[@]}"; do
    # A pyenv shim exists even when no 3.10 is selected, so run it before trusting it.
    if [ -x "$candidate" ] && works "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done

echo "error: Python 3.10 not found (Rasa 3.6 needs exactly 3.10): install it, e.g. 'pyenv install 3.10' or your system's python3.10 package, then run make again." >&2
exit 1
