#!/usr/bin/env bash
# ee.sh : ansible-builder introspect (what an EE build pulls in for this collection) and ansible-builder create
# (the build context, no container engine needed) on meta/execution-environment.yml.
set -euo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"
tools="$ROOT/.venv-tools/bin"
out="$BUILD/ee"
rm -rf "$out"
mkdir -p "$out/collections/ansible_collections/simfleet"
cd "$ROOT"
copy_collection "$out/collections/ansible_collections/simfleet/twilio"

log "ansible-builder introspect"
"$tools/ansible-builder" introspect --sanitize --write-pip "$out/pip.txt" --write-bindep "$out/bindep.txt" \
    "$out/collections" | tee "$out/introspect.txt"
grep -q '^requests' "$out/pip.txt" || die "introspect did not find requests in requirements.txt"
if grep -iE '^ansible(-core|-base)?([^a-z-]|$)' "$out/pip.txt"; then die "requirements.txt must not name ansible/ansible-core"; fi
if grep -E '<|==|~=|!=' "$ROOT/requirements.txt" | grep -v '^#'; then die "requirements.txt must carry no upper bounds or pins"; fi

# The definition's relative paths name files at the collection root (as introspect reads them), so create
# runs on a copy placed there.
log "ansible-builder create"
cp meta/execution-environment.yml "$out/collections/ansible_collections/simfleet/twilio/execution-environment.yml"
"$tools/ansible-builder" create -f "$out/collections/ansible_collections/simfleet/twilio/execution-environment.yml" \
    -c "$out/context" --output-filename Containerfile -v 2
for f in Containerfile _build/requirements.txt _build/bindep.txt; do
    [ -f "$out/context/$f" ] || die "ansible-builder create did not write $f"
done
grep -q requests "$out/context/_build/requirements.txt" || die "the EE build context lacks requests"

# The decision environment of the event source (extensions/eda/decision-environment.yml): create its context too.
log "ansible-builder create (decision environment)"
"$tools/ansible-builder" create -f "$ROOT/extensions/eda/decision-environment.yml" -c "$out/de-context" \
    --output-filename Containerfile -v 2
[ -f "$out/de-context/Containerfile" ] || die "ansible-builder create did not write the decision environment's Containerfile"
grep -q ansible-rulebook "$out/de-context/_build/requirements.txt" || die "the decision environment's context lacks ansible-rulebook"
