"""Sort what an Ansible command printed to standard error into dependency warnings and everything else.

    PYTHON stderr_classify.py < STDERR

Run with the interpreter of the environment that printed it (standard library only). A Python warning raised
from a file of an installed package other than this collection (for example ansible-core's import of a DSA class
that cryptography deprecates) is a dependency warning: it is printed on standard output naming the package that
issued it, its version, and the package whose code triggered it. Every other line (a traceback, an ansible
`[WARNING]` or `[ERROR]` about the collection's own plugins, a warning from the collection's own files) is
printed on standard error, and the exit status is 1 when there is any.
"""
import re
import sys
from importlib import metadata

# "<file>:<line>: <Category>: <message>", as warnings.formatwarning writes it; the next line, indented, is the
# source line that raised it.
WARNING_LINE = re.compile(r"^(?P<file>/\S+\.py):(?P<line>\d+): (?P<category>[A-Za-z_][A-Za-z0-9_]*Warning): (?P<message>.*)$")
IMPORT_LINE = re.compile(r"^\s+(?:from|import)\s+(?P<module>[A-Za-z_][A-Za-z0-9_]*)")
COLLECTION_PATH = "/ansible_collections/simfleet/twilio/"
SITE = re.compile(r"/(?:site|dist)-packages/(?P<top>[A-Za-z_][A-Za-z0-9_]*)")


def _distribution_of_file(path):
    """(name, version) of the installed distribution that owns path (by its top-level package), or None."""
    match = SITE.search(path)
    return _distribution_of_module(match.group("top")) if match else None


def _distribution_of_module(module):
    """(name, version) of the distribution that provides a top-level module, or None."""
    names = metadata.packages_distributions().get(module) or []
    for name in names:
        try:
            return (name, metadata.version(name))
        except metadata.PackageNotFoundError:
            continue
    return None


def _issuer(category, context):
    """The distribution whose deprecation the warning reports: the module the source line imports, else the
    distribution named by the category's prefix (CryptographyDeprecationWarning: cryptography)."""
    match = IMPORT_LINE.match(context or "")
    if match:
        found = _distribution_of_module(match.group("module"))
        if found:
            return found
    prefix = re.sub(r"(Deprecation|Pending|Future|Runtime|User|Resource|Syntax|Import)?Warning$", "", category)
    if prefix:
        for dist in metadata.distributions():
            name = dist.metadata["Name"] or ""
            if name.lower() == prefix.lower():
                return (name, dist.version)
    return None


def classify(lines):
    """(dependency warnings as sentences, other lines) of a standard error text split into lines."""
    dependency, other = [], []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = WARNING_LINE.match(line)
        context = lines[index + 1] if index + 1 < len(lines) and lines[index + 1].startswith("  ") else None
        if match and COLLECTION_PATH not in match.group("file"):
            owner = _distribution_of_file(match.group("file"))
            issuer = _issuer(match.group("category"), context)
            where = "%s:%s" % (match.group("file"), match.group("line"))
            if owner:
                where = "%s %s (%s)" % (owner[0], owner[1], where)
            who = "%s %s" % issuer if issuer else "a dependency"
            dependency.append("dependency warning from %s, raised in %s: %s: %s"
                              % (who, where, match.group("category"), match.group("message")))
            index += 2 if context is not None else 1
            continue
        if line.strip():
            other.append(line)
        index += 1
    return dependency, other


def main():
    dependency, other = classify(sys.stdin.read().splitlines())
    for sentence in dependency:
        print(sentence)
    for line in other:
        print(line, file=sys.stderr)
    return 1 if other else 0


if __name__ == "__main__":
    sys.exit(main())
