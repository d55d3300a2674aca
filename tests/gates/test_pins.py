"""The pins of the test environments (tests/locks/) and the checks that hold every venv to them."""
import os
import re
import subprocess
import sys

import pytest

from gates import lockcheck

GATES = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(GATES))
LOCKS = os.path.join(ROOT, "tests", "locks")


def core_lines():
    with open(os.path.join(GATES, "core-lines.txt"), encoding="utf-8") as handle:
        return [line.split()[0] for line in handle if line.strip() and not line.startswith("#")]


ENVIRONMENTS = [("tools", os.path.join(GATES, "requirements-tools.in"), "tools.txt")] + [
    (line, os.path.join(ROOT, "tests", "requirements.txt"), "core-%s.txt" % line) for line in core_lines()
]


@pytest.mark.parametrize("name,requirements,lock", ENVIRONMENTS, ids=[env[0] for env in ENVIRONMENTS])
def test_each_lock_pins_every_requirement_exactly(name, requirements, lock):
    pins = lockcheck.read_lock(os.path.join(LOCKS, lock))
    wanted = lockcheck.read_requirement_names(requirements) + ["ansible-core"]
    assert [req for req in wanted if req not in pins] == []
    newest = core_lines()[-1]
    line = newest if name == "tools" else name
    assert pins["ansible-core"].startswith(line + "."), (lock, pins["ansible-core"])
    assert "pip" not in pins


def test_a_lock_entry_that_is_not_exact_is_refused(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("# header\nrequests==2.34.2\npytest>=9\n")
    with pytest.raises(ValueError, match=r"'pytest>=9' is not an exact pin"):
        lockcheck.read_lock(str(lock))
    lock.write_text("requests==2.34.2\nRequests==2.34.1\n")
    with pytest.raises(ValueError, match="pinned twice"):
        lockcheck.read_lock(str(lock))


def run_lockcheck(*args):
    return subprocess.run([sys.executable, os.path.join(GATES, "lockcheck.py")] + list(args),
                          capture_output=True, text=True, check=False)


def test_verify_names_a_package_the_lock_does_not_pin(tmp_path):
    full = tmp_path / "full.txt"
    assert run_lockcheck("freeze", str(full), "this interpreter").returncode == 0
    assert run_lockcheck("verify", str(full)).returncode == 0

    pins = full.read_text().splitlines()
    without = tmp_path / "without.txt"
    without.write_text("\n".join(line for line in pins if not line.lower().startswith("pytest==")) + "\n")
    result = run_lockcheck("verify", str(without))
    assert result.returncode == 1
    assert re.search(r"unpinned package in .*: pytest==[0-9.]+ \(not in the lock\)", result.stderr), result.stderr

    other = tmp_path / "other.txt"
    other.write_text("\n".join(re.sub(r"^(pytest)==.*$", r"\1==0.0.1", line, flags=re.I) for line in pins) + "\n")
    result = run_lockcheck("verify", str(other))
    assert result.returncode == 1
    assert "(the lock pins 0.0.1)" in result.stderr


def test_drift_lists_changed_new_and_gone_packages():
    pins = {"a": "1.0", "b": "2.0", "gone": "3.0"}
    present = {"a": ("A", "1.0"), "b": ("b", "2.1"), "new": ("New", "0.1")}
    assert lockcheck.drift(pins, present) == ["b: 2.0 -> 2.1", "gone: 3.0 in the lock, no longer installed",
                                              "New: new, 0.1"]


def built_venvs():
    """(venv directory, lock file, pin mode) of every environment that make has built in this checkout."""
    found = []
    for name, _requirements, lock in ENVIRONMENTS + [("test", None, "core-%s.txt" % core_lines()[-1])]:
        directory = os.path.join(ROOT, ".venv" if name == "test" else ".venv-%s" % name)
        stamp = os.path.join(directory, ".gates-installed")
        if os.path.exists(stamp):
            with open(stamp, encoding="utf-8") as handle:
                mode = handle.read().split()[-2]
            found.append((directory, os.path.join(LOCKS, lock), mode))
    return found


def test_every_built_venv_holds_exactly_its_pins():
    venvs = built_venvs()
    this = [v for v in venvs if os.path.realpath(sys.prefix) == os.path.realpath(v[0])]
    assert this, "this test runs in a venv that make built (%s)" % sys.prefix
    expected_mode = os.environ.get("GATES_PINS", "locked")
    assert this[0][2] == expected_mode
    for directory, lock, mode in venvs:
        if mode != "locked":
            continue
        result = subprocess.run([os.path.join(directory, "bin", "python"), os.path.join(GATES, "lockcheck.py"),
                                 "verify", lock], capture_output=True, text=True, check=False)
        assert result.returncode == 0, (directory, result.stderr)
