"""Pins of the test environments: what a venv holds against its lock file in tests/locks/.

Run with the interpreter of the venv in question (standard library only):

    PYTHON lockcheck.py verify LOCK     every installed distribution is pinned in LOCK at the installed version
                                        (exit 1 naming each one that is not: an unpinned package)
    PYTHON lockcheck.py freeze OUT HDR  write the installed distributions as a lock file (`make lock`)
    PYTHON lockcheck.py drift LOCK      what differs from LOCK (`make test-latest`); always exit 0
    PYTHON lockcheck.py covers REQ LOCK every requirement named in REQ is pinned in LOCK (exit 1 otherwise)

pip itself is not part of a lock: the interpreter's venv module brings it.
"""
import re
import sys
from importlib import metadata

NOT_LOCKED = {"pip"}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name):
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path):
    """{canonical name: version} of a lock file; every entry must be an exact `name==version` pin."""
    pins = {}
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)", line)
            if not match:
                raise ValueError("%s:%d: %r is not an exact pin (name==version)" % (path, number, line))
            name = canonical(match.group(1))
            if name in pins:
                raise ValueError("%s:%d: %s is pinned twice" % (path, number, match.group(1)))
            pins[name] = match.group(2)
    return pins


def read_requirement_names(path):
    """Canonical project names of a requirements file (options, comments and blank lines aside)."""
    names = []
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith("-"):
                continue
            match = _NAME.match(line)
            if match:
                names.append(canonical(match.group(1)))
    return names


def installed():
    """{canonical name: (name as distributed, version)} of this interpreter's environment, pip excluded."""
    found = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and canonical(name) not in NOT_LOCKED:
            found[canonical(name)] = (name, dist.version)
    return found


def unpinned(pins, present):
    """Installed distributions the lock does not pin at their installed version, as 'name==version' lines."""
    problems = []
    for key, (name, version) in sorted(present.items()):
        if key not in pins:
            problems.append("%s==%s (not in the lock)" % (name, version))
        elif pins[key] != version:
            problems.append("%s==%s (the lock pins %s)" % (name, version, pins[key]))
    return problems


def drift(pins, present):
    """Lines describing how an environment of the newest releases differs from the lock."""
    lines = []
    for key in sorted(set(pins) | set(present)):
        if key not in present:
            lines.append("%s: %s in the lock, no longer installed" % (key, pins[key]))
        elif key not in pins:
            lines.append("%s: new, %s" % (present[key][0], present[key][1]))
        elif pins[key] != present[key][1]:
            lines.append("%s: %s -> %s" % (present[key][0], pins[key], present[key][1]))
    return lines


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    what, args = argv[1], argv[2:]
    try:
        if what == "verify" and len(args) == 1:
            problems = unpinned(read_lock(args[0]), installed())
            for line in problems:
                print("unpinned package in %s: %s; run `make lock` to update the pins" % (sys.prefix, line),
                      file=sys.stderr)
            return 1 if problems else 0
        if what == "freeze" and len(args) == 2:
            with open(args[0], "w", encoding="utf-8") as out:
                out.write("".join("# %s\n" % line for line in args[1].splitlines()))
                for _key, (name, version) in sorted(installed().items()):
                    out.write("%s==%s\n" % (name, version))
            return 0
        if what == "drift" and len(args) == 1:
            for line in drift(read_lock(args[0]), installed()):
                print(line)
            return 0
        if what == "covers" and len(args) == 2:
            pins = read_lock(args[1])
            missing = [name for name in read_requirement_names(args[0]) if name not in pins]
            for name in missing:
                print("%s names %s, which %s does not pin" % (args[0], name, args[1]), file=sys.stderr)
            return 1 if missing else 0
    except (OSError, ValueError) as exc:
        print("lockcheck: %s" % exc, file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
