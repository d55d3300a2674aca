# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""galaxy.yml is the one source of the collection's version.

Modules cannot read galaxy.yml on the target, so plugins/module_utils/_version.py holds a copy for the code,
generated from galaxy.yml by running this file:
``.venv/bin/python tests/unit/plugins/module_utils/test_version.py --write`` (without ``--write`` it only says
whether the file is up to date); the tests fail while it differs from what that command writes. The README's
"Version X.Y.Z." must name galaxy.yml's version too. Every ``version_added`` in the documentation of the plugins
(modules, inventory, filters, action plugins, module_utils, doc fragments, the event source) and of the roles'
argument specifications must not be above that version, and a plugin says the release that brought it: the release of changelogs/changelog.yaml that
lists it, or, when no release lists it yet, a version after the last release.

Documentation is read from the files as text (``ast`` for Python, YAML for the rest), never by importing the
plugins, so the event source is checked without its own requirements.
"""

import ast
import glob
import json
import os
import re

import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?\Z")
# Where each kind of plugin lives, by the name changelogs/changelog.yaml files it under (``modules`` or
# ``plugins.<type>``); every file of these folders with documentation must carry a top-level version_added.
PLUGIN_DIRS = {
    "modules": "plugins/modules",
    "inventory": "plugins/inventory",
    "filter": "plugins/filter",
    "lookup": "plugins/lookup",
    "action": "plugins/action",
    "module_utils": "plugins/module_utils",
    "event_source": "extensions/eda/plugins/event_source",
}
DOC_FRAGMENTS = "plugins/doc_fragments"
# Documentation blocks whose ``version_added`` entries count; ``sample`` and ``example`` values are data, not docs.
DOC_BLOCKS = ("DOCUMENTATION", "RETURN")
DATA_KEYS = frozenset(("sample", "example", "examples"))


VERSION_MODULE = "plugins/module_utils/_version.py"
WRITE_COMMAND = ".venv/bin/python tests/unit/plugins/module_utils/test_version.py --write"


def galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml")) as f:
        return yaml.safe_load(f)["version"]


def version_module_text(version):
    """plugins/module_utils/_version.py as generated for ``version``: the file as it stands with its
    COLLECTION_VERSION line set to ``version`` (so its docstring is kept as written)."""
    with open(os.path.join(ROOT, VERSION_MODULE), encoding="utf-8") as f:
        text = f.read()
    line = re.compile(r'^COLLECTION_VERSION = .*$', re.M)
    if len(line.findall(text)) != 1:
        raise ValueError("%s must hold exactly one line COLLECTION_VERSION = ..." % VERSION_MODULE)
    return line.sub(lambda match: "COLLECTION_VERSION = %s" % json.dumps(version), text)


def write_version_module(check_only=False):
    """Generate plugins/module_utils/_version.py from galaxy.yml; whether it was (or, with check_only, is) up to date."""
    path = os.path.join(ROOT, VERSION_MODULE)
    with open(path, encoding="utf-8") as f:
        current = f.read()
    wanted = version_module_text(galaxy_version())
    if current != wanted and not check_only:
        with open(path, "w", encoding="utf-8") as f:
            f.write(wanted)
    return current == wanted


def version_key(value):
    """(major, minor, patch) of a semantic version, compared numerically; a pre-release or build suffix is ignored,
    as ``version_added`` names the final release."""
    if not isinstance(value, str):
        raise ValueError("%r is not a version string (quote it, or write major.minor.patch)" % (value,))
    match = SEMVER.match(value)
    if match is None:
        raise ValueError("%r is not a semantic version major.minor.patch" % (value,))
    return tuple(int(part) for part in match.groups())


def version_added_entries(node, where):
    """Every (location, value) of a ``version_added`` key in a documentation structure, options and sub-options
    at any depth included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "version_added":
                yield where, value
            elif key not in DATA_KEYS:
                yield from version_added_entries(value, "%s.%s" % (where, key) if where else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from version_added_entries(value, "%s[%d]" % (where, index))


def parse_yaml(text, what):
    """The YAML document ``text``; a syntax error fails naming ``what`` (file and block)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        pytest.fail("%s is not valid YAML: %s" % (what, err), pytrace=False)


def python_docs(path):
    """{block name: parsed YAML} of a Python file: its module-level DOCUMENTATION and RETURN strings, and every
    upper-case string of the classes of a doc fragment file."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    docs = {}
    fragment = os.path.dirname(path).endswith(DOC_FRAGMENTS)
    statements = list(tree.body)
    if fragment:
        statements += [s for c in tree.body if isinstance(c, ast.ClassDef) for s in c.body]
    for statement in statements:
        if not isinstance(statement, ast.Assign) or not isinstance(statement.value, ast.Constant):
            continue
        if not isinstance(statement.value.value, str):
            continue
        for target in statement.targets:
            if isinstance(target, ast.Name) and (target.id in DOC_BLOCKS or (fragment and target.id.isupper())):
                docs[target.id] = parse_yaml(statement.value.value, "%s: %s" % (os.path.relpath(path, ROOT), target.id))
    return docs


def yaml_docs(path):
    """{block name: parsed YAML} of a YAML plugin documentation file (filters written in YAML)."""
    with open(path, encoding="utf-8") as f:
        data = parse_yaml(f.read(), os.path.relpath(path, ROOT)) or {}
    return dict((name, data[name]) for name in DOC_BLOCKS if isinstance(data, dict) and name in data)


def plugin_files():
    """(kind, name, path) of every file that can hold plugin documentation."""
    for kind, folder in sorted(PLUGIN_DIRS.items()):
        for path in sorted(glob.glob(os.path.join(ROOT, folder, "*.py")) + glob.glob(os.path.join(ROOT, folder, "*.yml"))):
            name = os.path.splitext(os.path.basename(path))[0]
            if name != "__init__":
                yield kind, name, path


def all_version_added():
    """(file relative to the root, location, value) of every version_added of the collection's documentation."""
    entries = []
    paths = [path for dummy, dummy, path in plugin_files()]
    paths += sorted(glob.glob(os.path.join(ROOT, DOC_FRAGMENTS, "*.py")))
    for path in paths:
        docs = python_docs(path) if path.endswith(".py") else yaml_docs(path)
        for block, doc in sorted(docs.items()):
            entries += [(os.path.relpath(path, ROOT), where, value) for where, value in version_added_entries(doc, block)]
    for path in sorted(glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml"))):
        with open(path, encoding="utf-8") as f:
            spec = yaml.safe_load(f) or {}
        entries += [(os.path.relpath(path, ROOT), where, value) for where, value in version_added_entries(spec, "")]
    return entries


def above(entries, version):
    """The entries whose version is above ``version``, or that are no version at all, as readable lines."""
    limit = version_key(version)
    problems = []
    for path, where, value in entries:
        try:
            if version_key(value) > limit:
                problems.append("%s: %s version_added %s is above the collection's version %s" % (path, where, value, version))
        except ValueError as err:
            problems.append("%s: %s version_added: %s" % (path, where, err))
    return problems


def released_plugins():
    """{(kind, name): release} of every plugin a release of changelogs/changelog.yaml lists, and that file's releases."""
    with open(os.path.join(ROOT, "changelogs", "changelog.yaml")) as f:
        releases = (yaml.safe_load(f) or {}).get("releases") or {}
    listed = {}
    for release, data in sorted(releases.items(), key=lambda item: version_key(item[0])):
        for module in (data or {}).get("modules") or []:
            listed[("modules", module["name"])] = release
        for kind, plugins in ((data or {}).get("plugins") or {}).items():
            for plugin in plugins or []:
                listed[(kind, plugin["name"])] = release
        # antsibull-changelog has no section for event sources: the first release whose changes name one in full
        text = json.dumps((data or {}).get("changes") or {})
        for name in re.findall(r"simfleet\.twilio\.(\w+)", text):
            listed.setdefault(("event_source", name), release)
    return listed, list(releases)


def test_version_constant_is_galaxy_version():
    from ansible_collections.simfleet.twilio.plugins.module_utils._version import COLLECTION_VERSION
    assert COLLECTION_VERSION == galaxy_version(), (
        "plugins/module_utils/_version.py says %s, galaxy.yml says %s: run %s"
        % (COLLECTION_VERSION, galaxy_version(), WRITE_COMMAND))


def test_version_module_is_generated_from_galaxy_yml():
    assert write_version_module(check_only=True), "%s is not what galaxy.yml generates: run %s" % (VERSION_MODULE, WRITE_COMMAND)


def test_readme_names_galaxy_version():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        stated = re.findall(r"\*\*Version ([^*]+?)\.\*\*", f.read())
    assert stated == [galaxy_version()], "README.md states the version %s, galaxy.yml says %s" % (stated, galaxy_version())


def test_galaxy_version_is_semantic_version():
    version_key(galaxy_version())


def test_every_plugin_documents_version_added():
    missing = []
    documented = 0
    for kind, name, path in plugin_files():
        docs = python_docs(path) if path.endswith(".py") else yaml_docs(path)
        doc = docs.get("DOCUMENTATION")
        if doc is None:
            # action plugins and module_utils are documented by their module, or not at all
            assert kind in ("action", "module_utils"), "%s has no DOCUMENTATION" % os.path.relpath(path, ROOT)
            continue
        documented += 1
        if "version_added" not in doc:
            missing.append(os.path.relpath(path, ROOT))
    assert not missing, "no top-level version_added in: %s" % ", ".join(missing)
    # the modules, the inventory plugin, the filters and the event source are all read
    expected = sum(1 for kind, dummy, dummy in plugin_files() if kind in ("modules", "inventory", "filter", "event_source"))
    assert documented >= expected > 30


def test_no_version_added_is_above_galaxy_version():
    entries = all_version_added()
    # option-level entries are read too, not only each plugin's own
    assert any(where.startswith("DOCUMENTATION.options.") for dummy, where, dummy in entries), entries
    problems = above(entries, galaxy_version())
    assert not problems, "\n".join(problems)


def test_each_plugin_says_the_release_that_brought_it():
    listed, releases = released_plugins()
    last = max(releases, key=version_key) if releases else None
    problems = []
    for kind, name, path in plugin_files():
        doc = (python_docs(path) if path.endswith(".py") else yaml_docs(path)).get("DOCUMENTATION")
        if doc is None:
            continue
        value = doc.get("version_added")
        release = listed.get((kind, doc.get("module") or doc.get("name") or name))
        if release is not None:
            if value != release:
                problems.append("%s says version_added %s, but it was released in %s" % (os.path.relpath(path, ROOT), value, release))
        elif last is not None and version_key(value) <= version_key(last):
            problems.append("%s says version_added %s, but no release up to %s lists it: it is new in the next release"
                            % (os.path.relpath(path, ROOT), value, last))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("value,key", [
    ("2.0.0", (2, 0, 0)),
    ("2.10.0", (2, 10, 0)),
    ("10.0.1-rc.1", (10, 0, 1)),
])
def test_versions_compare_numerically(value, key):
    assert version_key(value) == key
    assert version_key("2.10.0") > version_key("2.9.0")


@pytest.mark.parametrize("value", ["2.0", 2.0, "v2.0.0", "2.0.0.1", None])
def test_a_version_that_is_not_semantic_is_reported(value):
    problems = above([("plugins/modules/x.py", "DOCUMENTATION", value)], "2.0.0")
    assert len(problems) == 1 and "version_added" in problems[0], problems


def test_an_option_above_the_version_is_reported():
    doc = yaml.safe_load("""
module: x
version_added: 1.0.0
options:
  outer:
    version_added: 2.0.0
    suboptions:
      inner:
        version_added: 2.10.0
        description: new in a later release
  other:
    sample: {version_added: 9.0.0}
""")
    entries = [("plugins/modules/x.py", where, value) for where, value in version_added_entries(doc, "DOCUMENTATION")]
    assert len(entries) == 3
    assert above(entries, "2.0.0") == [
        "plugins/modules/x.py: DOCUMENTATION.options.outer.suboptions.inner version_added 2.10.0 is above the collection's version 2.0.0"]
    # numeric, not textual: 2.10.0 is above 2.9.0
    assert len(above(entries, "2.9.0")) == 1
    assert above(entries, "2.10.0") == []


if __name__ == "__main__":
    CHECK = "--write" not in sys.argv[1:]
    UP_TO_DATE = write_version_module(check_only=CHECK)
    print("%s %s galaxy.yml's version %s" % (VERSION_MODULE, "holds" if UP_TO_DATE else ("differs from" if CHECK else "now holds"),
                                             galaxy_version()))
    sys.exit(1 if CHECK and not UP_TO_DATE else 0)
