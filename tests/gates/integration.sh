#!/usr/bin/env bash
# integration.sh [TARGET...] : `ansible-test integration --local` of tests/integration/targets (all, or the targets
# named; any ansible-test integration argument passes through) on the newest ansible-core line
# (.venv-LINE, built from its lock like the other lines), on a copy of the collection in
# build/ansible-test/integration-LINE/ansible_collections/simfleet/twilio (a tree of its own, so that it can run
# beside `ansible-test sanity` on the same line). Every target starts and stops the simulator it needs
# (tests/integration/targets/setup_simulator); ansible-test's output goes to that tree's tests/output/.
set -euo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"

line="$(newest_core_line)"
env_spec "$line"
python="$(env_python)" || die "integration on ansible-core $line: no Python ${ENV_PYTHONS// / or } found"
venv="$ENV_DIR"
make_venv "$venv" "$python" "$ENV_LOCK" "${ENV_REQS[@]}"
core="$("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')"

# The venv's tools first, no pyenv shims, no collection path of the caller.
PATH="$venv/bin:$(path_without_pyenv_shims)"
export PATH
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

tree="$BUILD/ansible-test/integration-$line/ansible_collections/simfleet/twilio"
ansible_test_tree "$tree"
rm -rf "$tree/tests/output"
log "ansible-test integration --local, ansible-core $core, Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())')"
cd "$tree"
ansible-test integration --local --color no "$@"
