#!/usr/bin/env bash
# lint.sh : ansible-lint --profile production (.ansible-lint), antsibull-docs lint-collection-docs
# --plugin-docs and antsibull-changelog lint. Runs all three, fails if any reports a finding.
set -uo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"
export PATH="$ROOT/.venv-tools/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$BUILD/collections"
cd "$ROOT" || exit 1
failed=()
log "ansible-lint --profile production"
timed "lint: ansible-lint" ansible-lint --profile production --offline --nocolor || failed+=(ansible-lint)
log "antsibull-docs lint-collection-docs --plugin-docs ."
timed "lint: antsibull-docs" antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs=all . \
    || failed+=(antsibull-docs)
log "antsibull-changelog lint"
timed "lint: antsibull-changelog" antsibull-changelog lint -v || failed+=(antsibull-changelog)
[ "${#failed[@]}" = 0 ] || die "lint findings from: ${failed[*]}"
