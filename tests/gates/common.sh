#!/usr/bin/env bash
# Shared helpers for the gate scripts in tests/gates (sourced, not run).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$ROOT/build"
GATES_OUT="$BUILD/gates"
mkdir -p "$GATES_OUT"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# find_python 3.12 -> path of a real interpreter (never a pyenv shim, which refuses non-global versions).
find_python() {
    local v="$1" p
    for p in "$HOME"/.pyenv/versions/"$v".*/bin/python"$v" "$HOME"/.pyenv/versions/"$v"/bin/python"$v" \
             /usr/local/bin/python"$v" /usr/bin/python"$v"; do
        if [ -x "$p" ] && "$p" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    return 1
}

# timed NAME CMD... : run CMD, append "NAME<TAB>seconds<TAB>status" to build/gates/timings.tsv.
timed() {
    local name="$1" start rc
    shift
    start=$(date +%s)
    rc=0
    "$@" || rc=$?
    printf '%s\t%s\t%s\n' "$name" "$(( $(date +%s) - start ))" "$([ "$rc" = 0 ] && echo ok || echo "FAILED($rc)")" \
        >> "$GATES_OUT/timings.tsv"
    return "$rc"
}

# make_venv DIR PYTHON REQUIREMENTS... : (re)create DIR when the requirement files or the interpreter change.
make_venv() {
    local dir="$1" python="$2" stamp want
    shift 2
    want="$("$python" -c 'import sys; print(sys.version)' | head -n1) $(cat "$@" | sha256sum | cut -c1-16)"
    stamp="$dir/.gates-installed"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
        return 0
    fi
    log "creating $dir with $python"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    local args=() f
    for f in "$@"; do args+=(-r "$f"); done
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "${args[@]}" 2> >(grep -v "is ignored: it is neither" >&2) \
        || { rm -rf "$dir"; die "pip install into $dir failed"; }
    printf '%s\n' "$want" > "$stamp"
}

# copy_collection DEST : the collection as ansible-test and ansible-galaxy see it (no build output, venvs, git).
copy_collection() {
    local dest="$1"
    mkdir -p "$dest"
    rsync -a --delete --filter=':- .gitignore' --filter='P .git/' --exclude=.git/ --exclude='.venv*' --exclude=/build/ \
        --exclude=/tests/output/ --exclude=.ansible/ --exclude=__pycache__/ --exclude=.pytest_cache/ \
        "$ROOT"/ "$dest"/
}
