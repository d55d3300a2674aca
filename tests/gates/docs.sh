#!/usr/bin/env bash
# docs.sh : the collection's HTML docs site (antsibull-docs sphinx-init + collection docs + Sphinx) into
# build/docs; open build/docs/build/html/index.html. Offline: no intersphinx inventories are fetched.
set -euo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"
export PATH="$ROOT/.venv-tools/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$BUILD/collections"
dest="$BUILD/docs"
rm -rf "$dest"
mkdir -p "$dest"
chmod 755 "$dest"   # antsibull-docs wants a directory only its owner can write
antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$dest" \
    --project simfleet.twilio --copyright "simfleet maintainers" \
    --title "simfleet.twilio collection documentation" --html-short-title simfleet.twilio \
    --index-rst-source "$ROOT/docs/docsite/index.rst" \
    simfleet.twilio >/dev/null
# The build machine reaches package registries only, so intersphinx cannot fetch docs.ansible.com's
# inventory: a small local one resolves the labels antsibull-docs links to (URLs stay docs.ansible.com's).
"$ROOT/.venv-tools/bin/python" - "$dest/ansible_devel.inv" <<'PY'
import sys, zlib
labels = {
    "ansible_configuration_settings": ("reference_appendices/config.html#$", "Ansible Configuration Settings"),
    "common_return_values": ("reference_appendices/common_return_values.html#$", "Return Values"),
    "ansible_collections.ansible.builtin.docsite.playbooks_intro": ("playbook_guide/playbooks_intro.html#$", "Playbooks"),
    "using_collections": ("collections_guide/index.html#$", "Using Ansible collections"),
    # the note antsibull-docs adds to a module that has an action plugin (sim_batch)
    "action_plugins": ("plugins/action.html#$", "Action plugins"),
}
body = "".join(f"{name} std:label -1 {uri} {text}\n" for name, (uri, text) in labels.items())
# ansible-core's own settings: E(ANSIBLE_...) in the docs links to their entries on the configuration page.
import os, yaml, ansible.config
base = os.path.join(os.path.dirname(ansible.config.__file__), "base.yml")
for setting in (yaml.safe_load(open(base)) or {}).values():
    for env in (setting or {}).get("env") or []:
        name = env.get("name")
        if name:
            body += f"{name} std:envvar -1 reference_appendices/config.html#envvar-{name} -\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
            b"# The remainder of this file is compressed using zlib.\n" + zlib.compress(body.encode()))
PY
cat >> "$dest/conf.py" <<'PY'

# Offline build: local inventory for docs.ansible.com labels (written by tests/gates/docs.sh).
import os.path  # noqa: E402
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/',
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ansible_devel.inv')),
}
PY
bash "$dest/build.sh"
[ -f "$dest/build/html/index.html" ] || die "sphinx wrote no $dest/build/html/index.html"
echo "docs site: $dest/build/html/index.html"
