#!/usr/bin/env bash
# galaxy.sh : ansible-galaxy collection build, Galaxy's importer on the tarball (any WARNING or ERROR line
# fails), then install the tarball into an empty path and load every module and the inventory plugin
# from there with ansible-doc, on every ansible-core line whose venv exists.
set -euo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"
tools="$ROOT/.venv-tools/bin"
out="$BUILD/galaxy"
rm -rf "$out"
mkdir -p "$out"
cd "$ROOT"

version="$("$tools/python" -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')"
tarball="$out/simfleet-twilio-$version.tar.gz"
log "ansible-galaxy collection build"
"$tools/ansible-galaxy" collection build --force --output-path "$out" . >/dev/null
[ -f "$tarball" ] || die "ansible-galaxy collection build did not write $tarball"

# Nothing generated may leak into the tarball (galaxy.yml build_ignore does not read .gitignore).
junk="$(tar -tzf "$tarball" | grep -E '(^|/)(\.venv[^/]*|build|\.ansible|tests/output|__pycache__|\.pytest_cache|\.git|demo-output)(/|$)|\.pyc$|importer_result\.json|\.plugin-cache\.yaml|\.tar\.gz$' || true)"
[ -z "$junk" ] || die "generated files in $tarball (add them to build_ignore in galaxy.yml): $junk"

log "galaxy-importer on $(basename "$tarball")"
set +e
(cd "$out" && GALAXY_IMPORTER_CONFIG="$ROOT/tests/gates/galaxy-importer.cfg" PATH="$tools:$PATH" \
    ANSIBLE_COLLECTIONS_PATH="" "$tools/python" -m galaxy_importer.main "$tarball") > "$out/importer.log" 2>&1
rc=$?
set -e
cat "$out/importer.log"
[ "$rc" = 0 ] || die "galaxy-importer exited $rc"
findings="$(grep -E '(^|[^A-Za-z])(WARNING|ERROR)([^A-Za-z]|$)' "$out/importer.log" || true)"
[ -z "$findings" ] || die "galaxy-importer reported:
$findings"

# Install into an empty path and load every plugin from there (and from nowhere else).
inst="$out/installed"
mkdir -p "$inst"
log "ansible-galaxy collection install into an empty path"
ANSIBLE_COLLECTIONS_PATH="$inst" "$tools/ansible-galaxy" collection install --offline -p "$inst" "$tarball"
coll="$inst/ansible_collections/simfleet/twilio"
mapfile -t modules < <(
    { find "$coll/plugins/modules" -name '*.py' ! -name '__init__.py' -printf '%f\n' 2>/dev/null | sed 's/\.py$//'
      "$tools/python" -c 'import yaml, sys; g = (yaml.safe_load(open(sys.argv[1])) or {}).get("action_groups", {})
for m in g.get("twilio", []): print(m)' "$coll/meta/runtime.yml"; } | sort -u)
[ "${#modules[@]}" -gt 0 ] || die "the installed collection has no modules"
[ -f "$coll/plugins/inventory/sims.py" ] || die "the installed collection has no inventory plugin sims"
failed=0
for venv in "$ROOT/.venv-tools" "$ROOT"/.venv-2.* ; do
    [ -x "$venv/bin/ansible-doc" ] || continue
    core="$("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')"
    for spec in "module:${modules[*]/#/simfleet.twilio.}" "inventory:simfleet.twilio.sims"; do
        type="${spec%%:*}"
        read -r -a names <<<"${spec#*:}"
        rc=0
        ANSIBLE_COLLECTIONS_PATH="$inst" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
            "$venv/bin/ansible-doc" -t "$type" "${names[@]}" 2> "$out/ansible-doc.err" >/dev/null || rc=$?
        # A dependency's warning (a package of the venv warning about another) is reported, not a failure;
        # anything else on standard error is a plugin that does not load or documents badly.
        verdict=0
        "$venv/bin/python" "$ROOT/tests/gates/stderr_classify.py" < "$out/ansible-doc.err" \
            > "$out/dependency-warnings.txt" 2> "$out/plugin-errors.txt" || verdict=$?
        sed "s/^/ansible-core $core: /" "$out/dependency-warnings.txt" >> "$GATES_OUT/dependency-warnings.txt"
        sed "s/^/ansible-core $core: /" "$out/dependency-warnings.txt"
        if [ "$rc" != 0 ] || [ "$verdict" != 0 ]; then
            echo "FAILED: ansible-core $core: ansible-doc -t $type ${names[*]} (exit $rc): $(cat "$out/plugin-errors.txt")" >&2
            failed=1
        else
            echo "ansible-core $core: ansible-doc -t $type loads ${names[*]}"
        fi
    done
done
[ "$failed" = 0 ] || die "plugins do not load from the installed tarball"
