#!/usr/bin/env bash
# venv.sh NAME... : build each virtual environment (test, tools or an ansible-core line; see env_spec in
# common.sh) from its lock file in tests/locks/; an installed package that the lock does not pin fails the step.
# venv.sh --lock NAME... : `make lock`: install the newest releases of NAME's top-level requirements into a
# scratch venv (build/lock/NAME) and rewrite NAME's lock from it.
set -euo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"

write_lock=0
if [ "${1:-}" = --lock ]; then write_lock=1; shift; fi
[ "$#" -gt 0 ] || die "usage: $0 [--lock] NAME..."
for name in "$@"; do
    env_spec "$name"
    python="$(env_python)" || die "no Python ${ENV_PYTHONS// / or } for the $name environment (looked in ~/.pyenv/versions, /usr/local/bin, /usr/bin)"
    if [ "$write_lock" = 0 ]; then
        make_venv "$ENV_DIR" "$python" "$ENV_LOCK" "${ENV_REQS[@]}"
        continue
    fi
    scratch="$BUILD/lock/$name"
    log "locking $name: newest releases of $ENV_SOURCE, with $python"
    rm -rf "$scratch"
    "$python" -m venv "$scratch"
    args=()
    for f in "${ENV_REQS[@]}"; do args+=(-r "$f"); done
    "$scratch/bin/python" -m pip install -q --disable-pip-version-check "${args[@]}" \
        2> >(grep -v "is ignored: it is neither" >&2) || die "pip install into $scratch failed"
    header="Lock of the $name environment: every package it installs, exact. Do not edit: \`make lock\` rewrites it
from $ENV_SOURCE, with Python $("$python" -c 'import platform; print(platform.python_version())')."
    "$scratch/bin/python" "$ROOT/tests/gates/lockcheck.py" freeze "$ENV_LOCK" "$header"
    rm -rf "$scratch"
    log "wrote ${ENV_LOCK#"$ROOT"/}"
done
