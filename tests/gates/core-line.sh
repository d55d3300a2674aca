#!/usr/bin/env bash
# core-line.sh {venv|sanity|units} LINE : the venv, ansible-test sanity or the unit tests of one ansible-core line
# (tests/gates/core-lines.txt), each line in its own virtual environment .venv-LINE.
# A machine without a suitable Python skips the line with a message, unless GATES_REQUIRE_ALL_LINES=1.
set -euo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"

what="$1"
line="${2:-}"

# ansible-test finds other Pythons only as real binaries on PATH: a folder of symlinks, no pyenv shims.
pybin="$BUILD/pybin"
link_pythons() {
    mkdir -p "$pybin"
    local v p
    for v in 3.9 3.10 3.11 3.12 3.13 3.14; do
        if p="$(find_python "$v")" && [ "$(readlink "$pybin/python$v" 2>/dev/null)" != "$p" ]; then
            ln -sfn "$p" "$pybin/python$v"
        fi
    done
}
if [ "$what" = pybin ]; then link_pythons; exit 0; fi

env_spec "$line"
if ! python="$(env_python)"; then
    msg="SKIPPED: $what on ansible-core $line: no Python ${ENV_PYTHONS// / or } found (looked in ~/.pyenv/versions, /usr/local/bin, /usr/bin)"
    echo "$msg" >&2
    echo "$msg" >> "$GATES_OUT/skipped.txt"
    [ "${GATES_REQUIRE_ALL_LINES:-0}" = 1 ] && die "GATES_REQUIRE_ALL_LINES=1 and ansible-core $line cannot run"
    exit 0
fi
venv="$ENV_DIR"
make_venv "$venv" "$python" "$ENV_LOCK" "${ENV_REQS[@]}"
core="$("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')"
pyver="$("$venv/bin/python" -c 'import platform; print(platform.python_version())')"
[ "$what" = venv ] && exit 0

[ -d "$pybin" ] || link_pythons
clean_path="$(path_without_pyenv_shims)"
export PATH="$venv/bin:$pybin:$clean_path"
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

case "$what" in
sanity)
    command -v shellcheck >/dev/null || die "shellcheck is missing (make installs it with apt-get; see make deps)"
    "$ROOT/tests/gates/seed-get-pip.sh" "$venv"
    tree="$BUILD/ansible-test/$line/ansible_collections/simfleet/twilio"
    ansible_test_tree "$tree"
    ignores=$(find "$tree/tests/sanity" -name 'ignore-*.txt' -size +0 2>/dev/null || true)
    [ -z "$ignores" ] || die "sanity ignore files are not allowed: $ignores"
    log "ansible-test sanity, ansible-core $core, controller Python $pyver ($python); compile/import on every Python in build/pybin"
    cd "$tree"
    ansible-test sanity --venv --color no
    ;;
units)
    log "unit tests, ansible-core $core, Python $pyver ($python)"
    cd "$ROOT"
    ANSIBLE_COLLECTIONS_PATH="$BUILD/collections" "$ROOT/tests/gates/pytest.sh" "$venv/bin/python" tests/unit
    ;;
*) die "usage: $0 {venv|sanity|units} LINE | $0 pybin" ;;
esac
