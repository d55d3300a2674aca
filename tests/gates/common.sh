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

# env_spec NAME : the virtual environment NAME, as ENV_DIR, ENV_PYTHONS (versions to try, first found wins),
# ENV_LOCK (its lock file), ENV_REQS (its top-level requirement files) and ENV_SOURCE (where they come from).
# NAME is test (.venv: the suite and the demo), tools (.venv-tools: lint, docs, importer, builder) or an
# ansible-core line of core-lines.txt (.venv-LINE); test and tools run the newest line, test with its lock.
# The ENV_* variables are the function's results, read by the scripts that source this file.
# shellcheck disable=SC2034
env_spec() {
    local name="$1" lines newest line reqs src
    lines="$ROOT/tests/gates/core-lines.txt"
    newest="$(grep -v '^#' "$lines" | awk 'NF { l = $1 } END { print l }')"
    case "$name" in
    test) line="$newest"; ENV_DIR="$ROOT/.venv" ;;
    tools) line="$newest"; ENV_DIR="$ROOT/.venv-tools" ;;
    *) line="$name"; ENV_DIR="$ROOT/.venv-$name" ;;
    esac
    read -r _ ENV_PYTHONS <<<"$(grep -E "^${line//./\\.} " "$lines")" || die "unknown ansible-core line '$line' (see $lines)"
    if [ "$name" = tools ]; then
        ENV_LOCK="$ROOT/tests/locks/tools.txt"
        reqs="$GATES_OUT/requirements-tools.txt"
        src="$ROOT/tests/gates/requirements-tools.in"
    else
        ENV_LOCK="$ROOT/tests/locks/core-$line.txt"
        reqs="$GATES_OUT/requirements-core-$line.txt"
        src="$ROOT/tests/requirements.txt"
    fi
    # the requirement file plus the line's ansible-core, rewritten only when it changes (make_venv's stamp)
    { cat "$src"; echo "ansible-core==$line.*"; } > "$reqs.new.$$"
    if cmp -s "$reqs.new.$$" "$reqs" 2>/dev/null; then rm "$reqs.new.$$"; else mv "$reqs.new.$$" "$reqs"; fi
    ENV_REQS=("$reqs")
    ENV_SOURCE="${src#"$ROOT"/} with ansible-core==$line.*"
    if [ "$name" = test ] || [ "$name" = tools ]; then [ -z "${PYTHON:-}" ] || ENV_PYTHONS="explicit"; fi
}

# env_python : the interpreter for the last env_spec (PYTHON=/path overrides it for test and tools).
env_python() {
    local v
    if [ "$ENV_PYTHONS" = explicit ]; then
        "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || die "PYTHON=$PYTHON cannot make virtual environments"
        printf '%s\n' "$PYTHON"
        return 0
    fi
    for v in $ENV_PYTHONS; do
        find_python "$v" && return 0
    done
    return 1
}

# make_venv DIR PYTHON LOCK REQUIREMENTS... : (re)create DIR when the requirement files, the lock, the interpreter or
# the pin mode change. GATES_PINS=locked (the default) installs the requirements under the lock's constraints and
# fails on any installed package the lock does not pin; GATES_PINS=latest (make test-latest) installs the newest
# releases and records what differs from the lock in build/gates/drift.txt.
make_venv() {
    local dir="$1" python="$2" lock="$3" mode="${GATES_PINS:-locked}" stamp want
    shift 3
    case "$mode" in locked|latest) ;; *) die "GATES_PINS must be locked or latest, not '$mode'" ;; esac
    [ -f "$lock" ] || die "no lock file $lock (make lock writes it)"
    want="$("$python" -c 'import sys; print(sys.version)' | head -n1) $mode $(cat "$lock" "$@" | sha256sum | cut -c1-16)"
    stamp="$dir/.gates-installed"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
        return 0
    fi
    log "creating $dir with $python ($mode)"
    local start=$SECONDS
    rm -rf "$dir"
    "$python" -m venv "$dir"
    local args=() f
    for f in "$@"; do args+=(-r "$f"); done
    [ "$mode" = locked ] && args+=(-c "$lock")
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "${args[@]}" 2> >(grep -v "is ignored: it is neither" >&2) \
        || { rm -rf "$dir"; die "pip install into $dir failed"; }
    if [ "$mode" = locked ]; then
        "$dir/bin/python" "$ROOT/tests/gates/lockcheck.py" verify "$lock" \
            || { rm -rf "$dir"; die "$dir would hold packages that $lock does not pin"; }
    else
        { echo "$(basename "$dir") against $(basename "$lock"):"
          "$dir/bin/python" "$ROOT/tests/gates/lockcheck.py" drift "$lock" | sed 's/^/  /'; } >> "$GATES_OUT/drift.txt"
    fi
    printf '%s\n' "$want" > "$stamp"
    printf 'venv %s\t%s\tok\n' "${dir##*/}" "$(( SECONDS - start ))" >> "$GATES_OUT/timings.tsv"
}

# copy_collection DEST : the collection as ansible-test and ansible-galaxy see it (no build output, venvs, git).
copy_collection() {
    local dest="$1"
    mkdir -p "$dest"
    rsync -a --delete --filter=':- .gitignore' --filter='P .git/' --exclude=.git/ --exclude='.venv*' --exclude=/build/ \
        --exclude=/tests/output/ --exclude=.ansible/ --exclude=__pycache__/ --exclude=.pytest_cache/ \
        "$ROOT"/ "$dest"/
}

# newest_core_line : the newest ansible-core line of core-lines.txt (its last line).
newest_core_line() {
    grep -v '^#' "$ROOT/tests/gates/core-lines.txt" | awk 'NF { l = $1 } END { print l }'
}

# path_without_pyenv_shims : $PATH without pyenv's shims, which ansible-test would take for interpreters and then
# fail to run.
path_without_pyenv_shims() {
    tr ':' '\n' <<<"$PATH" | grep -v -E '/\.pyenv/(.*/)?shims/?$' | paste -sd: -
}

# ansible_test_tree DEST : copy_collection into DEST (a .../ansible_collections/simfleet/twilio folder), which gets
# its own git repository: ansible-test lists files with git when it finds a repository above the collection, and
# this repository would hide the git-ignored build tree (untracked files count as content).
ansible_test_tree() {
    local dest="$1"
    copy_collection "$dest"
    [ -d "$dest/.git" ] || git -C "$dest" init -q
}
